"""The follow-up report (orchestration.report) on a small hand-made warehouse.

The warehouse has the `marts` tables with exactly the columns of ../shared/contract/MARTS.md, plus
`staging.stg_kvantum__users`, the seeds `reference.departments` and `reference.milestone_targets`
and `intermediate.int_as_of_dates` (the reporting date D); the real dbt reporting views of the v1
sheets, the summary, the charts and the period close (models/reporting/) are built on top of them
with `dbt run`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.report import ReportResult, build_report
from tests.dbt_cli import run_dbt

# The reporting models that read only marts, users, the seeds and D: dbt builds them on the
# hand-made marts (the v1.1 ones read intermediate models and stay empty tables below).
REPORTING_MODELS = ("rpt_invoice_lists rpt_escalation_list rpt_supplier_contacts rpt_returns_by_reason "
                    "int_milestone_targets rpt_department_summary rpt_aging_by_department rpt_on_time_trend")
# Built with the period close (its own Dagster asset): not there before the first close.
PERIOD_CLOSE_MODELS = "rpt_period_close"

AS_OF = dt.date(2025, 3, 13)

MARTS_DDL = """
create schema marts;
create schema staging;
create schema reference;
create schema intermediate;
create table reference.departments (department varchar, department_name varchar);
create table reference.milestone_targets (
    department varchar, valid_from_month date, target_overdue integer, target_lying_13_30 integer);
create table intermediate.int_as_of_dates (
    as_of_date date, is_reporting_date boolean, is_month_end boolean, month date, data_watermark date);
create table staging.stg_kvantum__users (user_id varchar, full_name varchar, is_current boolean);
create table marts.invoice_status (
    invoice_id varchar, invoice_type varchar, supplier_id varchar, department varchar,
    received_date date, due_date date, amount_dkk decimal(18,2), as_of_date date,
    is_in_process boolean, days_lying integer, lying_bucket varchar, is_unpaid boolean,
    is_overdue boolean, days_overdue integer, holder_user_id varchar, next_approver_user_id varchar,
    is_escalation_candidate boolean, has_missing_goods_receipt boolean, has_payment_block boolean,
    holder_has_kvantum_access boolean, routed_via_ks boolean, paid_date date, is_paid_on_time boolean,
    days_to_pay integer, late_interest_dkk decimal(18,2), compensation_dkk decimal(18,2));
create table marts.aging_by_department (
    as_of_date date, department varchar, lying_bucket varchar, invoices bigint,
    amount_dkk decimal(18,2), overdue_invoices bigint);
create table marts.escalation_list (
    invoice_id varchar, department varchar, days_lying integer, holder_user_id varchar,
    next_approver_user_id varchar, due_date date, amount_dkk decimal(18,2));
create table marts.return_reasons (
    month date, department varchar, reason_code varchar, responsible varchar, returns bigint,
    documents_returned bigint);
create table marts.return_rate (
    month date, department varchar, documents_received bigint, documents_returned bigint,
    return_rate double);
create table marts.supplier_errors (
    year integer, supplier_id varchar, documents bigint, po_number_errors bigint,
    payment_info_errors bigint, supplier_caused_returns bigint, error_documents bigint,
    error_rate double, is_systematic boolean);
create table marts.timely_payment (
    month date, department varchar, invoices_paid bigint, paid_on_time bigint, on_time_rate double,
    avg_days_to_pay double, late_interest_dkk decimal(18,2), compensation_dkk decimal(18,2));
create table marts.manual_handling (
    month date, department varchar, po_has_fee_line boolean, invoices_posted bigint,
    touchless bigint, touchless_rate double);
"""
PERIOD_CLOSE_DDL = """
create table marts.period_close (
    month date, department varchar, in_process bigint, lying_13_30 bigint, lying_22_plus bigint,
    overdue bigint, overdue_amount_dkk decimal(18,2), missing_goods_receipt bigint,
    payment_blocked bigint, holder_without_access bigint, received bigint, routed_via_ks bigint,
    paid bigint, paid_on_time bigint, on_time_rate double, late_interest_dkk decimal(18,2),
    compensation_dkk decimal(18,2), target_overdue integer, target_lying_13_30 integer,
    met_overdue_target boolean, met_lying_13_30_target boolean, taken_at timestamp,
    data_watermark date);
