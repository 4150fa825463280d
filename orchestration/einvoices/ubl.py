"""One UBL 2 e-invoice (OIOUBL 2.x, OIOUBL 3, Peppol BIS Billing 3.0) from its bytes: the fields
of the issue's table and EINVOICES.md ("Fields"), the quarantine reason, and the findings that
need nothing but the document itself (see docs/einvoices.md for the split with dbt).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from .payment import PaymentMeans, with_check_digit

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "FAKTURA",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "KREDITNOTA",
}

# quarantine reasons (EINVOICES.md "Input")
NOT_WELL_FORMED = "NOT_WELL_FORMED"
NOT_AN_INVOICE = "NOT_AN_INVOICE"
UNKNOWN_CUSTOMIZATION = "UNKNOWN_CUSTOMIZATION"
QUARANTINE_REASONS = (NOT_WELL_FORMED, NOT_AN_INVOICE, UNKNOWN_CUSTOMIZATION)

# syntaxes: (CustomizationID pattern, syntax, reads like)
OIOUBL2, BIS3 = "oioubl2", "bis3"
CUSTOMIZATIONS = (
    ("OIOUBL-2.01", "OIOUBL", OIOUBL2),
    ("OIOUBL-2.02", "OIOUBL", OIOUBL2),
    ("OIOUBL-2.1", "OIOUBL", OIOUBL2),
    ("urn:fdc:oioubl.dk:trns:billing:*:3.0", "OIOUBL", BIS3),
    ("urn:cen.eu:en16931:2017*", "PEPPOL", BIS3),
)
CVR_SCHEMES = ("0184", "DK:CVR")
EAN_SCHEME = {OIOUBL2: "GLN", BIS3: "0088"}

# the findings decided here, at read time (the rest are decided in dbt against the ERP's data)
PAYMENT_MEANS_MISSING = "PAYMENT_MEANS_MISSING"
PAYMENT_ACCOUNT_INVALID = "PAYMENT_ACCOUNT_INVALID"
PAYMENT_CHECK_DIGIT = "PAYMENT_CHECK_DIGIT"
DUE_DATE_MISSING = "DUE_DATE_MISSING"
DUE_BEFORE_ISSUE = "DUE_BEFORE_ISSUE"
DUE_OVER_30_DAYS = "DUE_OVER_30_DAYS"
APPROVER_MISSING = "APPROVER_MISSING"
APPROVER_MALFORMED = "APPROVER_MALFORMED"
READ_TIME_FINDINGS = (
    APPROVER_MISSING, APPROVER_MALFORMED, PAYMENT_MEANS_MISSING, PAYMENT_ACCOUNT_INVALID,
    PAYMENT_CHECK_DIGIT, DUE_DATE_MISSING, DUE_BEFORE_ISSUE, DUE_OVER_30_DAYS,
)
MAX_DUE_DAYS = 30  # EINVOICES.md: DUE_OVER_30_DAYS
_BARE_USER_ID = re.compile(r"[A-Za-z0-9ÆØÅæøå]+")

# lxml: no DTDs, no entities, no network; the same on every file
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True)


@dataclass(frozen=True)
class Finding:
    code: str
    value_seen: str | None
    expected: str


@dataclass
class Document:
    syntax: str  # OIOUBL / PEPPOL
    customization_id: str
    document_type: str  # FAKTURA / KREDITNOTA
    invoice_number: str | None
    issue_date: dt.date | None
    due_date: dt.date | None
    supplier_endpoint_id: str | None
    supplier_endpoint_scheme: str | None
    supplier_cvr: str | None
    buyer_ean: str | None
    order_reference: str | None
    approver_id: str | None
    currency: str | None
    payable_amount: Decimal | None
    payment_means: list[PaymentMeans] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


class Quarantined(Exception):
    """The file is no document the pipeline reads: `reason` is one of QUARANTINE_REASONS."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _text(node, path: str) -> str | None:
    """The stripped text of the first match of `path` under `node`; None when absent or empty."""
    found = node.find(path, NS)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def _date(node, path: str) -> dt.date | None:
    value = _text(node, path)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None  # an unreadable date counts as absent (see docs/einvoices.md)


def _amount(node, path: str) -> Decimal | None:
    value = _text(node, path)
    try:
        return Decimal(value).quantize(Decimal("0.01")) if value is not None else None
    except InvalidOperation:
        return None


def _syntax(customization_id: str | None) -> tuple[str, str] | None:
    if customization_id is None:
        return None
    for pattern, syntax, dialect in CUSTOMIZATIONS:
        if fnmatch.fnmatchcase(customization_id, pattern):
            return syntax, dialect
    return None


