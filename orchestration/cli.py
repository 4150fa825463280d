"""`rettidig`: the command line of the pipeline.

Every command that computes something runs the project's Dagster definitions in-process (the same
assets, checks and resources the UI shows); nothing here is a second code path.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from contextlib import nullcontext
from pathlib import Path

from orchestration.settings import SETTINGS, Settings, SettingsError, parse_date, parse_month
from orchestration.warehouse import WarehouseError

DEMO_INVOICES_PER_MONTH = 3000
DEMO_MONTHS = 18
DEMO_START = dt.date(2024, 1, 1)
DEMO_BAD_ROWS = 12


class CommandError(Exception):
    """A failure the user can act on: printed as one line (`error: ...`), exit code `code`."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def _settings(args: argparse.Namespace) -> Settings:
    """Command-line options override the environment; the settings are validated (a bad value ends
    the command with one line saying what was expected) and exported for the in-process run and
    the processes it starts (dbt)."""
    if getattr(args, "exports", None):
        os.environ["RETTIDIG_EXPORTS_DIR"] = str(Path(args.exports).resolve())
    if getattr(args, "warehouse", None):
        os.environ["RETTIDIG_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    if getattr(args, "serving", None):
        os.environ["RETTIDIG_SERVING"] = str(Path(args.serving).resolve())
    if getattr(args, "as_of", None):
        os.environ["RETTIDIG_AS_OF_DATE"] = parse_date(args.as_of, "--as-of")
    return Settings.from_env().export()


def prepare_dbt_manifest(force: bool = False) -> Path:
    """Parse the dbt project into target/manifest.json, which dagster-dbt reads (`dbt parse`)."""
    from orchestration.lib.dbt.project import ProjectPreparer, dbt_project
    from orchestration.settings import PROJECT_ROOT

    manifest = dbt_project.manifest_path
    if not force and manifest.exists():
        # stale when any model, seed, macro or dbt setting changed since the last parse
        sources = [PROJECT_ROOT / "models", PROJECT_ROOT / "seeds", dbt_project.project_dir / "macros",
                   dbt_project.project_dir / "tests", dbt_project.project_dir / "snapshots"]
        newest = max(
            [p.stat().st_mtime for folder in sources if folder.exists() for p in folder.rglob("*") if p.is_file()]
            + [(dbt_project.project_dir / name).stat().st_mtime for name in ("dbt_project.yml", "profiles.yml")]
            + [(PROJECT_ROOT / "requirements.lock").stat().st_mtime]  # another dbt or dagster-dbt
        )
        force = newest > manifest.stat().st_mtime
    if force or not manifest.exists():
        print("Preparing the dbt manifest (dbt parse) ...", file=sys.stderr)
        ProjectPreparer().prepare(dbt_project)
    return manifest


# ---------------------------------------------------------------------------------------------
def cmd_generate(args: argparse.Namespace) -> int:
    from orchestration.generator import generate

    summary = generate(
        Path(args.out),
        invoices_per_month=args.invoices_per_month,
        months=args.months,
        start=dt.date.fromisoformat(args.start),
        extracts=args.extracts,
        seed=args.seed,
        bad_rows=args.bad_rows,
        progress=not args.quiet,
        overwrite=args.overwrite,
        einvoices=args.einvoices,
    )
    print(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False, default=str))
    return 0