"""

DEPARTMENTS = [
    ("ØKF", "Økonomiforvaltningen"), ("BUF", "Børne- og Ungdomsforvaltningen"),
    ("SUF", "Sundheds- og Omsorgsforvaltningen"), ("SOF", "Socialforvaltningen"),
    ("TMF", "Teknik- og Miljøforvaltningen"), ("KFF", "Kultur- og Fritidsforvaltningen"),
    ("BIF", "Beskæftigelses- og Integrationsforvaltningen"),
]

USERS = [
    ("AA11", "Anne Andersen", True), ("BB22", "Bent Berg", True),
    ("CC33", "Clara Nielsen", True), ("DD44", "Dorte Mikkelsen", True),
    ("EE55", "Erik Old Name", False), ("EE55", "Erik Holm", True),
]

D = dt.date
# invoice_id, type, supplier, dept, received, due, amount, in_process, days_lying, bucket, unpaid,
# overdue, days_overdue, holder, next approver, escalation, missing GR, payment block, access,
# via KS, paid_date, on time, days_to_pay, interest, compensation
INVOICES = [
    ("F1001", "FAKTURA", "S100", "BUF", D(2025, 3, 10), D(2025, 4, 9), "1250.00", True, 3, "0-12", True,
     False, None, "AA11", None, False, True, False, True, False, None, None, None, None, None),
    ("F1002", "FAKTURA", "S100", "BUF", D(2025, 2, 15), D(2025, 3, 10), "48200.50", True, 26, "22-30", True,
     True, 3, "AA11", "BB22", True, False, False, True, False, None, None, None, None, None),
    ("F1003", "FAKTURA", "S200", "TMF", D(2025, 2, 1), D(2025, 3, 3), "15000.00", True, 40, "31+", True,
     True, 10, "CC33", "DD44", True, True, False, False, True, None, None, None, None, None),
    ("F1004", "FAKTURA", "S200", "TMF", D(2025, 2, 25), D(2025, 3, 27), "3999.95", True, 16, "13-21", True,
     False, None, "CC33", None, False, False, False, False, False, None, None, None, None, None),
    ("F1005", "FAKTURA", "S300", "ØKF", D(2025, 1, 20), D(2025, 2, 19), "123456.78", False, None, None, True,
     True, 22, "EE55", None, False, False, True, True, False, None, None, None, None, None),
    ("F1006", "FAKTURA", "S300", "ØKF", D(2025, 2, 3), D(2025, 3, 5), "800.00", False, None, None, False,
     False, None, "EE55", None, False, False, False, True, False, D(2025, 2, 20), True, 17, "0.00", "0.00"),
    ("K2001", "KREDITNOTA", "S100", "BUF", D(2025, 3, 1), D(2025, 3, 31), "-500.00", None, None, None, None,
     None, None, None, None, None, None, None, None, None, None, None, None, None, None),
]
# Expected key figures of the rows above.
IN_PROCESS, LYING_13_30, LYING_22_PLUS = 4, 2, 2
OVERDUE, OVERDUE_DKK = 3, "186.657,28"  # 48,200.50 + 15,000.00 + 123,456.78
MISSING_GR, BLOCKED, WITHOUT_ACCESS, ESCALATION = 2, 1, 2, 2
ON_TIME_MARCH = "86,7 %"  # (8 + 5) / (10 + 5)

AGING = [
    (AS_OF, "BUF", "0-12", 1, "1250.00", 0), (AS_OF, "BUF", "22-30", 1, "48200.50", 1),
    (AS_OF, "TMF", "13-21", 1, "3999.95", 0), (AS_OF, "TMF", "31+", 1, "15000.00", 1),
]
ESCALATION_LIST = [
    ("F1002", "BUF", 26, "AA11", "BB22", D(2025, 3, 10), "48200.50"),
    ("F1003", "TMF", 40, "CC33", "DD44", D(2025, 3, 3), "15000.00"),
]
CLOSED_MONTHS = [D(2024, 9, 1), D(2024, 10, 1), D(2024, 11, 1), D(2024, 12, 1), D(2025, 1, 1), D(2025, 2, 1)]
# Payments per month; March 2025 (month to date) is BUF 8 of 10 and TMF 5 of 5 on time.
TIMELY = [
    (month, dept, paid, on_time, on_time / paid, 18.0, "0.00", "0.00")
    for i, month in enumerate(CLOSED_MONTHS)
    for dept, paid, on_time in (("BUF", 40 + i, 30 + i), ("TMF", 20, 14 + i), ("ØKF", 12, 11), ("SOF", 25, 15 + 2 * i))
] + [
    (D(2025, 3, 1), "BUF", 10, 8, 0.8, 18.0, "55.10", "620.00"),
    (D(2025, 3, 1), "TMF", 5, 5, 1.0, 12.0, "0.00", "0.00"),
]
RETURN_REASONS = [
    (D(2025, 1, 1), "BUF", "MANGLER_ORDRENUMMER", "LEVERANDØR", 3, 3),
    (D(2025, 2, 1), "BUF", "MANGLER_ORDRENUMMER", "LEVERANDØR", 1, 1),
    (D(2025, 2, 1), "TMF", "MANGLER_VAREMODTAGELSE", "FORVALTNING", 2, 2),
]
SUPPLIER_ERRORS = [
    (2024, "S100", 40, 8, 1, 0, 9, 0.225, True),
    (2025, "S200", 30, 3, 2, 0, 5, 5 / 30, True),
    (2025, "S300", 28, 1, 0, 0, 1, 1 / 28, False),
    (2025, "S400", 12, 6, 0, 0, 6, 0.5, False),
]
# Period close, September 2024 to February 2025; TMF is over its overdue milestone in February.
TARGET_OVERDUE = {"ØKF": 15, "BUF": 60, "SUF": 50, "SOF": 40, "TMF": 35, "KFF": 15, "BIF": 20}
# The seed milestone_targets: TARGET_OVERDUE from September 2024 (valid for the closed months and
# for D's month, March 2025), looser before; TMF's next row starts in April 2025, after D's month.
MILESTONE_TARGETS = [
    row for dept, target in TARGET_OVERDUE.items() for row in (
        (dept, D(2020, 9, 1), 2 * target, 4 * target), (dept, D(2024, 9, 1), target, 2 * target))
] + [("TMF", D(2025, 4, 1), 30, 60)]


def _closed_overdue(dept: str, i: int) -> int:
    return {"TMF": (30, 34, 33, 36, 31, 41)[i], "SOF": (52, 47, 44, 39, 37, 33)[i]}.get(
        dept, TARGET_OVERDUE[dept] // 2 + i)


PERIOD_CLOSE = [
    (month, dept, 0, 0, 0, _closed_overdue(dept, i), "1000.00", 0, 0, 0, 10, 1, 9, 8, 8 / 9, "0.00", "0.00",
     TARGET_OVERDUE[dept], 2 * TARGET_OVERDUE[dept], _closed_overdue(dept, i) <= TARGET_OVERDUE[dept], True,
     dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 2, 6, 0),
     D(month.year + month.month // 12, month.month % 12 + 1, 1))
    for i, month in enumerate(CLOSED_MONTHS) for dept, _ in DEPARTMENTS
]


def make_warehouse(path: Path, *, with_period_close: bool = True) -> Path:
    conn = duckdb.connect(str(path))
    conn.execute(MARTS_DDL)

    def insert(table: str, rows: list[tuple]) -> None:
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany(f"insert into {table} values ({marks})", rows)

    insert("reference.departments", DEPARTMENTS)
    insert("reference.milestone_targets", MILESTONE_TARGETS)
    insert("intermediate.int_as_of_dates", [(AS_OF, True, False, AS_OF.replace(day=1), AS_OF)])
    insert("staging.stg_kvantum__users", USERS)
    insert("marts.invoice_status", [row[:7] + (AS_OF,) + row[7:] for row in INVOICES])
    # marts.department_status as dbt builds it from the same states (int_department_states)
    conn.execute("""
        create table marts.department_status as
        select as_of_date, d.department,
               count(*) filter (where is_in_process) as in_process,
               count(*) filter (where lying_bucket in ('13-21', '22-30')) as lying_13_30,
               count(*) filter (where lying_bucket in ('22-30', '31+')) as lying_22_plus,
               count(*) filter (where is_overdue) as overdue,
               coalesce(sum(amount_dkk) filter (where is_overdue), 0) as overdue_amount_dkk,
               count(*) filter (where has_missing_goods_receipt) as missing_goods_receipt,
               count(*) filter (where has_payment_block) as payment_blocked,
               count(*) filter (where is_in_process and not holder_has_kvantum_access) as holder_without_access,
               count(*) filter (where is_escalation_candidate) as escalation_candidates
        from reference.departments d cross join (select distinct as_of_date from marts.invoice_status) a
        left join marts.invoice_status s using (department, as_of_date)
        group by all
    """)
    insert("marts.aging_by_department", AGING)
    insert("marts.escalation_list", ESCALATION_LIST)
    insert("marts.timely_payment", TIMELY)
    insert("marts.return_reasons", RETURN_REASONS)
    insert("marts.return_rate", [(D(2025, 2, 1), "BUF", 100, 1, 0.01)])
    insert("marts.supplier_errors", SUPPLIER_ERRORS)
    insert("marts.manual_handling", [(D(2025, 2, 1), "BUF", True, 10, 4, 0.4)])
    conn.execute(REPORTING_DDL)
    if with_period_close:
        conn.execute(PERIOD_CLOSE_DDL)
        insert("marts.period_close", PERIOD_CLOSE)
    conn.close()
    models = REPORTING_MODELS + (f" {PERIOD_CLOSE_MODELS}" if with_period_close else "")
    result = run_dbt(["run", "--select", *models.split()], path.parent / "dbt_target", {"RETTIDIG_WAREHOUSE": str(path)})
    assert result.returncode == 0, result.stdout[-3000:]
    return path


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report")


@pytest.fixture(scope="module")
def warehouse(out_dir: Path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(make_warehouse(out_dir / "warehouse.duckdb")))
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def report(warehouse: duckdb.DuckDBPyConnection, out_dir: Path) -> ReportResult:
    return build_report(warehouse, out_dir / "reports")


SHEETS = ["Forside", "Oversigt", "Manglende varemodtagelse", "Behandler uden adgang", "Betalingsspærre",
          "Eskaleringsliste", "Eskalering (tæt på forfald)", "Forfaldne fakturaer", "Leverandørkontakt", "Udlæg",
          "Udlæg pr. forvaltning"]

# The v1.1 sections read the dbt reporting layer (models/reporting/); this hand-made warehouse has
# it empty (a drop folder without udlaeg and nothing near due): the sheets are empty, the HTML
# sections say so. tests/test_rules_r14_r16_e2e.py checks them filled, on a real dbt build.
REPORTING_DDL = """
create schema reporting;
create table reporting.rpt_escalation_worklist (
    as_of_date date, invoice_id varchar, department varchar, department_name varchar, supplier_id varchar,
    amount_dkk decimal(18,2), due_date date, trigger_text varchar, is_near_due boolean, is_lying_22_plus boolean,
    days_to_due integer, bank_days_to_due integer, days_lying integer, holder_user_id varchar,
    holder_name varchar, holder_since_date date, bank_days_with_holder integer,
    escalation_target_user_id varchar, escalation_target_name varchar, escalation_issue varchar,
    escalation_issue_text varchar, sort_order bigint);
