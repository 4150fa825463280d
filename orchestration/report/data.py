"""Reading what the follow-up report shows.

Every section comes from the dbt `reporting` layer (models/reporting/, schema `reporting`), where
its numbers and names are computed and tested: the summary by department with its total row
(rpt_department_summary), the invoice lists, escalation list and worklist, supplier contacts,
returns by reason, aging (rpt_aging_by_department), the on-time trend with its monthly totals
(rpt_on_time_trend), the period close (rpt_period_close), where the days went, the process map and
the expense claims. This module only reads each model in its order (`sort_order` where the model
has one); it joins, sums and filters nothing itself, beyond picking one list's rows of
rpt_invoice_lists and the latest close's rows of rpt_period_close. Besides, it reads the as-of
date and data watermark from marts.invoice_status and the supplier contact list's year from
marts.supplier_errors.

rpt_period_close is built with the period close (its own, month-partitioned dbt assets), so it
does not exist before the first close: the report then reads an empty table with its columns.
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
    on_time_trend: Table  # per month and department, with a total row 'I alt' per month
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


# The columns of reporting.rpt_period_close, for the empty table before the first close.
PERIOD_CLOSE_COLUMNS = (
    "month", "department", "department_name", "overdue", "target_overdue", "met_overdue_target",
    "lying_13_30", "target_lying_13_30", "met_lying_13_30_target", "is_latest_close", "sort_order",
)


def _reporting_model_exists(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    return conn.execute(
        "select count(*) from information_schema.tables where table_catalog = current_database() "
        "and table_schema = 'reporting' and table_name = $name",
        {"name": name},
    ).fetchone()[0] > 0


def _reporting_model(conn: duckdb.DuckDBPyConnection, name: str) -> Table:
    """All of reporting.<name> in the report's order."""
    return _query(conn, f"select * from reporting.{name} order by sort_order")


def read_report_data(conn: duckdb.DuckDBPyConnection, as_of: dt.date | None = None) -> ReportData:
    as_of = resolve_as_of(conn, as_of)
    supplier_year = conn.execute(
        "select max(year) from marts.supplier_errors where year <= year($as_of)", {"as_of": as_of}
    ).fetchone()[0]

    # the summary by department and its total row 'I alt' (the last row)
    summary = _reporting_model(conn, "rpt_department_summary")

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

    # the closed months up to D; before the first close the model is not there yet
    if _reporting_model_exists(conn, "rpt_period_close"):
        period_close = _reporting_model(conn, "rpt_period_close")
    else:
        period_close = Table(PERIOD_CLOSE_COLUMNS)
    latest = [r for r in period_close.records() if r["is_latest_close"]]
    latest_close = None
    if latest:
        latest_close = {
            "month": latest[0]["month"],
            "over_overdue_target": [r["department"] for r in latest if r["met_overdue_target"] is False],
            "over_lying_13_30_target": [r["department"] for r in latest if r["met_lying_13_30_target"] is False],
        }

    aging = _reporting_model(conn, "rpt_aging_by_department")
    on_time_trend = _reporting_model(conn, "rpt_on_time_trend")

    returns_by_reason = _query(
        conn, "select * from reporting.rpt_returns_by_reason order by returns desc, reason_code")

    # v1.1: every number of these sections is a reporting model; here they are only read
    escalation_worklist = _reporting_model(conn, "rpt_escalation_worklist")
    dwell_by_department_step = _query(
        conn, "select * from reporting.rpt_dwell_by_department_step order by department, step")
    process_variants = _query(conn, "select * from reporting.rpt_process_variants_top order by variant_rank")
    process_map_edges = _query(
        conn, "select * from reporting.rpt_process_map_edges order by transitions desc, from_event, to_event")
    expense_claims_worklist = _reporting_model(conn, "rpt_expense_claims_worklist")
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
        on_time_trend=on_time_trend,
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
