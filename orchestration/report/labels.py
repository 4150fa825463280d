"""Danish texts and number formats shared by the workbook and the HTML page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

TITLE = "KS-opfølgningsrapport – rettidig betaling af leverandørfakturaer"
PERSONAL_DATA_NOTICE = "Indeholder personoplysninger – må kun bruges til intern opfølgning"
NO_CLOSED_MONTHS = "Ingen lukkede måneder endnu: der er ikke taget noget periodeluk, så der er intet at sammenligne med milepælene."

MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
             "oktober", "november", "december")
MONTHS_SHORT_DA = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

# Column kinds decide the Excel number format and the HTML formatting.
INT, DKK, DATE, RATE, BOOL, TEXT = "int", "dkk", "date", "rate", "bool", "text"

EXCEL_FORMATS = {INT: "#,##0", DKK: "#,##0.00", DATE: "dd-mm-yyyy", RATE: "0.0%"}

# Column -> (Danish header, kind). One label per mart column, used on every sheet that shows it.
COLUMNS: dict[str, tuple[str, str]] = {
    "invoice_id": ("Bilagsnummer", TEXT),
    "department": ("Forvaltning", TEXT),
    "department_name": ("Forvaltningens navn", TEXT),
    "supplier_id": ("Leverandørnr.", TEXT),
    "received_date": ("Modtaget", DATE),
    "due_date": ("Forfaldsdato", DATE),
    "amount_dkk": ("Beløb (DKK)", DKK),
    "days_lying": ("Liggetid (dage)", INT),
    "lying_bucket": ("Liggetidsinterval", TEXT),
    "is_overdue": ("Forfalden", BOOL),
    "days_overdue": ("Dage over forfald", INT),
    "is_in_process": ("I behandling", BOOL),
    "has_payment_block": ("Betalingsspærre", BOOL),
    "holder_user_id": ("Behandler (bruger-id)", TEXT),
    "holder_name": ("Behandler (navn)", TEXT),
    "next_approver_user_id": ("Næste godkender (bruger-id)", TEXT),
    "next_approver_name": ("Næste godkender (navn)", TEXT),
    # summary by department
    "in_process": ("I behandling", INT),
    "lying_13_30": ("Liggetid 13-30 dage", INT),
    "lying_22_plus": ("Liggetid 22+ dage", INT),
    "overdue": ("Forfaldne (antal)", INT),
    "overdue_amount_dkk": ("Forfaldne (DKK)", DKK),
    "missing_goods_receipt": ("Manglende varemodtagelse", INT),
    "payment_blocked": ("Betalingsspærre", INT),
    "holder_without_access": ("Behandler uden adgang", INT),
    "escalation_candidates": ("Eskaleringskandidater", INT),
    "invoices_paid": ("Betalt i måneden", INT),
    "paid_on_time": ("Heraf rettidigt", INT),
    "on_time_rate": ("Rettidighed", RATE),
    "target_overdue": ("Milepæl forfaldne", INT),
    "target_lying_13_30": ("Milepæl liggetid 13-30", INT),
    # supplier contact list
    "year": ("År", TEXT),
    "documents": ("Dokumenter", INT),
    "po_number_errors": ("Fejl i ordrenummer", INT),
    "payment_info_errors": ("Fejl i betalingsoplysninger", INT),
    "supplier_caused_returns": ("Returneret pga. leverandøren", INT),
    "error_documents": ("Dokumenter med fejl", INT),
    "error_rate": ("Fejlrate", RATE),
    # escalation worklist (R14)
    "trigger_text": ("Årsag", TEXT),
    "days_to_due": ("Dage til forfald", INT),
    "bank_days_to_due": ("Bankdage til forfald", INT),
    "holder_since_date": ("Hos behandler siden", DATE),
    "bank_days_with_holder": ("Bankdage hos behandler", INT),
    "escalation_target_user_id": ("Eskaleres til (bruger-id)", TEXT),
    "escalation_target_name": ("Eskaleres til (navn)", TEXT),
    "escalation_issue_text": ("Problem i lederkæden", TEXT),
    # expense claims (R16)
    "claim_id": ("Udlægsnummer", TEXT),
    "employee_user_id": ("Medarbejder (bruger-id)", TEXT),
    "employee_name": ("Medarbejder (navn)", TEXT),
    "expense_date": ("Udgiftsdato", DATE),
    "submitted_date": ("Indsendt", DATE),
    "expense_type": ("Udgiftstype", TEXT),
    "status": ("Status", TEXT),
    "is_open": ("Åben", BOOL),
    "days_open": ("Dage åben", INT),
    "open_bucket": ("Aldersinterval", TEXT),
    "approver_user_id": ("Godkender (bruger-id)", TEXT),
    "approver_name": ("Godkender (navn)", TEXT),
    "flags_text": ("Kontrolpunkter", TEXT),
    "open_claims": ("Åbne udlæg", INT),
    "open_0_12": ("Åbne 0-12 dage", INT),
    "open_13_21": ("Åbne 13-21 dage", INT),
    "open_22_30": ("Åbne 22-30 dage", INT),
    "open_31_plus": ("Åbne 31+ dage", INT),
    "flagged_claims": ("Med kontrolpunkt", INT),
    "paid": ("Udbetalt", INT),
    "paid_within_limit": ("Udbetalt inden 30 dage", INT),
    "paid_within_limit_rate": ("Andel inden 30 dage", RATE),
    # process variants (R15)
    "variant": ("Procesforløb", TEXT),
    "invoices": ("Fakturaer", INT),
    "share_of_invoices": ("Andel", RATE),
    "median_days_to_pay": ("Median dage til betaling", INT),
}

# R15 steps in Danish, in process order.
STEPS = {"KS": "Koncernservice", "APPROVAL": "Godkendelse", "POSTING": "Til bogføring",
         "PAYMENT": "Til betaling", "BLOCKED": "Spærret"}


def header(column: str) -> str:
    return COLUMNS[column][0]


def kind(column: str) -> str:
    return COLUMNS[column][1]


def month_name(month: dt.date) -> str:
    return f"{MONTHS_DA[month.month - 1]} {month.year}"


def month_short(month: dt.date) -> str:
    return f"{MONTHS_SHORT_DA[month.month - 1]} {month.year % 100:02d}"


def fmt_date(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def _danish_separators(text: str) -> str:
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_int(value: int | None) -> str:
    return "" if value is None else _danish_separators(f"{int(value):,}")


def fmt_dkk(value: Decimal | float | None) -> str:
    return "" if value is None else _danish_separators(f"{Decimal(value):,.2f}")


def fmt_rate(value: float | None) -> str:
    return "–" if value is None else _danish_separators(f"{float(value) * 100:.1f}") + " %"


def fmt_value(value: Any, kind_: str) -> str:
    """A value as Danish text, by column kind (the HTML page and column widths)."""
    if value is None:
        return ""
    if kind_ == INT:
        return fmt_int(value)
    if kind_ == DKK:
        return fmt_dkk(value)
    if kind_ == DATE:
        return fmt_date(value)
    if kind_ == RATE:
        return fmt_rate(value)
    if kind_ == BOOL:
        return "Ja" if value else "Nej"
    return str(value)