create table reporting.rpt_dwell_by_department_step (
    as_of_date date, first_month date, department varchar, department_name varchar, step varchar,
    invoices bigint, total_days bigint, avg_days double);
create table reporting.rpt_process_variants_top (
    variant varchar, invoices bigint, share_of_invoices double, median_days_to_pay double, events bigint,
    variant_rank bigint);
create table reporting.rpt_process_map_edges (
    from_event varchar, to_event varchar, transitions bigint, median_days double);
create table reporting.rpt_expense_claims_worklist (
    as_of_date date, claim_id varchar, department varchar, department_name varchar, employee_user_id varchar,
    employee_name varchar, expense_date date, submitted_date date, amount_dkk decimal(18,2),
    expense_type varchar, status varchar, is_open boolean, days_open integer, open_bucket varchar,
    approver_user_id varchar, approver_name varchar, has_control_flag boolean, flags_text varchar,
    sort_order bigint);
-- R14 and R16 at D, read by rpt_department_summary (the key figures): two invoices near due in
-- BUF, one in TMF (and one of BUF's that is not, one near due at another date); one flagged claim in SOF
create table intermediate.int_invoices_near_due as
    select * from (values ('F-1', date '2025-03-13', 'BUF', true), ('F-2', date '2025-03-13', 'BUF', true),
                          ('F-3', date '2025-03-13', 'BUF', false), ('F-4', date '2025-03-13', 'TMF', true),
                          ('F-5', date '2025-02-28', 'BUF', true))
        as t(invoice_id, as_of_date, department, is_near_due);
create table intermediate.int_expense_claim_state_as_of as
    select * from (values ('U-1', 'SOF', true), ('U-2', 'SOF', false)) as t(claim_id, department, has_control_flag);
create table reporting.rpt_expense_claims_by_department as
    select department, department_name, 0::bigint as open_claims, 0::bigint as open_0_12,
           0::bigint as open_13_21, 0::bigint as open_22_30, 0::bigint as open_31_plus,
           0::bigint as flagged_claims, 0::bigint as paid, 0::bigint as paid_within_limit,
           null::double as paid_within_limit_rate
    from reference.departments;
"""

# Sheet -> the mart query whose rows the sheet lists.
MART_QUERIES = {
    "Oversigt": "select count(*) from reference.departments",
    "Manglende varemodtagelse": "select count(*) from marts.invoice_status where has_missing_goods_receipt",
    "Behandler uden adgang": "select count(*) from marts.invoice_status where is_in_process and not holder_has_kvantum_access",
    "Betalingsspærre": "select count(*) from marts.invoice_status where has_payment_block",
    "Eskaleringsliste": "select count(*) from marts.escalation_list",
    "Forfaldne fakturaer": "select count(*) from marts.invoice_status where is_overdue",
    "Leverandørkontakt": "select count(*) from marts.supplier_errors where is_systematic and year = (select max(year) from marts.supplier_errors)",
}
HEADER_ROW = 4


def test_writes_a_dated_folder_with_both_files(report: ReportResult, out_dir: Path) -> None:
    folder = out_dir / "reports" / "2025-03-13"
    assert report.as_of == AS_OF
    assert report.folder == folder
    assert report.workbook == folder / "opfoelgningsrapport_2025-03-13.xlsx"
    assert report.html == folder / "opfoelgningsrapport_2025-03-13.html"
    assert report.workbook.is_file() and report.html.is_file()


def test_sheets_and_row_counts_match_the_marts(report: ReportResult, warehouse: duckdb.DuckDBPyConnection) -> None:
    wb = openpyxl.load_workbook(report.workbook)
    assert wb.sheetnames == SHEETS
    for sheet, query in MART_QUERIES.items():
        expected = warehouse.execute(query).fetchone()[0]
        assert report.rows[sheet] == expected, sheet
        ws = wb[sheet]
        data_rows = [r for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[0] is not None]
        total_rows = 1 if sheet == "Oversigt" else 0
        assert len(data_rows) == expected + total_rows, sheet
    assert report.rows["Leverandørkontakt"] == 1  # the 2024 supplier is not the latest year


def test_headers_frozen_panes_and_autofilter(report: ReportResult) -> None:
    wb = openpyxl.load_workbook(report.workbook)
    for sheet in SHEETS[1:]:
        ws = wb[sheet]
        assert ws.freeze_panes == f"B{HEADER_ROW + 1}", sheet
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:"), sheet
        assert "Opgjort pr. 13-03-2025" in ws["A2"].value
    headers = [c.value for c in wb["Eskaleringsliste"][HEADER_ROW]]
    assert headers == ["Bilagsnummer", "Forvaltning", "Forvaltningens navn", "Liggetid (dage)", "Forfaldsdato",
                       "Beløb (DKK)", "Behandler (bruger-id)", "Behandler (navn)", "Næste godkender (bruger-id)",
                       "Næste godkender (navn)"]
    overview = [c.value for c in wb["Oversigt"][HEADER_ROW]]
    assert overview[:8] == ["Forvaltning", "Forvaltningens navn", "I behandling", "Liggetid 13-30 dage",
                            "Liggetid 22+ dage", "Forfaldne (antal)", "Forfaldne (DKK)", "Manglende varemodtagelse"]
    assert "Rettidighed marts 2025" in overview
    assert wb["Oversigt"].auto_filter.ref == f"A{HEADER_ROW}:P{HEADER_ROW + 7}"  # total row outside the filter


def test_names_appear_next_to_ids(report: ReportResult) -> None:
    ws = openpyxl.load_workbook(report.workbook)["Eskaleringsliste"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    assert rows["F1002"][6:10] == ("AA11", "Anne Andersen", "BB22", "Bent Berg")
    assert rows["F1003"][6:10] == ("CC33", "Clara Nielsen", "DD44", "Dorte Mikkelsen")
    blocked = openpyxl.load_workbook(report.workbook)["Betalingsspærre"]
    row = next(blocked.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert row[0] == "F1005" and row[-2:] == ("EE55", "Erik Holm")  # the current name only


def test_number_and_date_formats(report: ReportResult) -> None:
    ws = openpyxl.load_workbook(report.workbook)["Forfaldne fakturaer"]
    headers = [c.value for c in ws[HEADER_ROW]]
    row = next(r for r in ws.iter_rows(min_row=HEADER_ROW + 1) if r[0].value == "F1005")
    amount = row[headers.index("Beløb (DKK)")]
    due = row[headers.index("Forfaldsdato")]
    assert amount.number_format == "#,##0.00"
    assert due.number_format == "dd-mm-yyyy"
    assert due.value.date() == dt.date(2025, 2, 19)
    assert Decimal(str(amount.value)) == Decimal("123456.78")


def test_summary_totals_equal_the_marts(report: ReportResult, warehouse: duckdb.DuckDBPyConnection) -> None:
    ws = openpyxl.load_workbook(report.workbook)["Oversigt"]
    headers = [c.value for c in ws[HEADER_ROW]]
    rows = {r[0]: dict(zip(headers, r)) for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    total = rows["I alt"]
    assert total["I behandling"] == IN_PROCESS
    assert total["Forfaldne (antal)"] == OVERDUE
    assert total["Behandler uden adgang"] == WITHOUT_ACCESS
    # the same as the aging mart's in-process invoices per department
    for department, invoices in warehouse.execute(
        "select department, sum(invoices) from marts.aging_by_department group by 1"
    ).fetchall():
        assert rows[department]["I behandling"] == invoices
    assert rows["SUF"]["I behandling"] == 0  # every department has a row
    assert rows["TMF"]["Rettidighed marts 2025"] == 1.0
    # the milestones valid for D's month (March 2025), not TMF's row from April
    assert rows["TMF"]["Milepæl forfaldne (marts 2025)"] == 35
    assert rows["TMF"]["Milepæl liggetid 13-30 (marts 2025)"] == 70
    assert total["Milepæl forfaldne (marts 2025)"] == sum(TARGET_OVERDUE.values())
    assert total["Rettidighed marts 2025"] == pytest.approx(13 / 15)
    assert report.key_figures["overdue_amount_dkk"] == pytest.approx(186657.28)
    assert report.key_figures["escalation_candidates"] == ESCALATION
    # R14 and R16 at D (REPORTING_DDL): three near due (not the one of 02-28); one flagged claim
    assert (report.key_figures["near_due"], report.key_figures["expense_claims_flagged"]) == (3, 1)


def test_front_sheet_has_as_of_date_watermark_and_personal_data_notice(report: ReportResult) -> None:
    ws = openpyxl.load_workbook(report.workbook)["Forside"]
    cells = {c.value for row in ws.iter_rows() for c in row if c.value is not None}
    assert "Indeholder personoplysninger – må kun bruges til intern opfølgning" in cells
    labels = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    assert labels["Opgjort pr."].date() == AS_OF
    assert labels["Datavandmærke"].date() == AS_OF
    assert labels["Seneste periodeluk"] == "februar 2025"
    for sheet in ("Manglende varemodtagelse", "Eskaleringsliste", "Forfaldne fakturaer"):
        assert openpyxl.load_workbook(report.workbook)[sheet]["A3"].value.startswith("Indeholder personoplysninger")


def test_html_has_key_figures_charts_and_no_external_resources(report: ReportResult) -> None:
    html = report.html.read_text(encoding="utf-8")
    figures = {key: re.search(rf'id="kf-{key}"><div class="value">([^<]*)<', html).group(1)
               for key in ("in_process", "lying_13_30", "lying_22_plus", "overdue", "overdue_amount_dkk",
                           "missing_goods_receipt", "payment_blocked", "holder_without_access",
                           "escalation_candidates", "on_time_rate", "suppliers_to_contact")}
    assert figures == {
        "in_process": str(IN_PROCESS), "lying_13_30": str(LYING_13_30), "lying_22_plus": str(LYING_22_PLUS),
        "overdue": str(OVERDUE), "overdue_amount_dkk": OVERDUE_DKK, "missing_goods_receipt": str(MISSING_GR),
        "payment_blocked": str(BLOCKED), "holder_without_access": str(WITHOUT_ACCESS),
        "escalation_candidates": str(ESCALATION), "on_time_rate": ON_TIME_MARCH, "suppliers_to_contact": "1",
    }
    assert html.count("<svg") == 4  # milestone, aging, on-time trend, returns
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(//|[a-z]+:)""", html)
    assert "Indeholder personoplysninger – må kun bruges til intern opfølgning" in html
    assert "Over milepælen for forfaldne fakturaer ved periodeluk februar 2025: <strong>TMF</strong>" in html
    assert "MANGLER_ORDRENUMMER" in html  # the returns chart's labels are text


