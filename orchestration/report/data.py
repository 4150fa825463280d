"""Reading what the follow-up report shows.

The lists and the v1.1 sections come from the dbt `reporting` layer (models/reporting/: invoice
lists, escalation list and worklist, supplier contacts, returns by reason, where the days went, the
process map, expense claims), where their numbers and names are computed and tested; this module
only reads them in their order. The summary by department, the period-close figures, aging and the
on-time trend still read `marts.*` directly here (filter, sort and add up; no rule of their own).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb

from orchestration.report import labels as L

# Buckets of `lying_bucket` (R2) in their natural order; "lying 13-30" is 13-21 + 22-30 and
# "lying 22+" is 22-30 + 31+, as in the period close (R13).
LYING_BUCKETS = ("0-12", "13-21", "22-30", "31+")


@dataclass(frozen=True)
class Table:
    """The result of one query: column names and rows of plain Python values."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class ReportData:
    as_of: dt.date
    data_watermark: dt.date
    summary: Table
    missing_goods_receipt: Table
    holder_without_access: Table
    payment_blocked: Table
    escalation: Table
    overdue: Table
    supplier_contacts: Table
    supplier_year: int | None
    period_close: Table
    latest_close: dict[str, Any] | None
    aging: Table
    timely_payment: Table
    returns_by_reason: Table
    # v1.1 sections, read from the dbt `reporting` layer (models/reporting/)
    escalation_worklist: Table
    dwell_by_department_step: Table
    process_variants: Table
    process_map_edges: Table
    expense_claims_worklist: Table
    expense_claims_by_department: Table

    @property
    def totals(self) -> dict[str, Any]:
        """The summary's total row (the last row of `summary`)."""
        return self.summary.records()[-1]


def _query(conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> Table:
    result = conn.execute(sql, params or {})
    return Table(tuple(d[0] for d in result.description), result.fetchall())


_DEPARTMENTS = """
    departments as (
        select department, any_value(department_name) as department_name
        from reference.departments
        group by department
    )"""

def resolve_as_of(conn: duckdb.DuckDBPyConnection, as_of: dt.date | None) -> dt.date:
    """The date the marts are computed as of; `as_of`, when given, must be that date."""
    dates = [row[0] for row in conn.execute(
        "select distinct as_of_date from marts.invoice_status order by 1"
    ).fetchall()]
    if as_of is None:
        if not dates:
            raise ValueError("marts.invoice_status is empty: build the marts before the report.")
        return dates[-1]
    if dates and as_of not in dates:
        raise ValueError(
            f"The marts are computed as of {', '.join(map(str, dates))}, not {as_of}: "
            f"rebuild them as of {as_of} (RETTIDIG_AS_OF_DATE) before asking for that report."
        )
    return as_of


def data_watermark(conn: duckdb.DuckDBPyConnection, as_of: dt.date) -> dt.date:
    """The data watermark behind the marts.

    Contract v1 carries no watermark column in `invoice_status`; by RULES.md ("Time") the marts
    are computed as of the watermark unless an operator sets another date. A `data_watermark`
    column, if the mart gains one, wins.
    """
    has_column = conn.execute(
        "select count(*) from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'invoice_status' and column_name = 'data_watermark' "
        "and database_name = current_database()"
    ).fetchone()[0]
    if has_column:
        value = conn.execute(
            "select max(data_watermark) from marts.invoice_status where as_of_date = $as_of",
            {"as_of": as_of},
        ).fetchone()[0]
        if value is not None:
            return value.date() if isinstance(value, dt.datetime) else value
    return as_of


def _period_close_relation(conn: duckdb.DuckDBPyConnection) -> str:
    """marts.period_close, or an empty stand-in before the first month is closed (the period-close
    asset creates the table on its first run, the marts build does not)."""
    exists = conn.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'period_close' "
        "and database_name = current_database()"
    ).fetchone()[0]
    if exists:
        return "marts.period_close"
    conn.execute(
        "create or replace temp table no_period_close (month date, department varchar, overdue bigint, "
        "target_overdue integer, met_overdue_target boolean, lying_13_30 bigint, target_lying_13_30 integer, "
        "met_lying_13_30_target boolean)"
    )
    return "temp.no_period_close"