def run_job(name: str, run_config: dict | None = None, tags: dict | None = None, partition_key: str | None = None,
            asset_selection: list | None = None, *, settings: Settings | None = None,
            options: argparse.Namespace | None = None):
    """Execute one of the project's Dagster jobs in-process on the project's Dagster instance
    (DAGSTER_HOME), so the run shows in the UI's run history.

    First the runs that died are reaped (orchestration/runs.py) and a live run that writes the
    warehouse is waited for, saying so (or, with --no-wait, refused). While the job runs, the
    console shows one line per phase and the full log goes to a file (--verbose: everything on the
    console, as Dagster and dbt write it). Ctrl-C or SIGTERM cancels the run cleanly."""
    settings = settings or Settings.from_env()
    options = options or argparse.Namespace()
    prepare_dbt_manifest()
    from dagster import DagsterInstance

    from orchestration import runs
    from orchestration.console import log_file_path, to_log_file
    from orchestration.definitions import defs

    job = defs.resolve_job_def(name)
    verbose = getattr(options, "verbose", False)
    log_path = log_file_path(settings.log_dir, name)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    loggers = {"rettidig": {"config": {"log_file": str(log_path), "dbt_nodes": dbt_nodes_per_step(), "progress": not verbose}}}
    if verbose:
        loggers["console"] = {"config": {"log_level": settings.log_level}}
    run_config = {**(run_config or {}), "loggers": loggers}
    with DagsterInstance.get() as instance:
        take_turn(instance, options)
        print(f"Running {name}; the full log is in {log_path}", file=sys.stderr)
        try:
            with nullcontext() if verbose else to_log_file(log_path):
                result = job.execute_in_process(
                    instance=instance, run_config=run_config, tags={**runs.owner_tags(), **(tags or {})},
                    partition_key=partition_key, asset_selection=asset_selection, raise_on_error=False,
                )
            if was_interrupted(result):
                raise KeyboardInterrupt
            return result
        finally:
            # an interrupted run (Ctrl-C, SIGTERM) is marked canceled and its pool slots freed, so the
            # next run does not wait for it
            for line in runs.cancel_own_runs(instance):
                print(line, file=sys.stderr)


def was_interrupted(result) -> bool:
    """Dagster ends a run interrupted by Ctrl-C or SIGTERM as a failure of the step it was in."""
    return any(
        event.is_step_failure and event.event_specific_data.error.cls_name == "DagsterExecutionInterruptedError"
        for event in result.all_events
    )


def dbt_nodes_per_step() -> dict[str, int]:
    """How many nodes (models, seeds, snapshots and tests) each dbt step builds: the count behind
    the progress line."""
    from orchestration.assets.dbt import dbt_models
    from orchestration.assets.period_close import period_close_models

    return {d.op.name: len(d.keys) + len(d.check_keys) for d in (dbt_models, period_close_models)}


def take_turn(instance, options: argparse.Namespace) -> None:
    """Before a command reads or writes the warehouse: reap the runs that died, then wait for a live
    run that writes it (or refuse with --no-wait)."""
    from orchestration import runs

    for line in runs.reap_dead_runs(instance):
        print(line, file=sys.stderr)
    wait_for_live_runs(instance, no_wait=getattr(options, "no_wait", False))


def wait_turn(options: argparse.Namespace) -> None:
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        take_turn(instance, options)


def wait_for_live_runs(instance, no_wait: bool, poll_seconds: float = 2.0) -> None:
    """Wait, saying for what, while another live run writes the warehouse (one writer at a time)."""
    from orchestration import runs

    announced: set[str] = set()
    while True:
        live = [r for r in runs.live_runs(instance) if r.status in ("STARTED", "STARTING", "CANCELING")]
        if not live:
            return
        if no_wait:
            raise CommandError(
                f"{live[0].describe()} is writing the warehouse (one writer at a time). Run again when it has "
                "finished, or leave out --no-wait to wait for it.",
                code=3,
            )
        for run in live:
            if run.run_id not in announced:
                announced.add(run.run_id)
                print(
                    f"Waiting for {run.describe()} to finish: the warehouse has one writer at a time. "
                    "Ctrl-C stops waiting; --no-wait fails at once instead.",
                    file=sys.stderr,
                )
        time.sleep(poll_seconds)
        for line in runs.reap_dead_runs(instance):
            print(line, file=sys.stderr)


def run_load_and_build(settings: Settings, as_of: str | None = None, options: argparse.Namespace | None = None,
                       full_refresh: bool = False):
    """Materialize the `load_and_build` job: load the drop folder, build and publish the marts. With
    full_refresh, the incremental models are rebuilt from scratch (docs/architecture.md,
    "Incremental models")."""
    config = {**({"as_of_date": as_of} if as_of else {}), **({"full_refresh": True} if full_refresh else {})}
    run_config = {"ops": {"dbt_models": {"config": config}}} if config else {}
    return run_job("load_and_build", run_config, settings=settings, options=options)


def run_problems(result) -> list[str]:
    """Why a run did not succeed: failed steps (with their message) and failed error-level checks."""
    problems = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            cause = error.cause or error
            while cause.cause is not None:
                cause = cause.cause
            message = (getattr(error, "message", "") or "").strip()
            detail = (cause.message or "").strip().removeprefix("dagster._core.definitions.events.Failure: ")
            # our own errors' messages say what to do: without their class (`orchestration....Error: `)
            detail = re.sub(r"^orchestration(?:\.\w+)+: ", "", detail)
            problems.append(f"{event.step_key}: {detail or message}")
    return problems + failed_checks(result)


