"""End to end: a generated drop folder through the real Dagster job (raw loading, dbt build with
its tests as checks, publishing), the period close and the report, on a real DuckDB file.

One module-scoped run on a small drop folder; the tests read what it left behind.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SHARED
from tests.dbt_cli import run_dbt

PER_MONTH, MONTHS, BAD_ROWS, SEED = 150, 5, 6, 7
PERIOD_CLOSE_COLUMNS = "month, department, in_process, lying_13_30, lying_22_plus, overdue, overdue_amount_dkk, " \
    "missing_goods_receipt, payment_blocked, holder_without_access, received, routed_via_ks, paid, paid_on_time, " \
    "on_time_rate, late_interest_dkk, compensation_dkk, target_overdue, target_lying_13_30, met_overdue_target, " \
    "met_lying_13_30_target, data_watermark"


def marts_contract() -> dict[str, list[str]]:
    """table -> required columns, read from the BI contract itself (MARTS.md)."""
    text = (SHARED / "contract" / "MARTS.md").read_text(encoding="utf-8")
    tables = {}
    for table, columns in re.findall(r"^\| `(\w+)` \| [^|]+\| (.+) \|$", text, flags=re.M):
        tables[table] = re.findall(r"`(\w+)`", columns)
    return tables


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    from orchestration.cli import main
    from orchestration.generator import generate
    from orchestration.settings import Settings

    root = tmp_path_factory.mktemp("e2e")
    started = time.time()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETTIDIG_EXPORTS_DIR", str(root / "drop"))
        mp.setenv("RETTIDIG_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("RETTIDIG_SERVING", str(root / "serving.duckdb"))
        mp.setenv("RETTIDIG_REPORTS_DIR", str(root / "reports"))
        # dbt's log file at debug (resources.dbt_file_log_level), for the saved-parse test below
        mp.setenv("RETTIDIG_LOG_LEVEL", "DEBUG")
        settings = Settings.from_env().export()
        summary = generate(
            settings.exports_dir, invoices_per_month=PER_MONTH, months=MONTHS, start=dt.date(2024, 1, 1),
            extracts="monthly", seed=SEED, bad_rows=BAD_ROWS, progress=False,
        )
        code = main(["materialize"])
        # a copy of the warehouse before any close, for closing month by month later
        monthly_copy = root / "monthly" / "warehouse.duckdb"  # the same file name keeps dbt's saved parse
        monthly_copy.parent.mkdir()
        shutil.copy(settings.warehouse, monthly_copy)
        mp.setenv("RETTIDIG_DBT_THREADS", "1")  # the close builds one model at a time (checked below)
        close_code = main(["close", "--all"])
        mp.delenv("RETTIDIG_DBT_THREADS")
        yield {
            "settings": settings, "summary": summary, "materialize_code": code, "close_code": close_code,
            "monthly_copy": monthly_copy, "mp": mp, "started": started,
        }


def query(settings, sql: str, params=None):
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def test_materialize_succeeds(pipeline):
    assert pipeline["materialize_code"] == 0
    # the loads left their writes in DuckDB's log; dbt and the publication (the last writer)
    # checkpointed them into the file (resources.WarehouseResource.get_connection)
    assert not Path(f"{pipeline['settings'].warehouse}.wal").exists()


def test_every_row_is_loaded_or_quarantined(pipeline):
    settings, summary = pipeline["settings"], pipeline["summary"]
    log = dict(
        (name, (rows, loaded, quarantined))
        for name, rows, loaded, quarantined in query(
            settings, "select file_name, rows, rows_loaded, rows_quarantined from raw.load_log where status = 'loaded'"
        )
    )
    assert set(log) == set(summary.files)
    for name, rows in summary.files.items():
        assert log[name][0] == rows, name
        assert log[name][1] + log[name][2] == rows, name
    assert sum(q for _, _, q in log.values()) == BAD_ROWS
    quarantined = query(settings, "select file_name, line from raw.quarantine order by all")
    assert sorted(quarantined) == sorted((f, line) for f, line, _ in summary.bad_rows)


def test_raw_tables_hold_exactly_the_generated_rows(pipeline):
    """The generator's bad rows are extra rows; everything else it wrote must be in raw, once."""
    settings, summary = pipeline["settings"], pipeline["summary"]
    counts = {
        "fakturaer": (summary.invoice_versions, "count(*)"),
        "fakturahaendelser": (summary.events, "count(*)"),
        "indkoebsordrer": (summary.po_line_versions, "count(*)"),
        "varemodtagelser": (summary.goods_receipts, "count(*)"),
        "leverandoerer": (summary.supplier_versions, "count(*)"),
        "brugere": (summary.user_versions, "count(*)"),
    }
    for table, (expected, aggregate) in counts.items():
        [(n,)] = query(settings, f"select {aggregate} from raw.{table}")
        assert n == expected, table
    [(documents,)] = query(settings, "select count(distinct Bilagsnummer) from raw.fakturaer")
    assert documents == summary.documents == summary.invoices + summary.credit_notes


