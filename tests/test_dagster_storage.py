"""Dagster's SQLite event log keeping its connections (orchestration/dagster_storage.py), on a real
instance from a dagster.yaml like the project's: every event of every run is stored and read back,
by the instance that wrote it and by another one on the same folder (as the UI reads a run the CLI
made), and only the most recently used database files keep a connection."""

from __future__ import annotations

from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, job, op

from orchestration.dagster_storage import KEEP_OPEN, SqliteEventLogStorageKeepingConnections

REPO = Path(__file__).resolve().parents[1]


@op
def count_to_three(context) -> int:
    for n in (1, 2, 3):
        context.log.info(f"counted {n}")
    return 3


@job
def counting():
    count_to_three()


def instance_on(folder: Path) -> DagsterInstance:
    # the project's dagster.yaml, its storage folder pointed at `folder`
    config = (REPO / "dagster.yaml").read_text(encoding="utf-8")
    home = folder / "home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text(config, encoding="utf-8")
    return DagsterInstance.from_config(str(home))


def test_every_event_is_stored_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("RETTIDIG_DAGSTER_STORAGE", str(tmp_path / "storage"))
    monkeypatch.setenv("RETTIDIG_DAGSTER_COMPUTE_LOGS", str(tmp_path / "logs"))
    instance = instance_on(tmp_path)
    storage = instance.event_log_storage
    assert isinstance(storage, SqliteEventLogStorageKeepingConnections)

    runs = [counting.execute_in_process(instance=instance).run_id for _ in range(KEEP_OPEN + 2)]

    # the run files and the index keep at most KEEP_OPEN connections
    assert len(storage._engines) == KEEP_OPEN
    reader = instance_on(tmp_path)  # another instance on the same files, as `dagster dev` is
    for run_id in runs:
        for inst in (instance, reader):
            logs = inst.all_logs(run_id)
            messages = [e.user_message for e in logs if not e.is_dagster_event]
            assert messages == ["counted 1", "counted 2", "counted 3"]
            types = [e.dagster_event.event_type for e in logs if e.is_dagster_event]
            assert types[0] == DagsterEventType.RUN_START and types[-1] == DagsterEventType.RUN_SUCCESS
    assert [r.run_id for r in reader.get_runs()] == runs[::-1]

    instance.wipe()  # deletes the run files: none of them keeps a connection (the index is emptied)
    assert list(storage._engines) == ["index"]
    assert instance.get_runs() == [] and instance.all_logs(runs[0]) == []
    instance.dispose()
    reader.dispose()
