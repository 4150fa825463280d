"""End to end for R14-R16 (contract v1.1): a generated drop folder with `udlaeg` through the real
Dagster job and the period close, and one without `udlaeg`. The new marts' row counts must equal
what the generator counted itself, in Python, from its own state (docs/generator.md)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.test_pipeline_e2e import marts_contract

PER_MONTH, MONTHS, SEED = 120, 3, 5
NEW_MARTS = ("escalation_worklist", "dwell_by_step", "approval_dwell_by_holder_department", "process_paths",
             "process_variants", "expense_claims_monthly", "expense_claims_worklist")


def _run(root, drop_udlaeg: bool, per_month: int, months: int):
    from orchestration.cli import main
    from orchestration.generator import generate
    from orchestration.settings import Settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETTIDIG_EXPORTS_DIR", str(root / "drop"))
        mp.setenv("RETTIDIG_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("RETTIDIG_SERVING", str(root / "serving.duckdb"))
        mp.setenv("RETTIDIG_REPORTS_DIR", str(root / "reports"))
        settings = Settings.from_env().export()
        summary = generate(settings.exports_dir, invoices_per_month=per_month, months=months,
                           start=dt.date(2025, 1, 1), extracts="monthly", seed=SEED, progress=False)
        if drop_udlaeg:
            for path in settings.exports_dir.glob("udlaeg_*.csv"):
                path.unlink()
        code = main(["materialize"])
        close_code = main(["close", "--all"])
        return settings, summary, code, close_code


@pytest.fixture(scope="module")
def with_claims(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("r14_r16"), drop_udlaeg=False, per_month=PER_MONTH, months=MONTHS)


@pytest.fixture(scope="module")
def without_claims(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("no_udlaeg"), drop_udlaeg=True, per_month=40, months=2)


def query(settings, sql: str):
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def assert_marts_follow_the_contract(settings) -> None:
    columns: dict[str, set[str]] = {}
    for table, column in query(settings, "select table_name, column_name from duckdb_columns() where schema_name = 'marts'"):
        columns.setdefault(table, set()).add(column)
    contract = marts_contract()
    assert set(NEW_MARTS) <= set(contract)
    for table, required in contract.items():
        assert table in columns, f"marts.{table} missing"
        assert set(required) <= columns[table], f"marts.{table} lacks {set(required) - columns[table]}"
    assert "near_due" in columns["period_close"] and "near_due" in columns["period_close_trend"]


def test_materialize_and_close_succeed(with_claims):
    _, _, code, close_code = with_claims
    assert (code, close_code) == (0, 0)


def test_udlaeg_is_loaded_whole(with_claims):
    settings, summary, _, _ = with_claims
    assert query(settings, "select count(*), count(distinct \"Udlægsnummer\") from raw.udlaeg") == [
        (summary.expense_claim_versions, summary.expense_claims)]
    assert query(settings, "select count(*) from raw.quarantine where source = 'udlaeg'") == [(0,)]


def test_new_marts_follow_the_contract(with_claims):
    assert_marts_follow_the_contract(with_claims[0])


def test_escalation_worklist_counts_equal_the_generators(with_claims):
    settings, summary, _, _ = with_claims
    w = summary.at_watermark
    [row] = query(settings, """
        select count(*), count(*) filter (where is_near_due), count(*) filter (where is_lying_22_plus),
               count(escalation_issue), count(*) filter (where escalation_issue = 'NO_HOLDER'),
               count(*) filter (where escalation_issue = 'NO_MANAGER'), count(*) filter (where escalation_issue = 'CYCLE'),
               count(*) filter (where (escalation_target_user_id is null) = (escalation_issue is null))
        from marts.escalation_worklist""")
    assert row == (w["escalation_worklist"], w["near_due"], w["escalation_candidates"], w["escalation_issues"],
                   w["escalation_no_holder"], w["escalation_no_manager"], w["escalation_cycle"], 0)
    assert min(w["escalation_no_holder"], w["escalation_no_manager"], w["escalation_cycle"]) >= 1
    # the 22+ trigger is exactly the R4 escalation list
    assert query(settings, "select count(*) from marts.escalation_list") == [(w["escalation_candidates"],)]


def test_expense_claim_marts_equal_the_generators_counts(with_claims):
    settings, summary, _, _ = with_claims
    c = summary.expense_claims_at_watermark
    assert query(settings, """
        select count(*), count(*) filter (where is_open), count(*) filter (where has_control_flag)
        from marts.expense_claims_worklist""") == [(c["worklist"], c["open"], c["flagged"])]
    [row] = query(settings, """
        select sum(claims), sum(paid), sum(paid_within_limit), sum(self_approved), sum(approver_not_manager),
               sum(no_receipt), sum(no_purpose), sum(representation_without_participants),
               sum(possible_duplicates), sum(late_submissions), sum(flagged_claims)
        from marts.expense_claims_monthly""")
    assert tuple(int(x) for x in row) == (
        c["claims"], c["paid"], c["paid_within_limit"], c["self_approved"], c["approver_not_manager"],
        c["no_receipt"], c["no_purpose"], c["representation_without_participants"], c["possible_duplicate"],
        c["late_submission"], c["flagged"])


def test_dwell_marts_cover_every_invoice_paid(with_claims):
    settings, _, _, _ = with_claims
    [(paid,)] = query(settings, "select count(*) from marts.invoice_status where paid_date is not null")
    [(variants,)] = query(settings, "select sum(invoices) from marts.process_variants")
    assert variants == paid > 0
    # every paid invoice starts in KS from Modtagetdato: the KS step counts each one
    [(ks,)] = query(settings, "select sum(invoices) from marts.dwell_by_step where step = 'KS'")
    assert ks == paid
    # misrouted invoices show a holder department other than the invoice's
    [(misrouted,)] = query(settings, """select count(*) from marts.approval_dwell_by_holder_department
                                        where holder_department <> department""")
    assert misrouted > 0
    # transitions: one fewer than the events of each paid invoice up to its first BETALT
    [(transitions, events)] = query(settings, """
        select (select sum(transitions) from marts.process_paths),
               (select count(*) - count(distinct invoice_id) from intermediate.int_invoice_process_events)""")
    assert transitions == events


def test_period_close_counts_near_due_at_month_end(with_claims):
    settings, _, _, _ = with_claims
    closed = query(settings, "select month, department, near_due from marts.period_close order by all")
    assert closed and all(n is not None and n >= 0 for _, _, n in closed)
    expected = dict(((m, d), n) for m, d, n in query(settings, """
        select cast(date_trunc('month', as_of_date) as date), department, count(*) filter (where is_near_due)
        from intermediate.int_invoices_near_due where as_of_date in (select as_of_date from intermediate.int_as_of_dates where is_month_end)
        group by all"""))
    assert all(n == expected.get((m, d), 0) for m, d, n in closed)
    assert query(settings, "select count(*) from marts.period_close_trend where near_due is null") == [(0,)]


def test_a_drop_folder_without_udlaeg_loads_and_builds_with_empty_claim_marts(without_claims):
    settings, _, code, close_code = without_claims
    assert (code, close_code) == (0, 0)
    assert query(settings, "select count(*) from raw.load_log where source = 'udlaeg'") == [(0,)]
    assert_marts_follow_the_contract(settings)
    assert query(settings, "select (select count(*) from marts.expense_claims_monthly), "
                           "(select count(*) from marts.expense_claims_worklist)") == [(0, 0)]
    [(rows,)] = query(settings, "select count(*) from marts.escalation_worklist")
    assert rows > 0


def test_report_shows_the_new_sheets_and_sections_from_the_reporting_layer(with_claims, monkeypatch):
    """The report asset (through Dagster) lists the reporting models among its deps and writes the
    escalation and expense-claim sheets, the v1.1 HTML sections and the process map."""
    from dagster import AssetKey, DagsterInstance
    from openpyxl import load_workbook

    from orchestration.definitions import defs
    from orchestration.jobs import REPORT_KEY

    settings, summary, _, _ = with_claims
    monkeypatch.setenv("RETTIDIG_EXPORTS_DIR", str(settings.exports_dir))
    monkeypatch.setenv("RETTIDIG_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("RETTIDIG_SERVING", str(settings.serving))
    monkeypatch.setenv("RETTIDIG_REPORTS_DIR", str(settings.reports_dir))
    deps = set(defs.resolve_asset_graph().get(REPORT_KEY).parent_keys)
    reporting = {AssetKey(["reporting", name]) for name in (
        "rpt_escalation_worklist", "rpt_dwell_by_department_step", "rpt_process_variants_top",
        "rpt_process_map_edges", "rpt_expense_claims_worklist", "rpt_expense_claims_by_department")}
    assert reporting <= deps
    job = defs.resolve_job_def("follow_up_report")
    with DagsterInstance.ephemeral() as instance:
        assert job.execute_in_process(instance=instance, asset_selection=[REPORT_KEY]).success
    as_of = summary.data_watermark.isoformat()
    folder = settings.reports_dir / as_of
    workbook = load_workbook(folder / f"opfoelgningsrapport_{as_of}.xlsx")
    escalation = workbook["Eskalering (tæt på forfald)"]
    claims = workbook["Udlæg"]
    assert escalation.max_row - 4 == summary.at_watermark["escalation_worklist"]
    assert claims.max_row - 4 == summary.expense_claims_at_watermark["worklist"]
    # names, not only ids, on the sheets
    headers = [c.value for c in escalation[4]]
    assert "Behandler (navn)" in headers and "Eskaleres til (navn)" in headers
    html = (folder / f"opfoelgningsrapport_{as_of}.html").read_text(encoding="utf-8")
    for marker in ('id="escalation"', "Hvor går dagene?", 'id="process-variants"', "Procesdiagram",
                   'id="expense-claims-by-department"'):
        assert marker in html, marker
    assert (folder / f"procesdiagram_{as_of}.png").stat().st_size > 10_000
    # the reporting schema is not published to BI
    with duckdb.connect(str(settings.serving), read_only=True) as bi:
        assert {s for (s,) in bi.execute("select distinct schema_name from duckdb_tables()").fetchall()} == {"marts"}