def test_marts_follow_the_bi_contract(pipeline):
    settings = pipeline["settings"]
    contract = marts_contract()
    assert len(contract) == 16  # v1.1: nine marts plus the seven of R14-R16
    columns = {}
    for table, column in query(
        settings, "select table_name, column_name from duckdb_columns() where schema_name = 'marts'"
    ):
        columns.setdefault(table, set()).add(column)
    for table, required in contract.items():
        assert table in columns, f"marts.{table} missing"
        assert set(required) <= columns[table], f"marts.{table} lacks {set(required) - columns[table]}"
    # no personal data or payment details in marts
    every_column = {c for cs in columns.values() for c in cs}
    assert not every_column & {"full_name", "name", "payment_info", "registered_payment_info"}


def test_marts_keep_their_declared_types_and_not_null_columns(pipeline):
    """The marts' dbt contract (models/marts/_*__models.yml): every column has the declared type, in
    the declared order, and the columns declared not null are NOT NULL in the table, so that a row
    with an empty one fails the build where it is written."""
    from orchestration.lib.dbt.project import dbt_project

    settings = pipeline["settings"]
    manifest = json.loads((dbt_project.project_dir / "target" / "manifest.json").read_text(encoding="utf-8"))
    marts = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["fqn"][1] == "marts"]
    assert len(marts) == 20 and all(n["config"]["contract"]["enforced"] for n in marts)
    declared = {
        n["name"]: [(c["name"], c["data_type"].upper(), any(k["type"] == "not_null" for k in c["constraints"]))
                    for c in n["columns"].values()]
        for n in marts
    }
    built: dict[str, list] = {}
    for table, column, data_type, nullable in query(
        settings, "select table_name, column_name, data_type, is_nullable from duckdb_columns() "
                  "where schema_name = 'marts' order by table_name, column_index"
    ):
        built.setdefault(table, []).append((column, data_type.upper(), not nullable))
    assert built == declared
    # hand-checked against the yml: the columns of invoice_status that are never empty
    assert [c for c, _, not_null in built["invoice_status"] if not_null] == [
        "invoice_id", "invoice_type", "supplier_id", "department", "received_date", "due_date", "amount_dkk",
        "as_of_date"]
    assert ("amount_dkk", "DECIMAL(18,2)", True) in built["invoice_status"]
    # the run's materialization shows them too (the UI's column list)
    from dagster import AssetKey, DagsterInstance

    with DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(AssetKey(["marts", "aging_by_department"]))
    shown = event.asset_materialization.metadata["dagster/column_schema"].value.columns
    assert [(c.name, c.type, c.constraints.nullable) for c in shown] == [
        (c, t, not n) for c, t, n in built["aging_by_department"]]
    # a table's materialization has its row count; a view's has its columns but no count (counting a
    # view runs its query: orchestration/lib/dbt/metadata.py)
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        [(aging_rows,)] = conn.execute("select count(*) from marts.aging_by_department").fetchall()
    assert event.asset_materialization.metadata["dagster/row_count"].value == aging_rows
    with DagsterInstance.get() as instance:
        view = instance.get_latest_materialization_event(
            AssetKey(["intermediate", "int_invoice_state_as_of"])).asset_materialization.metadata
    assert "dagster/row_count" not in view
    assert "as_of_date" in [c.name for c in view["dagster/column_schema"].value.columns]
    # the database refuses an empty department: nothing written
    with duckdb.connect(str(settings.warehouse)) as conn:
        conn.execute("begin")
        with pytest.raises(duckdb.ConstraintException, match=r"NOT NULL constraint failed: aging_by_department\.department"):
            conn.execute("insert into marts.aging_by_department select as_of_date, null, lying_bucket, invoices, "
                         "amount_dkk, overdue_invoices, overdue_amount_dkk from marts.aging_by_department limit 1")
        conn.execute("rollback")


