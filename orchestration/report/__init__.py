"""The Monday/Thursday follow-up report (KS-opfølgningsrapport), built from the marts.

    build_report(conn, out_dir, as_of=None) -> ReportResult

writes `out_dir/<as-of date>/opfoelgningsrapport_<date>.xlsx` (the lists, with names) and
`opfoelgningsrapport_<date>.html` (key figures and charts). See docs/report.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from orchestration.report.data import key_figures, read_report_data
from orchestration.report.einvoices import add_einvoice_sheet, einvoice_html, read_einvoice_section
from orchestration.report.excel import write_workbook
from orchestration.report.html import render_html

__all__ = ["ReportResult", "build_report"]


@dataclass(frozen=True)
class ReportResult:
    as_of: dt.date
    folder: Path
    workbook: Path
    html: Path
    rows: dict[str, int]  # data rows per sheet (sheet name -> rows)
    key_figures: dict[str, Any]  # English key -> int, float (DKK, rates) or None


def build_report(
    conn: duckdb.DuckDBPyConnection, out_dir: Path, *, as_of: dt.date | None = None
) -> ReportResult:
    """Write the follow-up report for `as_of` (default: the `as_of_date` of marts.invoice_status).

    Raises ValueError when the marts are empty or computed as of another date than `as_of`.
    """
    data = read_report_data(conn, as_of)
    folder = Path(out_dir) / data.as_of.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"opfoelgningsrapport_{data.as_of.isoformat()}"
    workbook = folder / f"{stem}.xlsx"
    html = folder / f"{stem}.html"

    figures = key_figures(data)
    rows = write_workbook(data, workbook, [(f.label, f.kind, f.value) for f in figures])
    page = render_html(data, figures, workbook.name)
    # e-invoices at the door (docs/einvoices.md): only when the e-invoice models are built
    if (einvoices := read_einvoice_section(conn)) is not None:
        rows["E-fakturaer"] = add_einvoice_sheet(workbook, einvoices, data.as_of)
        page = page.replace("<footer>", einvoice_html(einvoices) + "\n<footer>", 1)
    html.write_text(page, encoding="utf-8")
    # the process map also as a picture beside the report, for slides and mails
    from orchestration.report.charts import process_map_figure, save_png

    figure = process_map_figure(data)
    if figure is not None:
        save_png(figure, folder / f"procesdiagram_{data.as_of.isoformat()}.png")
    return ReportResult(
        as_of=data.as_of,
        folder=folder,
        workbook=workbook,
        html=html,
        rows=rows,
        key_figures={f.key: float(f.value) if isinstance(f.value, Decimal) else f.value for f in figures},
    )