def report_problems(result) -> int:
    problems = run_problems(result)
    if result.success and not problems:
        return 0
    print("\nFAILED:", file=sys.stderr)
    for line in problems or ["the run failed; see its logs in the Dagster UI (`rettidig ui`, Runs)"]:
        print(f"  - {line}", file=sys.stderr)
    return 1


def failed_checks(result) -> list[str]:
    """Asset checks of the run that failed with ERROR severity (blocking or not)."""
    from dagster import AssetCheckSeverity

    failed = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
            failed.append(f"{evaluation.asset_key.to_user_string()} / {evaluation.check_name}: {evaluation.description or 'failed'}")
    return failed


def print_load_summary(settings: Settings) -> None:
    import duckdb

    from orchestration.warehouse import connect

    try:
        conn = connect(read_only=True)
    except duckdb.IOException as exc:
        print(f"(No load summary: the warehouse is busy: {exc})")
        return
    with conn:
        has_log = conn.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'load_log'"
        ).fetchone()[0]
        if not has_log:
            print("Nothing was loaded.")
            return
        print("\nLoaded (latest attempt per file, by source):")
        print(f"  {'source':<20}{'files':>7}{'rejected':>10}{'rows':>12}{'loaded':>12}{'quarantined':>13}")
        for source, files, rejected, rows, loaded, quarantined in conn.execute(
            """
            with latest as (
                select file_name, source, status from raw.load_log where source is not null
                qualify row_number() over (partition by file_name order by load_id desc) = 1
            ),
            accepted as (select * from raw.load_log where status = 'loaded')
            select latest.source, count(*), count(*) filter (where latest.status = 'rejected'),
                   coalesce(sum(accepted.rows), 0), coalesce(sum(accepted.rows_loaded), 0),
                   coalesce(sum(accepted.rows_quarantined), 0)
            from latest left join accepted using (file_name)
            group by latest.source order by latest.source
            """
        ).fetchall():
            print(f"  {source:<20}{files:>7}{rejected:>10}{rows:>12,}{loaded:>12,}{quarantined:>13,}")
        quarantined = conn.execute(
            "select source, reason, count(*) from raw.quarantine group by all order by 3 desc, 1, 2"
        ).fetchall()
        if quarantined:
            print("\nQuarantined rows by reason (select * from raw.quarantine):")
            for source, reason, n in quarantined[:5]:
                print(f"  {n:>6}  {source}: {reason}")
            if len(quarantined) > 5:
                print(f"  ... and {sum(n for *_, n in quarantined[5:])} more row(s) for {len(quarantined) - 5} other reason(s)")
        for name, error in conn.execute(
            "select file_name, error from raw.load_log where status = 'rejected' "
            "qualify row_number() over (partition by file_name order by load_id desc) = 1"
        ).fetchall():
            print(f"\nREJECTED {name}: {error}")
        einvoices = conn.execute(
            "select count(*) filter (where status = 'read'), count(*) filter (where status = 'quarantined') "
            "from raw.einvoice_files"
        ).fetchone() if conn.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'einvoice_files'"
        ).fetchone()[0] else None
        if einvoices and any(einvoices):
            flagged = conn.execute(
                "select count(*) filter (where finding_count > 0), "
                "count(*) filter (where finding_count > 0 and returned_for_supplier_reason) from marts.einvoice_precheck"
            ).fetchone() if conn.execute(
                "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'einvoice_precheck'"
            ).fetchone()[0] else (0, 0)
            print(f"\nE-invoices: {einvoices[0]:,} read, {einvoices[1]:,} quarantined (raw.einvoice_quarantine), "
                  f"{flagged[0]:,} flagged at the door, {flagged[1]:,} of them later returned for a supplier "
                  "reason (marts.einvoice_precheck)")
        # exact counts: duckdb_tables().estimated_size still counts the rows an incremental mart
        # deleted (invoice_status showed 55,025 rows of 54,000 after a daily run)
        marts = [
            (table, conn.execute(f'select count(*) from marts."{table}"').fetchone()[0])
            for (table,) in conn.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' "
                "and database_name = current_database() order by 1"
            ).fetchall()
        ]
        if marts:
            print("\nMarts (schema marts): " + ", ".join(f"{t} ({n:,})" for t, n in marts))