def read_report_data(conn: duckdb.DuckDBPyConnection, as_of: dt.date | None = None) -> ReportData:
    as_of = resolve_as_of(conn, as_of)
    p = {"as_of": as_of}
    period_close_relation = _period_close_relation(conn)

    latest_close_month = conn.execute(
        f"select max(month) from {period_close_relation} where last_day(month) <= $as_of", p
    ).fetchone()[0]
    supplier_year = conn.execute(
        "select max(year) from marts.supplier_errors where year <= year($as_of)", p
    ).fetchone()[0]

    summary = _query(conn, f"""
        with {_DEPARTMENTS},
        status as (
            -- the counts per department are made once, in dbt (marts.department_status)
            select department, in_process, lying_13_30, lying_22_plus, overdue, overdue_amount_dkk,
                   missing_goods_receipt, payment_blocked, holder_without_access, escalation_candidates
            from marts.department_status
            where as_of_date = $as_of
        ),
        paid as (
            select department, invoices_paid, paid_on_time, on_time_rate
            from marts.timely_payment
            where month = date_trunc('month', $as_of)::date
        ),
        targets as (
            select department, target_overdue, target_lying_13_30
            from {period_close_relation}
            where month = $close_month
        ),
        per_department as (
            select
                coalesce(d.department, s.department) as department,
                d.department_name,
                coalesce(s.in_process, 0) as in_process,
                coalesce(s.lying_13_30, 0) as lying_13_30,
                coalesce(s.lying_22_plus, 0) as lying_22_plus,
                coalesce(s.overdue, 0) as overdue,
                coalesce(s.overdue_amount_dkk, 0) as overdue_amount_dkk,
                coalesce(s.missing_goods_receipt, 0) as missing_goods_receipt,
                coalesce(s.payment_blocked, 0) as payment_blocked,
                coalesce(s.holder_without_access, 0) as holder_without_access,
                coalesce(s.escalation_candidates, 0) as escalation_candidates,
                coalesce(p.invoices_paid, 0) as invoices_paid,
                coalesce(p.paid_on_time, 0) as paid_on_time,
                p.on_time_rate,
                t.target_overdue,
                t.target_lying_13_30,
                0 as sort_group
            from departments d
            full join status s on s.department = d.department
            left join paid p on p.department = coalesce(d.department, s.department)
            left join targets t on t.department = coalesce(d.department, s.department)
        )
        select * exclude (sort_group) from (
            select * from per_department
            union all
            select
                'I alt', null,
                sum(in_process), sum(lying_13_30), sum(lying_22_plus), sum(overdue),
                sum(overdue_amount_dkk), sum(missing_goods_receipt), sum(payment_blocked),
                sum(holder_without_access), sum(escalation_candidates),
                sum(invoices_paid), sum(paid_on_time),
                sum(paid_on_time) / nullif(sum(invoices_paid), 0),
                sum(target_overdue), sum(target_lying_13_30),
                1
            from per_department
        )
        order by sort_group, department
    """, {**p, "close_month": latest_close_month})

    # the lists come from the reporting layer (models/reporting/), in their order
    def invoice_list(name: str) -> Table:
        return _query(conn, "select * exclude (list_name, sort_order) from reporting.rpt_invoice_lists "
                            "where list_name = $name order by sort_order", {"name": name})

    missing_goods_receipt = invoice_list("missing_goods_receipt")
    holder_without_access = invoice_list("holder_without_access")
    payment_blocked = invoice_list("payment_blocked")
    overdue = invoice_list("overdue")
    escalation = _query(conn, "select * exclude (sort_order) from reporting.rpt_escalation_list order by sort_order")

    supplier_contacts = _query(
        conn, "select * exclude (sort_order) from reporting.rpt_supplier_contacts order by sort_order")

    period_close = _query(conn, f"""
        select month, department, overdue, target_overdue, met_overdue_target,
               lying_13_30, target_lying_13_30, met_lying_13_30_target
        from {period_close_relation}
        where last_day(month) <= $as_of
        order by month, department
    """, p)
    latest = [r for r in period_close.records() if r["month"] == latest_close_month]
    latest_close = None
    if latest:
        latest_close = {
            "month": latest_close_month,
            "over_overdue_target": [r["department"] for r in latest if r["met_overdue_target"] is False],
            "over_lying_13_30_target": [r["department"] for r in latest if r["met_lying_13_30_target"] is False],
        }

    aging = _query(conn, """
        select department, lying_bucket, invoices, amount_dkk, overdue_invoices
        from marts.aging_by_department
        where as_of_date = $as_of
        order by department, lying_bucket
    """, p)

    timely_payment = _query(conn, """
        select month, department, invoices_paid, paid_on_time, on_time_rate
        from marts.timely_payment
        where month <= $as_of
        order by month, department
    """, p)

    returns_by_reason = _query(
        conn, "select * from reporting.rpt_returns_by_reason order by returns desc, reason_code")

    # v1.1: every number of these sections is a reporting model; here they are only read
    escalation_worklist = _query(conn, "select * from reporting.rpt_escalation_worklist order by sort_order")
    dwell_by_department_step = _query(
        conn, "select * from reporting.rpt_dwell_by_department_step order by department, step")
    process_variants = _query(conn, "select * from reporting.rpt_process_variants_top order by variant_rank")
    process_map_edges = _query(
        conn, "select * from reporting.rpt_process_map_edges order by transitions desc, from_event, to_event")
    expense_claims_worklist = _query(conn, "select * from reporting.rpt_expense_claims_worklist order by sort_order")
    expense_claims_by_department = _query(
        conn, "select * from reporting.rpt_expense_claims_by_department order by department")

    return ReportData(
        as_of=as_of,
        data_watermark=data_watermark(conn, as_of),
        summary=summary,
        missing_goods_receipt=missing_goods_receipt,
        holder_without_access=holder_without_access,
        payment_blocked=payment_blocked,
        escalation=escalation,
        overdue=overdue,
        supplier_contacts=supplier_contacts,
        supplier_year=supplier_year,
        period_close=period_close,
        latest_close=latest_close,
        aging=aging,
        timely_payment=timely_payment,
        returns_by_reason=returns_by_reason,
        escalation_worklist=escalation_worklist,
        dwell_by_department_step=dwell_by_department_step,
        process_variants=process_variants,
        process_map_edges=process_map_edges,
        expense_claims_worklist=expense_claims_worklist,
        expense_claims_by_department=expense_claims_by_department,
    )


