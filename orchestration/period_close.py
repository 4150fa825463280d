"""What the monthly period close (R13) may take: the months between the data's first receipt month
and the data watermark, and which of them are already taken. Used by the period-close asset and
the CLI; the computing itself is the dbt model `period_close`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

# The dbt model that exposes the data watermark and the first receipt month (one row).
WATERMARK_RELATION = "intermediate.int_data_watermark"


@dataclass(frozen=True)
class CloseBounds:
    data_watermark: dt.date | None
    first_month: dt.date | None  # month of the earliest Modtagetdato
    taken: frozenset[dt.date]  # months already in marts.period_close

    def closable_months(self) -> list[dt.date]:
        last = last_closed_month_end(self.data_watermark)
        if last is None or self.first_month is None or last < self.first_month:
            return []
        return list(months_between(self.first_month, last))

    def refusal(self, month: dt.date) -> str | None:
        """Why `month` cannot be closed, or None when it can."""
        if self.data_watermark is None:
            return "No invoice events are loaded yet: load the exports (`rettidig materialize`) before closing a month."
        end = month_end(month)
        if end > self.data_watermark:
            return (
                f"Cannot close {month:%Y-%m}: the month ends {end:%Y-%m-%d}, after the data watermark "
                f"{self.data_watermark:%Y-%m-%d} (the latest event in the exports). A month can be closed "
                "once the exports hold events up to its last day; load the newer extracts first."
            )
        if self.first_month is not None and month < self.first_month:
            return (
                f"Cannot close {month:%Y-%m}: the data starts in {self.first_month:%Y-%m} (the earliest "
                "receipt date), so there is nothing to close before that."
            )
        return None


def month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def last_closed_month_end(watermark: dt.date | None) -> dt.date | None:
    """The first day of the last month that ends on or before the watermark."""
    if watermark is None:
        return None
    if month_end(watermark) == watermark:
        return watermark.replace(day=1)
    return (watermark.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def months_between(first: dt.date, last: dt.date):
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = month_end(month) + dt.timedelta(days=1)


def read_close_bounds(conn: duckdb.DuckDBPyConnection) -> CloseBounds:
    def exists(schema: str, name: str) -> bool:
        return bool(
            conn.execute(
                "select count(*) from duckdb_tables() where schema_name = ? and table_name = ? "
                "and database_name = current_database()",
                [schema, name],
            ).fetchone()[0]
        )

    watermark = first_month = None
    schema, name = WATERMARK_RELATION.split(".")
    if exists(schema, name):
        watermark, first_month = conn.execute(
            f"select data_watermark, first_received_month from {WATERMARK_RELATION}"
        ).fetchone() or (None, None)
    taken: frozenset[dt.date] = frozenset()
    if exists("marts", "period_close"):
        taken = frozenset(r[0] for r in conn.execute("select distinct month from marts.period_close").fetchall())
    return CloseBounds(watermark, first_month, taken)