def cmd_materialize(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if not settings.exports_dir.is_dir():
        raise CommandError(
            f"the drop folder {settings.exports_dir} does not exist. Give --exports DIR (or set "
            "RETTIDIG_EXPORTS_DIR), or make sample data with `rettidig generate --out DIR`."
        )
    result = run_load_and_build(settings, args.as_of, options=args, full_refresh=args.full_refresh)
    print_load_summary(settings)
    from orchestration.warehouse import SERVING_SCHEMA, Warehouse

    warehouse = Warehouse.from_env()
    print(f"\nWarehouse: {warehouse.describe()}")
    if warehouse.is_ducklake:
        print(f"BI tools read the views {SERVING_SCHEMA}.* of the lake: the last build that passed its checks.")
    else:
        print(f"Serving file for BI tools (read-only): {settings.serving}")
    return report_problems(result)


def unloaded_files(settings: Settings) -> list[str]:
    """Export files in the drop folder whose exact bytes the warehouse has not loaded yet."""
    from orchestration.loading import loader
    from orchestration.warehouse import Warehouse, connect

    if not Warehouse.from_env().exists():
        return [f.path.name for fs in loader.scan_drop_folder(settings.exports_dir).files.values() for f in fs]
    with connect(read_only=True) as conn:
        return loader.unloaded_files(conn, settings.exports_dir)


def cmd_close(args: argparse.Namespace) -> int:
    """Load what has arrived, rebuild, then close months through the `period_close` asset."""
    from orchestration.period_close import read_close_bounds
    from orchestration.warehouse import Warehouse, connect

    settings = _settings(args)
    month = parse_month(args.month, "--month") if args.month else None
    wait_turn(args)
    arrived = unloaded_files(settings) if settings.exports_dir.is_dir() else []
    if arrived:
        print(f"{len(arrived)} new export file(s) in the drop folder: loading and rebuilding the marts first.")
        code = report_problems(run_load_and_build(settings, options=args))
        if code:
            return code
    else:
        print("Nothing new in the drop folder: closing from the warehouse as it is.")
    if not Warehouse.from_env().exists():
        raise CommandError(
            f"the warehouse {settings.warehouse} does not exist: load the exports first (`rettidig materialize`)."
        )
    with connect(read_only=True) as conn:
        bounds = read_close_bounds(conn)
    if month:
        refusal = bounds.refusal(month)
        if refusal:
            raise CommandError(refusal)
        first = last = month
    else:
        months = [m for m in bounds.closable_months() if args.force or m not in bounds.taken]
        if not months:
            print(f"Nothing to close: every month up to the data watermark {bounds.data_watermark} is closed.")
            return 0
        first, last = months[0], months[-1]
    if first < settings.period_close_start:
        return close_from_earlier_start(args, first, settings)
    run_config = {"ops": {"period_close_models": {"config": {"force": args.force}}}}
    tags = {
        "dagster/asset_partition_range_start": first.isoformat(),
        "dagster/asset_partition_range_end": last.isoformat(),
    }
    print(f"Closing {first:%Y-%m}" + (f" to {last:%Y-%m}" if last != first else "") + (" (force)" if args.force else ""))
    result = run_job("period_close", run_config, tags=tags, settings=settings, options=args)
    code = report_problems(result)
    if code == 0:
        # every partition's materialization carries the same summary of the run: print it once
        summary = next(
            event.materialization.metadata for event in result.get_asset_materialization_events()
            if "months_taken" in event.materialization.metadata
        )
        print(f"  taken: {', '.join(summary['months_taken'].value) or '-'}")
        print(f"  kept as reported: {', '.join(summary['months_kept_as_reported'].value) or '-'}")
        print("Read them in marts.period_close (and marts.period_close_trend).")
    return code


def close_from_earlier_start(args: argparse.Namespace, first: dt.date, settings: Settings) -> int:
    """The months to close start before the period close's first partition (the data is older than
    RETTIDIG_PERIOD_CLOSE_START): close them with the partitions starting at the data's first month,
    in a fresh process (the partitions are fixed when the definitions load), and say which setting
    makes the UI and the schedule offer those months too."""
    print(
        f"The months to close start at {first:%Y-%m}, before RETTIDIG_PERIOD_CLOSE_START={settings.period_close_start:%Y-%m}: "
        f"closing from {first:%Y-%m} in this run. Set RETTIDIG_PERIOD_CLOSE_START={first:%Y-%m} so that the UI "
        "and the schedule offer those months too.",
        file=sys.stderr,
    )
    env = {**os.environ, "RETTIDIG_PERIOD_CLOSE_START": f"{first:%Y-%m}"}
    command = [sys.executable, "-m", "orchestration.cli", *args.argv]
    if args.own_process:  # become the new process: a kill or Ctrl-C reaches the run itself
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, command, env)
    return subprocess.run(command, env=env).returncode


