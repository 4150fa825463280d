"""The e-invoice reader on hand-written XML (tests/einvoices/): fields of both syntaxes, the
read-time findings, the quarantine reasons, the hash key, and the FI-card check digit."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.einvoices.payment import PaymentMeans, fi_check_digit, fi_check_digit_ok
from orchestration.einvoices.reader import einvoices_dir, read_einvoice_folder
from orchestration.einvoices.ubl import Quarantined, parse_document

FIXTURES = Path(__file__).parent / "einvoices"


def parse(name: str):
    return parse_document((FIXTURES / name).read_bytes())


def codes(doc) -> list[str]:
    return [f.code for f in doc.findings]


# --- the check digit ------------------------------------------------------------------------

@pytest.mark.parametrize("number, ok", [
    ("79927398713", True),  # the classic Luhn example
    ("79927398710", False),
    ("000000001234566", True),  # FIK card 71, 15 digits
    ("000000001234567", False),  # the payment id of examples/leverandoerer_*.csv: last digit off by one
    ("1234567890123452", True),  # 16 digits (card 75, giro 04/15)
    ("1234567890123456", False),
    ("0000000000000000", True),
    ("18", True),  # 1 x 2 = 2 -> (10 - 2) % 10 = 8
    ("59", True),  # 5 x 2 = 10 -> 1 + 0 = 1 -> 9
    ("91", True),  # 9 x 2 = 18 -> 1 + 8 = 9 -> 1
    ("90", False),
])
def test_fi_check_digit_on_known_numbers(number, ok):
    assert fi_check_digit_ok(number) is ok


def test_fi_check_digit_weights_from_the_right():
    # 4 2 6: from the right 6x2=12 -> 3, 2x1=2, 4x2=8 -> 13 -> check 7
    assert fi_check_digit("426") == 7
    assert fi_check_digit("") == 0
    with pytest.raises(ValueError):
        fi_check_digit("12a")


def pm(code, *, card=None, ref=None, account=None, branch=None, bic=None, payee=None, credit=None):
    return PaymentMeans(1, code, None, None, None, payee, credit, branch, bic, card, ref, account)


@pytest.mark.parametrize("means, problem", [
    (pm("31", account="DK5000400440116243", bic="DABADKKK"), None),
    (pm("31", account=None, bic="DABADKKK"), "code 31 without an IBAN"),
    (pm("31", account="DK5000400440116243"), "code 31 without a BIC"),
    (pm("42", branch="1551", account="0001234567"), None),
    (pm("42", branch="1551", account="1"), None),
    (pm("42", branch="155", account="0001234567"), "code 42 with registration number '155'"),
    (pm("42", branch="1551", account="00012345678"), "code 42 with account '00012345678'"),
    (pm("42", branch="1551", account=None), "code 42 with account None"),
    (pm("50", card="01", account="1234567"), None),
    (pm("50", card="04", ref="1234567890123452", account="12345678"), None),
    (pm("50", card="71", account="1234567"), "code 50 with card type '71'"),
    (pm("50", card="01", account="123456"), "code 50 with giro account '123456'"),
    (pm("50", card="15", ref="123", account="1234567"), "code 50 card 15 with payment id '123'"),
    (pm("93", card="71", ref="000000001234566", account="85498772"), None),
    (pm("93", card="73", account="85498772"), None),
    (pm("93", card="75", ref="1234567890123452", account="85498772"), None),
    (pm("93", card="04", account="85498772"), "code 93 with card type '04'"),
    (pm("93", card="71", ref="000000001234566", account="8549877"), "code 93 with creditor number '8549877'"),
    (pm("93", card="71", ref="1234567890123452", account="85498772"),
     "code 93 card 71 with payment id '1234567890123452'"),
    (pm("93", card="75", ref="000000001234566", account="85498772"), "code 93 card 75 with payment id '000000001234566'"),
    (pm("97"), None),
    (pm("97", credit="1234"), "code 97 with account '1234'"),
    (pm("1"), None),
])
def test_account_rules_per_payment_means_code(means, problem):
    assert means.account_problem() == problem


@pytest.mark.parametrize("means, text", [
    (pm("42", branch="1551", account="0001234567"), "REG 1551 KONTO 0001234567"),
    (pm("31", account="DE89370400440532013000"), "IBAN DE89370400440532013000"),
    (pm("93", card="71", ref="000000001234567", account="85498772"), "FIK +71<000000001234567+85498772<"),
    (pm("93", card="73", account="85498772"), "FIK +73<+85498772<"),
    (pm("50", card="04", ref="1234567890123452", account="1234567"), "GIRO +04<1234567890123452+1234567<"),
    (pm("97"), "NEMKONTO"),
    (pm("58"), "CODE 58"),
])
def test_payment_text_is_the_erps_form(means, text):
    assert means.text == text


def test_check_digit_only_for_cards_with_one():
    assert pm("93", card="71", ref="000000001234567", account="85498772").check_digit_problem() == "000000001234567"
    assert pm("50", card="15", ref="1234567890123456", account="1234567").check_digit_problem() == "1234567890123456"
    assert pm("93", card="71", ref="000000001234566", account="85498772").check_digit_problem() is None
    assert pm("50", card="01", ref="1234567890123456", account="1234567").check_digit_problem() is None
    assert pm("93", card="71", ref="12AB", account="85498772").check_digit_problem() is None  # not all digits
    assert pm("42", card="71", ref="000000001234567").check_digit_problem() is None


# --- the fields of both syntaxes --------------------------------------------------------------

def test_peppol_invoice_fields():
    doc = parse("peppol_clean.xml")
    assert (doc.syntax, doc.document_type, doc.invoice_number) == ("PEPPOL", "FAKTURA", "F-99812")
    assert (doc.issue_date, doc.due_date) == (dt.date(2025, 2, 13), dt.date(2025, 3, 15))
    assert (doc.supplier_endpoint_scheme, doc.supplier_cvr, doc.buyer_ean) == ("0184", "12345678", "5798005770001")
    assert (doc.order_reference, doc.approver_id) == ("IO-2025-000451", "AB12")
    assert (doc.currency, doc.payable_amount) == ("DKK", Decimal("2223.75"))
    [means] = doc.payment_means
    assert (means.code, means.branch_id, means.account, means.text) == ("42", "1551", "0001234567",
                                                                        "REG 1551 KONTO 0001234567")
    assert doc.findings == []


def test_oioubl_2_invoice_fields():
    doc = parse("oioubl21_fik.xml")
    assert (doc.syntax, doc.customization_id, doc.document_type) == ("OIOUBL", "OIOUBL-2.1", "FAKTURA")
    # DK:CVR with the DK prefix -> the bare CVR; due date from PaymentMeans/PaymentDueDate
    assert (doc.supplier_endpoint_scheme, doc.supplier_cvr) == ("DK:CVR", "87654321")
    assert (doc.due_date, doc.buyer_ean, doc.approver_id) == (dt.date(2025, 3, 13), "5798005770094", "GH78")
    [means] = doc.payment_means
    assert (means.code, means.card_type, means.payment_ref, means.account, means.channel_code) == (
        "93", "71", "000000001234567", "85498772", "DK:FIK")
    assert means.text == "FIK +71<000000001234567+85498772<"
    assert [(f.code, f.value_seen, f.expected) for f in doc.findings] == [
        ("PAYMENT_CHECK_DIGIT", "000000001234567", "000000001234566 (FI modulus 10)")]


def test_oioubl_3_reads_like_peppol():
    doc = parse("oioubl3_approver_missing.xml")
    assert (doc.syntax, doc.approver_id, doc.order_reference) == ("OIOUBL", None, None)
    [means] = doc.payment_means
    assert (means.card_type, means.payment_ref, means.account) == ("75", "1234567890123452", "85498772")
    assert codes(doc) == ["APPROVER_MISSING"]


def test_credit_note_with_na_and_cvr_from_company_id():
    doc = parse("peppol_credit_note_po_na.xml")
    assert (doc.document_type, doc.order_reference, doc.supplier_cvr) == ("KREDITNOTA", None, "12345678")
    assert (doc.supplier_endpoint_scheme, doc.supplier_endpoint_id) == ("0088", "5790001234567")
    assert doc.payment_means == [] and doc.findings == []  # credit notes: no read-time checks


def test_oioubl_2_cvr_from_company_id_when_the_endpoint_is_a_gln():
    doc = parse("oioubl201_approver_unknown.xml")
    assert (doc.supplier_cvr, doc.approver_id, doc.due_date) == ("12345678", "ZZ99", dt.date(2025, 3, 21))
    assert [(f.code, f.value_seen) for f in doc.findings] == [
        ("PAYMENT_ACCOUNT_INVALID", "payment means 1: code 42 with registration number '155'")]


@pytest.mark.parametrize("name, expected", [
    ("peppol_clean.xml", []),
    ("oioubl202_unknown_supplier.xml", ["APPROVER_MALFORMED", "PAYMENT_ACCOUNT_INVALID", "DUE_DATE_MISSING"]),
    ("peppol_po_other_supplier.xml", ["PAYMENT_ACCOUNT_INVALID", "DUE_BEFORE_ISSUE"]),
    ("peppol_po_unknown.xml", ["DUE_OVER_30_DAYS"]),
    ("peppol_approver_no_access.xml", []),
    ("peppol_no_payment_means.xml", ["PAYMENT_MEANS_MISSING", "DUE_DATE_MISSING"]),
])
def test_read_time_findings(name, expected):
    assert codes(parse(name)) == expected


def test_finding_values_say_what_was_seen_and_expected():
    doc = parse("peppol_po_unknown.xml")
    assert [(f.code, f.value_seen, f.expected) for f in doc.findings] == [
        ("DUE_OVER_30_DAYS", "2025-03-31", "at most 30 days after 2025-02-14, by 2025-03-16")]
    doc = parse("oioubl202_unknown_supplier.xml")
    assert doc.findings[0].value_seen == "Hans Hansen: NN99"
    assert doc.findings[1].value_seen == "payment means 1: code 97 with account '12345678'"


@pytest.mark.parametrize("name, reason, detail", [
    ("broken_not_well_formed.xml", "NOT_WELL_FORMED", "line 7, column 1:"),
    ("order_not_an_invoice.xml", "NOT_AN_INVOICE", "the root element is 'Order'"),
    ("bii2_unknown_customization.xml", "UNKNOWN_CUSTOMIZATION", "cbc:CustomizationID is 'urn:www.cenbii.eu"),
])
def test_quarantine_reasons(name, reason, detail):
    with pytest.raises(Quarantined) as e:
        parse(name)
    assert e.value.reason == reason
    assert e.value.detail.startswith(detail), e.value.detail


def test_not_xml_at_all_and_empty_files_are_not_well_formed():
    for data in (b"", b"Bilagsnummer;Fakturanummer\r\n", b"\xff\xfe<x/>"):
        with pytest.raises(Quarantined) as e:
            parse_document(data)
        assert e.value.reason == "NOT_WELL_FORMED"


def test_no_entities_are_expanded():
    data = (FIXTURES / "peppol_clean.xml").read_bytes().replace(
        b"<Invoice ", b'<!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Invoice ', 1
    ).replace(b"<cbc:ID>F-99812</cbc:ID>", b"<cbc:ID>&x;</cbc:ID>")
    doc = parse_document(data)
    assert doc.invoice_number is None


# --- the folder into raw -----------------------------------------------------------------------

def test_folder_is_read_once_per_hash_and_quarantine_is_kept(tmp_path, monkeypatch):
    folder = tmp_path / "einvoices"
    shutil.copytree(FIXTURES, folder)
    (folder / "notes.txt").write_text("not read")
    shutil.copy(FIXTURES / "peppol_clean.xml", folder / "UPPER.XML")  # the extension must be lower case
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = read_einvoice_folder(conn, folder)
    assert (first.count("read"), first.count("quarantined"), first.count("duplicate")) == (10, 3, 0)
    assert conn.execute(
        "select file_name, reason from raw.einvoice_quarantine order by file_name").fetchall() == [
        ("bii2_unknown_customization.xml", "UNKNOWN_CUSTOMIZATION"),
        ("broken_not_well_formed.xml", "NOT_WELL_FORMED"),
        ("order_not_an_invoice.xml", "NOT_AN_INVOICE"),
    ]
    detail = conn.execute("select detail from raw.einvoice_quarantine where reason = 'NOT_WELL_FORMED'").fetchone()[0]
    assert detail.startswith("broken_not_well_formed.xml: line 7, column 1:")
    assert conn.execute("select count(*), count(distinct document_sha256) from raw.einvoice_documents").fetchone() == (10, 10)
    assert conn.execute("select count(*) from raw.einvoice_payment_means").fetchone()[0] == 8
    assert conn.execute(
        "select finding_code, count(*) from raw.einvoice_findings group by all order by all").fetchall() == [
        ("APPROVER_MALFORMED", 1), ("APPROVER_MISSING", 1), ("DUE_BEFORE_ISSUE", 1), ("DUE_DATE_MISSING", 2),
        ("DUE_OVER_30_DAYS", 1), ("PAYMENT_ACCOUNT_INVALID", 3), ("PAYMENT_CHECK_DIGIT", 1),
        ("PAYMENT_MEANS_MISSING", 1),
    ]
    # again: nothing new
    second = read_einvoice_folder(conn, folder)
    assert (second.files, second.unchanged) == ([], 13)
    # the same bytes under another name: a duplicate, recorded once, nothing read
    shutil.copy(folder / "peppol_clean.xml", folder / "zz_resent.xml")
    third = read_einvoice_folder(conn, folder)
    assert [(f.file_name, f.status, f.detail) for f in third.files] == [
        ("zz_resent.xml", "duplicate", "the same bytes as peppol_clean.xml")]
    assert read_einvoice_folder(conn, folder).files == []
    assert conn.execute("select count(*) from raw.einvoice_documents").fetchone()[0] == 10
    assert conn.execute(
        "select status, count(*) from raw.einvoice_files group by all order by all").fetchall() == [
        ("duplicate", 1), ("quarantined", 3), ("read", 10)]


def test_a_missing_folder_reads_nothing(tmp_path):
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert read_einvoice_folder(conn, tmp_path / "nowhere").files == []
    assert conn.execute("select count(*) from raw.einvoice_documents").fetchone()[0] == 0


def test_the_folder_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("RETTIDIG_EINVOICES_DIR", raising=False)
    assert einvoices_dir(tmp_path) == tmp_path / "einvoices"
    monkeypatch.setenv("RETTIDIG_EINVOICES_DIR", str(tmp_path / "nemhandel"))
    assert einvoices_dir(tmp_path / "drop") == tmp_path / "nemhandel"