def test_marts_are_filled_and_consistent(pipeline):
    settings = pipeline["settings"]
    for table in ("invoice_status", "aging_by_department", "escalation_list", "return_reasons", "return_rate",
                  "supplier_errors", "timely_payment", "manual_handling"):
        [(n,)] = query(settings, f"select count(*) from marts.{table}")
        assert n > 0, table
    [(in_process,)] = query(settings, "select count(*) from marts.invoice_status where is_in_process")
    [(aged,)] = query(settings, "select sum(invoices) from marts.aging_by_department")
    assert aged == in_process
    [(departments, in_process_by_department)] = query(
        settings, "select count(*), sum(in_process) from marts.department_status")
    assert (departments, in_process_by_department) == (7, in_process)
    [(flagged,)] = query(settings, "select count(*) from marts.invoice_status where is_escalation_candidate")
    [(listed,)] = query(settings, "select count(*) from marts.escalation_list")
    assert listed == flagged


def test_serving_file_holds_the_marts_only(pipeline):
    settings = pipeline["settings"]
    with duckdb.connect(str(settings.serving), read_only=True) as bi:
        schemas = {s for (s,) in bi.execute("select distinct schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"marts"}
        [(n,)] = bi.execute("select count(*) from marts.invoice_status").fetchall()
    [(m,)] = query(settings, "select count(*) from marts.invoice_status")
    assert n == m


# ---------------------------------------------------------------------------------------------
# The period close (R13)

def close(partition_from: str, partition_to: str | None = None, force: bool = False):
    """Run the project's `period_close` job (the same asset the UI and `rettidig close` use)."""
    from orchestration.cli import run_job

    tags = {
        "dagster/asset_partition_range_start": partition_from,
        "dagster/asset_partition_range_end": partition_to or partition_from,
    }
    return run_job("period_close", {"ops": {"period_close_models": {"config": {"force": force}}}}, tags=tags)


def closed_rows(path, columns: str = PERIOD_CLOSE_COLUMNS):
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(f"select {columns} from marts.period_close order by month, department").fetchall()


def test_close_all_takes_every_closable_month_with_seven_departments(pipeline):
    settings, summary = pipeline["settings"], pipeline["summary"]
    assert pipeline["close_code"] == 0
    watermark = summary.data_watermark
    rows = query(settings, "select month, count(*), min(data_watermark), max(data_watermark) from marts.period_close group by month order by month")
    months = [r[0] for r in rows]
    # closable: from the first receipt month to the last month ending on or before the watermark
    assert months[0] == dt.date(2024, 1, 1)
    last = months[-1]
    assert (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1) <= watermark
    assert len(months) == (last.year - 2024) * 12 + last.month
    assert all(n == 7 and lo == hi == watermark for _, n, lo, hi in rows)
    # the trend view has one row per snapshot row
    [(trend,)] = query(settings, "select count(*) from marts.period_close_trend")
    assert trend == 7 * len(months)


@pytest.mark.slow  # a run or a dbt invocation of its own: `make test-all` (CI)
def test_closing_a_closed_month_again_keeps_it_as_reported(pipeline):
    settings = pipeline["settings"]
    before = closed_rows(settings.warehouse, PERIOD_CLOSE_COLUMNS + ", taken_at")
    result = close("2024-02-01")
    assert result.success
    [materialization] = [
        e.materialization for e in result.get_asset_materialization_events()
        if e.materialization.asset_key.to_user_string() == "marts/period_close"
    ]
    assert materialization.metadata["months_taken"].value == []
    assert materialization.metadata["months_kept_as_reported"].value == ["2024-02"]
    assert closed_rows(settings.warehouse, PERIOD_CLOSE_COLUMNS + ", taken_at") == before


@pytest.mark.slow  # a run or a dbt invocation of its own: `make test-all` (CI)
def test_force_takes_the_month_again(pipeline):
    settings = pipeline["settings"]
    taken_at = dict(query(settings, "select department, taken_at from marts.period_close where month = '2024-03-01'"))
    others = query(settings, "select * from marts.period_close where month <> '2024-03-01' order by month, department")
    result = close("2024-03-01", force=True)
    assert result.success
    again = dict(query(settings, "select department, taken_at from marts.period_close where month = '2024-03-01'"))
    assert set(again) == set(taken_at) and all(again[d] > taken_at[d] for d in again)
    # the other months are untouched
    assert query(settings, "select * from marts.period_close where month <> '2024-03-01' order by month, department") == others


def test_a_month_ending_after_the_watermark_is_refused(pipeline):
    summary = pipeline["summary"]
    from orchestration.period_close import month_end

    # the first month that ends after the watermark
    open_month = (summary.data_watermark + dt.timedelta(days=1)).replace(day=1)
    assert month_end(open_month) > summary.data_watermark
    result = close(open_month.isoformat())
    assert not result.success
    from orchestration.cli import run_problems

    [problem] = [p for p in run_problems(result) if "period_close_models" in p]
    assert f"Cannot close {open_month:%Y-%m}" in problem and "after the data watermark" in problem


@pytest.mark.slow  # a run or a dbt invocation of its own: `make test-all` (CI)
def test_backfill_in_one_run_equals_closing_month_by_month(pipeline):
    settings, mp = pipeline["settings"], pipeline["mp"]
    # the first two months, closed one run each, against the same months of the one-run backfill
    months = sorted({row[0] for row in closed_rows(settings.warehouse)})[:2]
    backfilled = [row for row in closed_rows(settings.warehouse) if row[0] in months]
    mp.setenv("RETTIDIG_WAREHOUSE", str(pipeline["monthly_copy"]))
    try:
        for month in months:
            assert close(month.isoformat()).success
        month_by_month = closed_rows(pipeline["monthly_copy"])
    finally:
        mp.setenv("RETTIDIG_WAREHOUSE", str(settings.warehouse))
    assert month_by_month == backfilled


# ---------------------------------------------------------------------------------------------
# The follow-up report, through its Dagster asset, from the marts just built

def test_report_asset_writes_workbook_and_page_matching_the_marts(pipeline):
    from dagster import DagsterInstance
    from openpyxl import load_workbook

    from orchestration.definitions import defs
    from orchestration.jobs import REPORT_KEY

    settings = pipeline["settings"]
    job = defs.resolve_job_def("follow_up_report")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, asset_selection=[REPORT_KEY])
    assert result.success
    [(as_of,)] = query(settings, "select distinct as_of_date from marts.invoice_status")
    folder = settings.reports_dir / as_of.isoformat()
    workbook = load_workbook(folder / f"opfoelgningsrapport_{as_of.isoformat()}.xlsx")
    expected = {
        "Eskaleringsliste": "select count(*) from marts.escalation_list",
        "Manglende varemodtagelse": "select count(*) from marts.invoice_status where has_missing_goods_receipt",
        "Betalingsspærre": "select count(*) from marts.invoice_status where has_payment_block",
        "Forfaldne fakturaer": "select count(*) from marts.invoice_status where is_overdue",
    }
    rows = result.asset_materializations_for_node("reports__follow_up_report")[0].metadata["rows_per_sheet"].value
    for sheet, sql in expected.items():
        [(n,)] = query(settings, sql)
        assert rows[sheet] == n, sheet
        assert sheet in workbook.sheetnames
    html = (folder / f"opfoelgningsrapport_{as_of.isoformat()}.html").read_text(encoding="utf-8")
    assert "<svg" in html and "personoplysninger" in html


def test_status_disagreements_between_fakturaer_and_events_are_counted(pipeline):
    """The generator lets a known number of invoices' `fakturaer` status lag their events; the
    data-quality model finds exactly those (RULES.md: the events win, the disagreement is counted)."""
    settings, summary = pipeline["settings"], pipeline["summary"]
    [(n,)] = query(settings, "select count(*) from intermediate.int_invoice_status_disagreements")
    assert n == summary.status_disagreements


def test_production_builds_run_data_tests_but_no_unit_tests(pipeline):
    """Issue 8, goal 6: `rettidig materialize` and `rettidig close` build the models and run the
    data tests that guard what BI reads (blocking), but not dbt's unit tests (those run below)."""
    from orchestration.lib.dbt.project import dbt_project

    runs = [
        p for p in (dbt_project.project_dir / "target").glob("*/run_results.json")
        if p.stat().st_mtime >= pipeline["started"] and p.parent.name.startswith(("dbt_models-", "period_close"))
    ]
    assert {p.parent.name.split("-")[0] for p in runs} >= {"dbt_models"}, runs
    for path in runs:
        ids = [r["unique_id"] for r in json.loads(path.read_text(encoding="utf-8"))["results"]]
        assert not [i for i in ids if i.startswith("unit_test.")], path
        assert [i for i in ids if i.startswith("model.")], path
    manifest = json.loads((dbt_project.project_dir / "target" / "manifest.json").read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    for path in (p for p in runs if p.parent.name.startswith("dbt_models-")):
        tests = [r["unique_id"] for r in json.loads(path.read_text(encoding="utf-8"))["results"]
                 if r["unique_id"].startswith("test.")]
        assert any(".unique_" in i for i in tests) and any(".accepted_values_" in i for i in tests), path
        # every test of the marts and the reporting layer runs; of the lower layers only the
        # data-quality warnings (the development tests run below, in CI)
        layers = {nodes[i]["fqn"][2] for i in tests if len(nodes[i]["fqn"]) > 3}
        assert {"marts", "reporting"} <= layers, layers
        lower = [i for i in tests if "development" in nodes[i]["tags"]]
        assert lower and all(nodes[i]["config"]["severity"].lower() == "warn" for i in lower), lower
    expected_marts_tests = {
        uid for uid, node in nodes.items()
        if node["resource_type"] == "test" and len(node["fqn"]) > 3 and node["fqn"][2] == "marts"
        and not any(dep.split(".")[-1] in ("period_close", "period_close_trend") for dep in node["depends_on"]["nodes"])
    }
    ran = {r["unique_id"] for p in runs if p.parent.name.startswith("dbt_models-")
           for r in json.loads(p.read_text(encoding="utf-8"))["results"]}
    assert expected_marts_tests <= ran, sorted(expected_marts_tests - ran)[:5]


def test_dbt_threads_follow_the_setting(pipeline):
    """RETTIDIG_DBT_THREADS (set for the fixture's close) gives dbt `--threads`; without it dbt
    builds with the profile's two threads (dbt_project/profiles.yml): the build and the closes of
    the tests above."""
    from orchestration.lib.dbt.project import dbt_project

    runs = []  # (when its results were written, which asset, --threads, dbt's log line)
    for path in (dbt_project.project_dir / "target").glob("*/run_results.json"):
        if path.stat().st_mtime >= pipeline["started"] and path.parent.name.startswith(("dbt_models-", "period_close")):
            log = "".join(f.read_text(encoding="utf-8", errors="replace") for f in path.parent.glob("dbt.log*"))
            runs.append((
                path.stat().st_mtime, path.parent.name.split("-")[0],
                json.loads(path.read_text(encoding="utf-8"))["args"].get("threads"),
                re.findall(r"Concurrency: (\d+) threads", log),
            ))
    runs.sort()
    builds = [run[2:] for run in runs if run[1] == "dbt_models"]
    closes = [run[2:] for run in runs if run[1] == "period_close_models"]
    assert builds and set(map(repr, builds)) == {repr((None, ["2"]))}, builds
    # the fixture's close (`close --all`) is the first; the tests' closes ran without the setting
    assert closes[0] == (1, ["1"]) and all(c == (None, ["2"]) for c in closes[1:]), closes


def test_runs_keep_dbts_saved_parse(pipeline):
    """Issue 8: every dbt invocation of the runs (the build, the close) starts from the parse that
    `rettidig prepare` saved, although this warehouse is in another folder than the prepared one's
    and the runs pass D and the close's months: dbt re-reads only the files that read those
    parameters (docs/architecture.md, "dbt's parse"), instead of the whole project (about 10 s
    more per invocation), and a plain build none."""
    from orchestration.lib.dbt.project import dbt_project

    folders = [p for p in (dbt_project.project_dir / "target").iterdir()
               if p.is_dir() and p.name.startswith(("dbt_models-", "period_close"))
               and (p / "run_results.json").exists() and p.stat().st_mtime >= pipeline["started"]]
    assert {p.name.split("-")[0] for p in folders} == {"dbt_models", "period_close_models"}, folders
    for folder in folders:
        log = "".join(f.read_text(encoding="utf-8", errors="replace") for f in folder.glob("dbt.log*"))
        assert "Partial parsing enabled" in log, folder
        assert "Unable to do partial parsing" not in log, folder
        if folder.name.startswith("dbt_models-"):
            # the saved parse holds a plain build's parameters (lib/dbt/project.py
            # PLAIN_BUILD_PARAMETERS): nothing to parse again
            assert "0 files deleted, 0 files added, 0 files changed" in log, folder


@pytest.mark.slow  # a run or a dbt invocation of its own: `make test-all` (CI)
def test_the_development_tests_pass_on_the_built_warehouse(pipeline):
    """The data tests left out of production builds (tag `development`: the keys, code lists and
    relationships of staging, intermediate and the seeds) run here, on the pipeline's warehouse."""
    result = run_dbt(["test", "--select", "tag:development"], pipeline["settings"].var_dir / "dbt_dev_tests")
    assert result.returncode == 0, result.stdout[-3000:]
    [(passed, errors)] = re.findall(r"PASS=(\d+) WARN=\d+ ERROR=(\d+)", result.stdout)
    assert int(passed) >= 150 and errors == "0", result.stdout[-1500:]


def unit_test_count() -> int:
    from orchestration.lib.dbt.project import dbt_project

    return len(json.loads(dbt_project.manifest_path.read_text())["unit_tests"])


def unit_test_statuses(target) -> tuple[int, set[str]]:
    """How many unit tests a dbt invocation ran and their statuses, from its run_results.json (the
    summary line's PASS also counts the on-run-start hook)."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    statuses = [r["status"] for r in results if r["unique_id"].startswith("unit_test.")]
    return len(statuses), set(statuses)


def test_dbt_unit_tests_pass_whatever_a_runs_parameters(pipeline):
    """dbt's unit tests (left out of production builds) all pass, with the parameters a run passes
    to dbt (assets/dbt.py, assets/period_close.py) set to other values than the ones the tests pin:
    each test that depends on them pins its vars and environment variables."""
    parameters = {"RETTIDIG_AS_OF_DATE": "2024-03-31", "RETTIDIG_CLOSE_MONTH_FROM": "2024-01-01",
                  "RETTIDIG_CLOSE_MONTH_TO": "2024-02-01", "RETTIDIG_FORCE_CLOSE": "true"}
    target = pipeline["settings"].var_dir / "dbt_unit_env"
    result = run_dbt(["test", "--select", "test_type:unit"], target, parameters)
    assert result.returncode == 0, result.stdout[-3000:]
    assert unit_test_statuses(target) == (unit_test_count(), {"pass"})


@pytest.mark.slow  # dbt parses the whole project again for command-line vars: `make test-all` (CI)
def test_dbt_unit_tests_hold_whatever_the_run_vars(pipeline):
    """Each unit test pins the vars it depends on, so an operator's run with other parameters (as
    of another date, another escalation threshold, ...) does not fail the build on a unit test."""
    other_vars = {
        "as_of_date": "2024-03-31", "escalation_days": 20, "due_date_rolls_to_next_bank_day": True,
        "late_payment_compensation_dkk": 100, "systematic_supplier_min_documents": 3,
        "systematic_supplier_min_error_rate": 0.5, "close_month_from": "2024-01-01",
        "close_month_to": "2024-02-01", "force_close": True,
    }
    target = pipeline["settings"].var_dir / "dbt_unit"
    result = run_dbt(["test", "--select", "test_type:unit", "--vars", json.dumps(other_vars)], target)
    assert result.returncode == 0, result.stdout[-3000:]
    assert unit_test_statuses(target) == (unit_test_count(), {"pass"})