def cmd_report(args: argparse.Namespace) -> int:
    if args.out:
        os.environ["RETTIDIG_REPORTS_DIR"] = str(Path(args.out).resolve())
    settings = _settings(args)
    run_config = {}
    if args.as_of:
        run_config = {
            "ops": {
                "dbt_models": {"config": {"as_of_date": args.as_of}},
                "reports__follow_up_report": {"config": {"as_of_date": args.as_of}},
            }
        }
    result = run_job("follow_up_report", run_config, settings=settings, options=args)
    code = report_problems(result)
    print_report_paths(result)
    return code


def print_report_paths(result) -> None:
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        if "workbook" in metadata:
            print(f"Report workbook: {metadata['workbook'].value}\nReport page:     {metadata['html'].value}")


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if not any(settings.exports_dir.glob("*.csv")):
        from orchestration.generator import generate

        print(
            f"Generating a sample drop folder in {settings.exports_dir} "
            f"({DEMO_MONTHS} months x {DEMO_INVOICES_PER_MONTH} invoices, {DEMO_BAD_ROWS} bad rows) ...",
            file=sys.stderr,
        )
        generate(
            settings.exports_dir,
            invoices_per_month=DEMO_INVOICES_PER_MONTH,
            months=DEMO_MONTHS,
            start=DEMO_START,
            extracts="monthly",
            seed=42,
            bad_rows=DEMO_BAD_ROWS,
            progress=True,
            einvoices=True,
        )
    args.exports, args.warehouse, args.serving = None, None, None
    code = cmd_materialize(args)
    if code:
        return code
    print("\nClosing every closable month (period_close) ...")
    code = cmd_close(argparse.Namespace(**{**vars(args), "month": None, "all": True, "force": False, "argv": ["close", "--all"],
                                          "own_process": False}))
    if code:
        return code
    print("\nWriting the follow-up report ...")
    from orchestration.jobs import REPORT_KEY

    result = run_job("follow_up_report", asset_selection=[REPORT_KEY], settings=settings, options=args)
    code = report_problems(result)
    print_report_paths(result)
    print(
        f"\nDone. Warehouse {settings.warehouse}; BI file {settings.serving}; reports under {settings.reports_dir}."
        "\nOpen the Dagster UI with `.venv/bin/rettidig ui` (http://127.0.0.1:3000)."
    )
    return code


def cmd_ui(args: argparse.Namespace) -> int:
    settings = _settings(args)
    prepare_dbt_manifest()
    print(f"Dagster UI on http://{args.host}:{args.port}  (drop folder {settings.exports_dir}, warehouse {settings.warehouse})")
    command = [
        sys.executable, "-m", "dagster", "dev", "-m", "orchestration.definitions",
        "-h", args.host, "-p", str(args.port),
    ]
    # Become `dagster dev` (no wrapper process): Ctrl-C then reaches it directly and it shuts down
    # its webserver, daemon and code server itself. It runs in var/, where it keeps its scratch files.
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    os.chdir(settings.var_dir)
    os.execv(command[0], command)


def cmd_prepare(args: argparse.Namespace) -> int:
    _settings(args)
    print(prepare_dbt_manifest(force=args.force))
    return 0


def cmd_bank_calendar(args: argparse.Namespace) -> int:
    from orchestration.bank_calendar import write_seed

    print(write_seed())
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    settings = _settings(args)
    values = settings.environment()
    for setting in SETTINGS:
        print(f"{setting.name}={values.get(setting.name, '')}\n    {setting.meaning} (default {setting.default})")
    return 0


