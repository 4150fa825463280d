"""The follow-up workbook (openpyxl): a front sheet, the summary by department and one sheet per list."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from orchestration.report import labels as L
from orchestration.report.data import ReportData, Table

HEADER_ROW = 4  # rows 1-3: title, as-of line, personal-data notice
FIRST_DATA_ROW = HEADER_ROW + 1

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_NOTICE_FONT = Font(bold=True, color="9C0006")
_NOTICE_FILL = PatternFill("solid", fgColor="FFC7CE")
_TOTAL_BORDER = Border(top=Side(style="thin"), bottom=Side(style="double"))

_INVOICE_COLUMNS = [
    "invoice_id", "department", "department_name", "supplier_id", "received_date", "due_date",
    "amount_dkk", "days_lying", "lying_bucket", "is_overdue", "days_overdue",
    "holder_user_id", "holder_name",
]


@dataclass(frozen=True)
class SheetSpec:
    name: str  # at most 31 characters
    title: str
    table: str  # attribute of ReportData
    columns: list[str]
    personal_data: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    total_row: bool = False


def sheet_specs(data: ReportData) -> list[SheetSpec]:
    paid_month = L.month_name(data.as_of.replace(day=1))
    return [
        SheetSpec(
            "Oversigt",
            "Oversigt pr. forvaltning",
            "summary",
            ["department", "department_name", "in_process", "lying_13_30", "lying_22_plus", "overdue",
             "overdue_amount_dkk", "missing_goods_receipt", "payment_blocked", "holder_without_access",
             "escalation_candidates", "invoices_paid", "paid_on_time", "on_time_rate",
             "target_overdue", "target_lying_13_30"],
            personal_data=False,
            headers={
                "invoices_paid": f"Betalt i {paid_month}",
                "paid_on_time": "Heraf rettidigt",
                "on_time_rate": f"Rettidighed {paid_month}",
                # the milestones valid for D's month (rpt_department_summary)
                "target_overdue": f"Milepæl forfaldne ({paid_month})",
                "target_lying_13_30": f"Milepæl liggetid 13-30 ({paid_month})",
            },
            total_row=True,
        ),
        SheetSpec(
            "Manglende varemodtagelse",
            "Fakturaer i behandling med indkøbsordre uden varemodtagelse",
            "missing_goods_receipt",
            _INVOICE_COLUMNS,
        ),
        SheetSpec(
            "Behandler uden adgang",
            "Fakturaer i behandling hos medarbejdere uden adgang til Kvantum",
            "holder_without_access",
            _INVOICE_COLUMNS,
        ),
        SheetSpec(
            "Betalingsspærre",
            "Bogførte, ubetalte fakturaer med betalingsspærre",
            "payment_blocked",
            _INVOICE_COLUMNS,
        ),
        SheetSpec(
            "Eskaleringsliste",
            "Fakturaer der har ligget 22 dage eller mere uden godkendelse – med næste godkender",
            "escalation",
            ["invoice_id", "department", "department_name", "days_lying", "due_date", "amount_dkk",
             "holder_user_id", "holder_name", "next_approver_user_id", "next_approver_name"],
        ),
        SheetSpec(
            "Eskalering (tæt på forfald)",
            "Eskaleringsliste: fakturaer tæt på forfald (5 bankdage) og 22 dage eller mere uden godkendelse – "
            "med eskaleringsmodtager eller problem i lederkæden",
            "escalation_worklist",
            ["invoice_id", "department", "department_name", "trigger_text", "due_date", "days_to_due",
             "bank_days_to_due", "days_lying", "amount_dkk", "supplier_id", "holder_user_id", "holder_name",
             "holder_since_date", "bank_days_with_holder", "escalation_target_user_id", "escalation_target_name",
             "escalation_issue_text"],
        ),
        SheetSpec(
            "Forfaldne fakturaer",
            "Ubetalte fakturaer over forfaldsdato, pr. forvaltning",
            "overdue",
            [c for c in _INVOICE_COLUMNS if c != "is_overdue"] + ["is_in_process", "has_payment_block"],
        ),
        SheetSpec(
            "Leverandørkontakt",
            f"Leverandører med systematiske fejl (over 25 dokumenter og høj fejlrate), {data.supplier_year or 'intet år'}",
            "supplier_contacts",
            ["year", "supplier_id", "documents", "po_number_errors", "payment_info_errors",
             "supplier_caused_returns", "error_documents", "error_rate"],
            personal_data=False,
        ),
        SheetSpec(
            "Udlæg",
            "Udlæg: åbne udlæg og udlæg med kontrolpunkter (selvgodkendt, ikke leder, kvittering, formål, "
            "deltagere, mulig dublet, for sen indsendelse)",
            "expense_claims_worklist",
            ["claim_id", "department", "department_name", "employee_user_id", "employee_name", "expense_type",
             "expense_date", "submitted_date", "amount_dkk", "status", "is_open", "days_open", "open_bucket",
             "approver_user_id", "approver_name", "flags_text"],
        ),
        SheetSpec(
            "Udlæg pr. forvaltning",
            "Udlæg pr. forvaltning: åbne efter alder, med kontrolpunkter, udbetalt inden for 30 dage",
            "expense_claims_by_department",
            ["department", "department_name", "open_claims", "open_0_12", "open_13_21", "open_22_30",
             "open_31_plus", "flagged_claims", "paid", "paid_within_limit", "paid_within_limit_rate"],
            personal_data=False,
        ),
    ]


def write_workbook(data: ReportData, path: Path, key_figures: list[tuple[str, str, str]]) -> dict[str, int]:
    """Write the workbook; returns data rows per sheet (total rows not counted).

    `key_figures`: (Danish label, value kind, value) rows for the front sheet.
    """
    wb = Workbook()
    front = wb.active
    front.title = "Forside"
    specs = sheet_specs(data)
    rows: dict[str, int] = {}
    for spec in specs:
        table: Table = getattr(data, spec.table)
        rows[spec.name] = len(table) - (1 if spec.total_row else 0)
        _write_list_sheet(wb.create_sheet(spec.name), spec, table, data)
    _write_front_sheet(front, data, specs, rows, key_figures)
    wb.properties.title = f"KS-opfølgningsrapport {L.fmt_date(data.as_of)}"
    wb.properties.creator = "rettidig"
    wb.save(path)
    return rows


def _as_of_line(data: ReportData) -> str:
    return f"Opgjort pr. {L.fmt_date(data.as_of)} · datavandmærke {L.fmt_date(data.data_watermark)}"


def _write_list_sheet(ws: Worksheet, spec: SheetSpec, table: Table, data: ReportData) -> None:
    ws["A1"] = spec.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = _as_of_line(data)
    if spec.personal_data:
        ws["A3"] = L.PERSONAL_DATA_NOTICE
        ws["A3"].font = _NOTICE_FONT

    widths = []
    for index, column in enumerate(spec.columns, start=1):
        cell = ws.cell(HEADER_ROW, index, spec.headers.get(column, L.header(column)))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        widths.append(min(len(cell.value), 14))  # long headers wrap
    ws.row_dimensions[HEADER_ROW].height = 32

    positions = [table.columns.index(c) for c in spec.columns]
    kinds = [L.kind(c) for c in spec.columns]
    for r, row in enumerate(table.rows, start=FIRST_DATA_ROW):
        for c, (position, kind) in enumerate(zip(positions, kinds), start=1):
            value = row[position]
            if kind == L.BOOL and value is not None:
                value = "Ja" if value else "Nej"
            cell = ws.cell(r, c, value)
            if kind in L.EXCEL_FORMATS:
                cell.number_format = L.EXCEL_FORMATS[kind]
            widths[c - 1] = max(widths[c - 1], len(L.fmt_value(row[position], kind)))

    last_column = get_column_letter(len(spec.columns))
    data_rows = len(table) - (1 if spec.total_row else 0)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{HEADER_ROW + data_rows}"
    if spec.total_row and table.rows:
        for cell in ws[FIRST_DATA_ROW + data_rows]:
            cell.font = Font(bold=True)
            cell.border = _TOTAL_BORDER
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 2)  # header rows and the first column stay in view
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = min(width + 3, 45)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_front_sheet(ws: Worksheet, data: ReportData, specs: list[SheetSpec], rows: dict[str, int],
                       key_figures: list[tuple[str, str, object]]) -> None:
    ws["A1"] = L.TITLE
    ws["A1"].font = Font(bold=True, size=16)
    info = [
        ("Opgjort pr.", data.as_of),
        ("Datavandmærke", data.data_watermark),
    ]
    for r, (label, value) in enumerate(info, start=3):
        ws.cell(r, 1, label).font = Font(bold=True)
        ws.cell(r, 2, value).number_format = L.EXCEL_FORMATS[L.DATE]
        ws.cell(r, 2).alignment = Alignment(horizontal="left")
    ws.cell(5, 1, "Seneste periodeluk").font = Font(bold=True)
    close = data.latest_close
    ws.cell(5, 2, L.month_name(close["month"]) if close else "Ingen lukkede måneder endnu")

    ws.merge_cells("A7:C7")
    notice = ws["A7"]
    notice.value = L.PERSONAL_DATA_NOTICE
    notice.font = Font(bold=True, size=12, color="9C0006")
    notice.fill = _NOTICE_FILL
    ws.row_dimensions[7].height = 22

    r = 9
    ws.cell(r, 1, "Nøgletal").font = Font(bold=True, size=13)
    for label, kind, value in key_figures:
        r += 1
        ws.cell(r, 1, label)
        cell = ws.cell(r, 2, value)
        if kind in L.EXCEL_FORMATS:
            cell.number_format = L.EXCEL_FORMATS[kind]
        cell.alignment = Alignment(horizontal="right")

    r += 2
    for c, text in enumerate(("Ark", "Indhold", "Rækker"), start=1):
        cell = ws.cell(r, c, text)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for spec in specs:
        r += 1
        ws.cell(r, 1, spec.name)
        ws.cell(r, 2, spec.title + (" (personoplysninger)" if spec.personal_data else ""))
        ws.cell(r, 3, rows[spec.name]).number_format = L.EXCEL_FORMATS[L.INT]

    r += 2
    source = ws.cell(r, 1, "Kilde: marts i datavarehuset (samme tal som BI-værktøjerne); "
                           "navne fra Kvantums brugerliste.")
    source.font = Font(italic=True, color="595959")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["C"].width = 10