def test_empty_period_close_says_no_closed_months(tmp_path: Path) -> None:
    conn = duckdb.connect(str(make_warehouse(tmp_path / "warehouse.duckdb", with_period_close=False)))
    result = build_report(conn, tmp_path / "reports")
    html = result.html.read_text(encoding="utf-8")
    assert "Ingen lukkede måneder endnu" in html
    assert html.count("<svg") == 3
    ws = openpyxl.load_workbook(result.workbook)["Forside"]
    labels = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    assert labels["Seneste periodeluk"] == "Ingen lukkede måneder endnu"


def test_as_of_must_be_the_marts_date(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    assert build_report(warehouse, tmp_path / "r", as_of=AS_OF).folder.name == "2025-03-13"
    with pytest.raises(ValueError, match="computed as of 2025-03-13"):
        build_report(warehouse, tmp_path / "r", as_of=dt.date(2025, 3, 20))


def test_empty_marts_are_refused(tmp_path: Path) -> None:
    conn = duckdb.connect(str(tmp_path / "empty.duckdb"))
    conn.execute(MARTS_DDL)
    with pytest.raises(ValueError, match="empty"):
        build_report(conn, tmp_path / "r")


def test_watermark_column_of_invoice_status_is_shown_when_present(tmp_path: Path) -> None:
    conn = duckdb.connect(str(make_warehouse(tmp_path / "warehouse.duckdb")))
    conn.execute("alter table marts.invoice_status add column data_watermark date")
    conn.execute("update marts.invoice_status set data_watermark = date '2025-03-14'")
    result = build_report(conn, tmp_path / "reports")
    ws = openpyxl.load_workbook(result.workbook)["Forside"]
    labels = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    assert labels["Opgjort pr."].date() == AS_OF
    assert labels["Datavandmærke"].date() == dt.date(2025, 3, 14)
    assert "datavandmærke 14-03-2025" in result.html.read_text(encoding="utf-8")