@dataclass(frozen=True)
class KeyFigure:
    key: str  # English identifier (ReportResult.key_figures)
    label: str  # Danish label
    kind: str  # labels.INT, DKK, RATE
    value: Any


def key_figures(data: ReportData) -> list[KeyFigure]:
    """The headline numbers: the summary's totals, plus the contact list's length."""
    totals = data.totals
    month = L.month_name(data.as_of.replace(day=1))
    return [
        KeyFigure("in_process", "Fakturaer i behandling", L.INT, totals["in_process"]),
        KeyFigure("lying_13_30", "Liggetid 13-30 dage", L.INT, totals["lying_13_30"]),
        KeyFigure("lying_22_plus", "Liggetid 22 dage eller mere", L.INT, totals["lying_22_plus"]),
        KeyFigure("overdue", "Forfaldne fakturaer", L.INT, totals["overdue"]),
        KeyFigure("overdue_amount_dkk", "Forfaldne fakturaer, beløb (DKK)", L.DKK, totals["overdue_amount_dkk"]),
        KeyFigure("missing_goods_receipt", "Manglende varemodtagelse", L.INT, totals["missing_goods_receipt"]),
        KeyFigure("payment_blocked", "Bogført med betalingsspærre", L.INT, totals["payment_blocked"]),
        KeyFigure("holder_without_access", "Hos behandler uden adgang til Kvantum", L.INT,
                  totals["holder_without_access"]),
        KeyFigure("escalation_candidates", "På eskaleringslisten", L.INT, totals["escalation_candidates"]),
        KeyFigure("near_due", "Tæt på forfald uden godkendelse", L.INT,
                  sum(1 for r in data.escalation_worklist.records() if r["is_near_due"])),
        KeyFigure("expense_claims_flagged", "Udlæg med kontrolpunkt", L.INT,
                  sum(r["flagged_claims"] for r in data.expense_claims_by_department.records())),
        KeyFigure("on_time_rate", f"Rettidig betaling, {month}", L.RATE, totals["on_time_rate"]),
        KeyFigure("suppliers_to_contact", f"Leverandører på kontaktlisten ({data.supplier_year or '–'})", L.INT,
                  len(data.supplier_contacts)),
    ]