# ---------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rettidig", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="write a synthetic Kvantum drop folder")
    p.add_argument("--out", required=True, help="the drop folder to write")
    p.add_argument("--invoices-per-month", type=int, default=DEMO_INVOICES_PER_MONTH)
    p.add_argument("--months", type=int, default=DEMO_MONTHS)
    p.add_argument("--start", default=DEMO_START.isoformat(), help="first month (YYYY-MM-DD)")
    p.add_argument("--extracts", choices=["full", "monthly", "weekly", "daily", "monthly-then-daily"], default="monthly")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--bad-rows", type=int, default=0, help="inject this many bad rows (for trying the quarantine)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--overwrite", action="store_true", help="replace export files already in --out")
    p.add_argument("--einvoices", action="store_true", help="also write the e-invoice XML (OIOUBL/Peppol) into --out/einvoices")
    p.set_defaults(func=cmd_generate)

    def add_locations(p: argparse.ArgumentParser) -> None:
        p.add_argument("--exports", help="the drop folder (default RETTIDIG_EXPORTS_DIR)")
        p.add_argument("--warehouse", help="the DuckDB file to write (default RETTIDIG_WAREHOUSE)")
        p.add_argument("--serving", help="the DuckDB file for BI tools (default RETTIDIG_SERVING)")

    def add_run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--verbose", action="store_true", help="stream the full Dagster and dbt logs to the console")
        p.add_argument("--no-wait", action="store_true", help="fail at once when another run is writing the warehouse")

    p = sub.add_parser("materialize", help="load the drop folder and build the marts (the Dagster job, in-process)")
    add_locations(p)
    add_run_options(p)
    p.add_argument("--as-of", help="compute the marts as of this date (YYYY-MM-DD); default the data watermark")
    p.add_argument("--full-refresh", action="store_true",
                   help="rebuild the incremental models from all raw rows (dbt --full-refresh), e.g. after a "
                        "change to a dbt macro they use (docs/architecture.md, Incremental models)")
    p.set_defaults(func=cmd_materialize)

    p = sub.add_parser("demo", help="generate a sample drop folder under var/ (once) and materialize everything")
    add_run_options(p)
    p.add_argument("--as-of", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_demo, full_refresh=False)  # cmd_demo runs cmd_materialize with these args

    p = sub.add_parser("close", help="close months (R13 period close) through the period_close asset")
    add_locations(p)
    add_run_options(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--month", help="the month to close, YYYY-MM")
    which.add_argument("--all", action="store_true", help="every closable month not yet closed")
    p.add_argument("--force", action="store_true", help="take the snapshot again for months already closed")
    p.set_defaults(func=cmd_close)

    p = sub.add_parser("report", help="write the Monday/Thursday follow-up report (Excel + HTML)")
    add_locations(p)
    add_run_options(p)
    p.add_argument("--as-of", help="report as of this date (YYYY-MM-DD); default the data watermark")
    p.add_argument("--out", help="the reports folder (default RETTIDIG_REPORTS_DIR)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("ui", help="start the Dagster UI (dagster dev) for the same settings")
    add_locations(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("prepare", help="parse the dbt project into the manifest dagster-dbt reads (when a model, "
                       "seed, macro, dbt setting or the lock file is newer than the manifest)")
    p.add_argument("--force", action="store_true", help="parse even when the manifest is up to date")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("bank-calendar", help="rewrite seeds/danish_bank_holidays.csv from the holidays package")
    p.set_defaults(func=cmd_bank_calendar)

    p = sub.add_parser("settings", help="print the settings and the environment variables behind them")
    p.set_defaults(func=cmd_settings)
    return parser


def _terminate_as_interrupt(signum, frame) -> None:
    """SIGTERM ends a command as Ctrl-C does: the run is canceled cleanly, never left running."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    own_process = argv is None  # the command line of this process (not a call from Python)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv, args.own_process = argv, own_process
    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt) if _main_thread() else None
    try:
        return args.func(args)
    except (SettingsError, CommandError, WarehouseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return getattr(exc, "code", 2)
    except KeyboardInterrupt:
        print("Interrupted. Nothing half-built was published; run the command again to finish the work.",
              file=sys.stderr)
        return 130
    except Exception as exc:  # no traceback for the user: one line here, the details in a file
        return report_crash(args, exc)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def report_crash(args: argparse.Namespace, exc: Exception) -> int:
    try:
        log_dir = Settings.from_env().log_dir
    except SettingsError:
        log_dir = Path.cwd()
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{args.command}-crash.log"
    path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    print(f"error: {args.command} failed: {message}\n  The details are in {path}; if the message does not say "
          "what to change, report it with that file.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
