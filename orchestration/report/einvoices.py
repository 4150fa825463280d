"""The follow-up report's section "E-fakturaer ved døren" (e-invoices at the door, docs/einvoices.md).

Every number is read from the dbt models `reporting.rpt_einvoice_summary`,
`reporting.rpt_einvoice_findings_by_code` and `reporting.rpt_einvoice_findings_by_supplier`; this
module only formats them. A warehouse without those tables (no e-invoice models built) gives no
section.

    read_einvoice_section(conn) -> EinvoiceSection | None
    einvoice_html(section) -> str                   a <section> for the HTML page
    add_einvoice_sheet(workbook_path, section, as_of) -> int   a sheet in the Excel workbook
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path

import duckdb
from openpyxl import load_workbook
from openpyxl.styles import Font

from orchestration.report.data import Table

SHEET_NAME = "E-fakturaer"
TITLE = "E-fakturaer ved døren"
_TABLES = ("rpt_einvoice_summary", "rpt_einvoice_findings_by_code", "rpt_einvoice_findings_by_supplier")
_CODE_HEADERS = {
    "finding_code": "Fund", "description_da": "Betydning", "flagged": "Fakturaer med fundet",
    "matched": "Heraf fundet i Kvantum", "returned_for_supplier_reason": "Heraf returneret (leverandørårsag)",
    "precision": "Træfsikkerhed",
}
_SUPPLIER_HEADERS = {
    "supplier_id": "Leverandør", "supplier_name": "Navn", "documents": "E-fakturaer", "flagged": "Med fund",
    "finding_codes": "Fund", "flagged_returned": "Med fund og returneret", "r10_error_documents": "Fejl i Kvantum (R10)",
    "r10_is_systematic": "På kontaktlisten (R10)",
}
SUPPLIER_ROWS = 15  # the HTML shows the suppliers with most flagged documents; the sheet all of them


@dataclass(frozen=True)
class EinvoiceSection:
    summary: dict
    by_code: Table
    by_supplier: Table


def _table(conn: duckdb.DuckDBPyConnection, sql: str) -> Table:
    cursor = conn.execute(sql)
    return Table(tuple(d[0] for d in cursor.description), cursor.fetchall())


def read_einvoice_section(conn: duckdb.DuckDBPyConnection) -> EinvoiceSection | None:
    present = {name for (name,) in conn.execute(
        "select table_name from duckdb_tables() where schema_name = 'reporting' and database_name = current_database()"
    ).fetchall()}
    if not set(_TABLES) <= present:
        return None
    summary = _table(conn, "select * from reporting.rpt_einvoice_summary").records()
    if not summary or not (summary[0]["documents_read"] or summary[0]["files_quarantined"]):
        return None  # no e-invoice folder: nothing to say
    by_code = _table(conn, "select finding_code, description_da, flagged, matched, returned_for_supplier_reason, "
                           "precision from reporting.rpt_einvoice_findings_by_code "
                           "order by flagged desc, finding_code")
    by_supplier = _table(conn, "select supplier_id, supplier_name, documents, flagged, finding_codes, "
                               "flagged_returned, r10_error_documents, r10_is_systematic "
                               "from reporting.rpt_einvoice_findings_by_supplier where flagged > 0 "
                               "order by flagged desc, supplier_id nulls first")
    return EinvoiceSection(summary[0], by_code, by_supplier)


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        return f"{value * 100:.0f} %".replace(".", ",")
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


def _html_table(table: Table, headers: dict[str, str], limit: int | None = None) -> str:
    rows = table.rows[:limit] if limit else table.rows
    head = "".join(f"<th>{escape(headers.get(c, c))}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_fmt(v) if c != 'supplier_id' or v else 'ukendt CVR')}</td>"
                         for c, v in zip(table.columns, row)) + "</tr>"
        for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def einvoice_html(section: EinvoiceSection) -> str:
    s = section.summary
    note = (
        f"{_fmt(s['documents_read'])} e-fakturaer (OIOUBL og Peppol) læst fra NemHandel-indbakken, "
        f"{_fmt(s['files_quarantined'])} filer sat i karantæne (ikke XML: {_fmt(s['files_not_well_formed'])}, "
        f"ikke en faktura: {_fmt(s['files_not_an_invoice'])}, ukendt format: {_fmt(s['files_unknown_customization'])}). "
        f"{_fmt(s['documents_flagged'])} havde mindst ét fund. Af de {_fmt(s['documents_returned_for_supplier_reason'])} "
        f"fakturaer, som Kvantum senere returnerede eller afviste af en leverandørårsag, havde "
        f"{_fmt(s['returns_predicted'])} et fund ved døren."
    )
    suppliers = (f"<h3>Leverandører med flest fund</h3>{_html_table(section.by_supplier, _SUPPLIER_HEADERS, SUPPLIER_ROWS)}"
                 if len(section.by_supplier) else "")
    return (
        f'<section id="einvoices"><h2>{escape(TITLE)}</h2><p class="note">{escape(note)}</p>'
        f"<h3>Fund efter art</h3>{_html_table(section.by_code, _CODE_HEADERS)}{suppliers}</section>"
    )


def add_einvoice_sheet(workbook: Path, section: EinvoiceSection, as_of: dt.date) -> int:
    """Append the sheet (findings by kind, then every supplier with findings); returns its data rows."""
    wb = load_workbook(workbook)
    ws = wb.create_sheet(SHEET_NAME)
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"Opgjort pr. {as_of.strftime('%d-%m-%Y')}"
    row = 4
    for table, headers in ((section.by_code, _CODE_HEADERS), (section.by_supplier, _SUPPLIER_HEADERS)):
        for c, column in enumerate(table.columns, start=1):
            ws.cell(row, c, headers.get(column, column)).font = Font(bold=True)
        for values in table.rows:
            row += 1
            for c, value in enumerate(values, start=1):
                ws.cell(row, c, value)
        row += 3
    wb.save(workbook)
    return len(section.by_code) + len(section.by_supplier)
