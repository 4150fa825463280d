"""A sensor on the drop folder: a run of `load_and_build` when new or changed export files arrive."""

from __future__ import annotations

import hashlib
import json

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from orchestration.einvoices.reader import einvoices_dir, xml_files
from orchestration.jobs import load_and_build_job
from orchestration.loading.loader import scan_drop_folder
from orchestration.runs import reap_on_evaluation
from orchestration.settings import Settings


def drop_folder_state(settings: Settings) -> dict[str, list]:
    """Name -> [size, mtime_ns] of every export file in the drop folder, and of every e-invoice
    (`einvoices/<name>`) in the e-invoice folder."""
    scan = scan_drop_folder(settings.exports_dir)
    paths = [f.path for files in scan.files.values() for f in files]
    state = {p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in paths}
    xml = xml_files(einvoices_dir(settings.exports_dir))
    return state | {f"einvoices/{p.name}": [p.stat().st_size, p.stat().st_mtime_ns] for p in xml}


@sensor(
    job=load_and_build_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Watches the drop folder (RETTIDIG_EXPORTS_DIR) and requests a load when export files arrive or change.",
)
def drop_folder_sensor(context: SensorEvaluationContext):
    reap_on_evaluation(context)
    settings = Settings.from_env()
    if not settings.exports_dir.is_dir():
        return SkipReason(f"The drop folder {settings.exports_dir} does not exist (RETTIDIG_EXPORTS_DIR).")
    state = drop_folder_state(settings)
    seen = json.loads(context.cursor) if context.cursor else {}
    arrived = sorted(name for name, stat in state.items() if seen.get(name) != stat)
    if not arrived:
        return SkipReason("No new export files.")
    context.update_cursor(json.dumps(state))
    # The run key makes a retried evaluation request the same run, never a second one.
    run_key = hashlib.sha256(json.dumps({n: state[n] for n in arrived}, sort_keys=True).encode()).hexdigest()[:16]
    return RunRequest(run_key=run_key, tags={"rettidig/new_files": ",".join(arrived)[:1000]})