def _bare_cvr(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.replace(" ", "")
    return value[2:] if value.upper().startswith("DK") else value


def _payment_means(node, position: int, dialect: str) -> PaymentMeans:
    code = _text(node, "cbc:PaymentMeansCode")
    payment_id = _text(node, "cbc:PaymentID")
    instruction_id = _text(node, "cbc:InstructionID")
    payee_account = _text(node, "cac:PayeeFinancialAccount/cbc:ID")
    credit_account = _text(node, "cac:CreditAccount/cbc:AccountID")
    branch_id = _text(node, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID")
    bic = _text(node, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cac:FinancialInstitution/cbc:ID") \
        or branch_id
    card_type = payment_ref = None
    account = payee_account
    if code in ("50", "93"):
        if dialect == OIOUBL2:
            card_type, payment_ref, account = payment_id, instruction_id, credit_account
        elif payment_id is not None:
            card_type, _, payment_ref = payment_id.partition("#")
            card_type, payment_ref = card_type or None, payment_ref or None
    return PaymentMeans(position, code, payment_id, instruction_id, _text(node, "cbc:PaymentChannelCode"),
                        payee_account, credit_account, branch_id, bic, card_type, payment_ref, account)


def parse_document(data: bytes) -> Document:
    """The document in `data`, or `Quarantined` with the reason and a detail naming line and column."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        line, column = e.position if e.position else (e.lineno, 0)
        raise Quarantined(NOT_WELL_FORMED, f"line {line}, column {column}: {e.msg}") from None
    document_type = ROOTS.get(root.tag)
    if document_type is None:
        tag = etree.QName(root)
        raise Quarantined(NOT_AN_INVOICE, f"the root element is {tag.localname!r} in namespace "
                          f"{tag.namespace!r}, not a UBL 2 Invoice or CreditNote (line {root.sourceline})")
    customization_id = _text(root, "cbc:CustomizationID")
    syntax = _syntax(customization_id)
    if syntax is None:
        raise Quarantined(UNKNOWN_CUSTOMIZATION, f"cbc:CustomizationID is {customization_id!r}: neither OIOUBL "
                          "(OIOUBL-2.01/-2.02/-2.1, urn:fdc:oioubl.dk:trns:billing:*:3.0) nor Peppol BIS 3 "
                          "(urn:cen.eu:en16931:2017*)")
    syntax_name, dialect = syntax

    supplier = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    endpoint = supplier.find("cbc:EndpointID", NS) if supplier is not None else None
    endpoint_id = endpoint.text.strip() if endpoint is not None and endpoint.text and endpoint.text.strip() else None
    endpoint_scheme = endpoint.get("schemeID") if endpoint is not None else None
    cvr = None
    if endpoint_id is not None and endpoint_scheme in CVR_SCHEMES:
        cvr = _bare_cvr(endpoint_id)
    elif supplier is not None:
        for company in supplier.iterfind("cac:PartyLegalEntity/cbc:CompanyID", NS):
            if company.get("schemeID") in CVR_SCHEMES and company.text and company.text.strip():
                cvr = _bare_cvr(company.text.strip())
                break

    buyer_ean = None
    for ep in root.iterfind("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS):
        if ep.get("schemeID") == EAN_SCHEME[dialect] and ep.text and ep.text.strip():
            buyer_ean = ep.text.strip()
            break

    order_reference = _text(root, "cac:OrderReference/cbc:ID")
    if order_reference == "NA":
        order_reference = None
    approver = _text(root, "cac:AccountingCustomerParty/cac:Party/cac:Contact/cbc:ID") if dialect == OIOUBL2 \
        else _text(root, "cbc:BuyerReference")

    means_nodes = root.findall("cac:PaymentMeans", NS)
    due_date = _date(root, "cbc:DueDate") or next(
        (d for d in (_date(n, "cbc:PaymentDueDate") for n in means_nodes) if d is not None), None)

    doc = Document(
        syntax=syntax_name, customization_id=customization_id, document_type=document_type,
        invoice_number=_text(root, "cbc:ID"), issue_date=_date(root, "cbc:IssueDate"), due_date=due_date,
        supplier_endpoint_id=endpoint_id, supplier_endpoint_scheme=endpoint_scheme, supplier_cvr=cvr,
        buyer_ean=buyer_ean, order_reference=order_reference, approver_id=approver,
        currency=_text(root, "cbc:DocumentCurrencyCode"),
        payable_amount=_amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount"),
        payment_means=[_payment_means(n, i, dialect) for i, n in enumerate(means_nodes, start=1)],
    )
    if document_type == "FAKTURA":  # credit notes: only the supplier, buyer and PO checks (in dbt)
        doc.findings = document_findings(doc)
    return doc


def document_findings(doc: Document) -> list[Finding]:
    """The read-time findings of an invoice, at most one per code (the first case in document order)."""
    out: list[Finding] = []
    if doc.order_reference is None:
        if doc.approver_id is None:
            out.append(Finding(APPROVER_MISSING, None, "an order reference or an approver's user id"))
        elif not _BARE_USER_ID.fullmatch(doc.approver_id):
            out.append(Finding(APPROVER_MALFORMED, doc.approver_id, "a bare user id (letters and digits only)"))
    if not doc.payment_means:
        out.append(Finding(PAYMENT_MEANS_MISSING, None, "at least one cac:PaymentMeans"))
    for pm in doc.payment_means:
        problem = pm.account_problem()
        if problem:
            out.append(Finding(PAYMENT_ACCOUNT_INVALID, f"payment means {pm.position}: {problem}",
                               "account data that fit the payment means code"))
            break
    for pm in doc.payment_means:
        ref = pm.check_digit_problem()
        if ref:
            out.append(Finding(PAYMENT_CHECK_DIGIT, ref, f"{with_check_digit(ref)} (FI modulus 10)"))
            break
    if doc.due_date is None:
        out.append(Finding(DUE_DATE_MISSING, None, "cbc:DueDate or cac:PaymentMeans/cbc:PaymentDueDate"))
    elif doc.issue_date is not None:
        days = (doc.due_date - doc.issue_date).days
        if days < 0:
            out.append(Finding(DUE_BEFORE_ISSUE, doc.due_date.isoformat(), f"on or after {doc.issue_date.isoformat()}"))
        elif days > MAX_DUE_DAYS:
            out.append(Finding(DUE_OVER_30_DAYS, doc.due_date.isoformat(),
                               f"at most {MAX_DUE_DAYS} days after {doc.issue_date.isoformat()}, "
                               f"by {(doc.issue_date + dt.timedelta(days=MAX_DUE_DAYS)).isoformat()}"))
    return out
