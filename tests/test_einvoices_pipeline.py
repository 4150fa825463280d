"""The e-invoices through the real Dagster job: the contract's example exports plus the hand-written
XML of tests/einvoices/ in the drop folder's `einvoices/`, `rettidig materialize`, then the marts
einvoice_precheck and einvoice_findings_monthly with values worked out by hand from the XML and
the example CSVs (supplier L10023 requires PO numbers and pays by REG 1551 KONTO 0001234567;
L30410 by FIK +71<000000001234567+85498772<; user GH78 has no Kvantum access; D = 26-02-2025)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import EXAMPLES

FIXTURES = Path(__file__).parent / "einvoices"

# file -> (findings, invoice_id, returned_for_supplier_reason, is_paid_on_time)
EXPECTED_PRECHECK = {
    "peppol_clean.xml": ("", "K2025-0104411", False, True),
    "oioubl21_fik.xml": ("PAYMENT_CHECK_DIGIT", "K2025-0107730", True, None),
    "peppol_credit_note_po_na.xml": ("PO_MISSING", None, None, None),
    "oioubl202_unknown_supplier.xml": (
        "APPROVER_MALFORMED,BUYER_EAN_UNKNOWN,DUE_DATE_MISSING,PAYMENT_ACCOUNT_INVALID,SUPPLIER_UNKNOWN", None, None, None),
    "peppol_po_other_supplier.xml": (
        "DUE_BEFORE_ISSUE,PAYMENT_ACCOUNT_INVALID,PAYMENT_DIFFERS,PO_OTHER_SUPPLIER", None, None, None),
    "peppol_po_unknown.xml": ("DUE_OVER_30_DAYS,PAYMENT_CODE_NOT_ALLOWED,PAYMENT_DIFFERS,PO_UNKNOWN", None, None, None),
    "peppol_approver_no_access.xml": ("APPROVER_NO_ACCESS,PAYMENT_DIFFERS,PO_MISSING", None, None, None),
    "oioubl201_approver_unknown.xml": ("APPROVER_UNKNOWN,PAYMENT_ACCOUNT_INVALID,PAYMENT_DIFFERS,PO_MISSING", None, None, None),
    "peppol_no_payment_means.xml": ("DUE_DATE_MISSING,PAYMENT_MEANS_MISSING", None, None, None),
    "oioubl3_approver_missing.xml": ("APPROVER_MISSING,PAYMENT_DIFFERS,PO_MISSING", None, None, None),
}
# every code of EINVOICES.md, in February 2025: (flagged, matched, returned for a supplier reason)
EXPECTED_MONTHLY = {
    "APPROVER_MALFORMED": (1, 0, 0), "APPROVER_MISSING": (1, 0, 0), "APPROVER_NO_ACCESS": (1, 0, 0),
    "APPROVER_UNKNOWN": (1, 0, 0), "BUYER_EAN_UNKNOWN": (1, 0, 0), "DUE_BEFORE_ISSUE": (1, 0, 0),
    "DUE_DATE_MISSING": (2, 0, 0), "DUE_OVER_30_DAYS": (1, 0, 0), "PAYMENT_ACCOUNT_INVALID": (3, 0, 0),
    "PAYMENT_CHECK_DIGIT": (1, 1, 1), "PAYMENT_CODE_NOT_ALLOWED": (1, 0, 0), "PAYMENT_DIFFERS": (5, 0, 0),
    "PAYMENT_MEANS_MISSING": (1, 0, 0), "PO_MISSING": (4, 0, 0), "PO_OTHER_SUPPLIER": (1, 0, 0),
    "PO_UNKNOWN": (1, 0, 0), "SUPPLIER_UNKNOWN": (1, 0, 0),
}


def _rows(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def built(pipeline_paths):
    from orchestration.cli import run_load_and_build

    drop = pipeline_paths.exports_dir
    for example in EXAMPLES.glob("*.csv"):
        shutil.copy(example, drop / example.name)
    # K2025-0107730 (2025-0211, the FIK invoice with the wrong check digit) is returned for its
    # payment details, a supplier reason
    (drop / "fakturahaendelser_20250305.csv").write_text(
        "\ufeffHændelses_id;Bilagsnummer;Tidspunkt;Hændelse;Fra_bruger;Til_bruger;Årsagskode;Kommentar\r\n"
        "H-5500210;K2025-0107730;20-02-2025 10:00:00;RETURNERET;GH78;KS01;FORKERT_BETALINGSOPLYSNING;\r\n",
        encoding="utf-8", newline="",
    )
    shutil.copytree(FIXTURES, drop / "einvoices")
    # the same bytes under a second name: read once
    shutil.copy(FIXTURES / "peppol_clean.xml", drop / "einvoices" / "zz_resent_copy.xml")
    result = run_load_and_build(pipeline_paths)
    assert result.success
    return pipeline_paths, result


def test_einvoices_through_the_job(built):
    settings, result = built
    warehouse = settings.warehouse
    checks = {
        (e.asset_key.path[-1], e.check_name, e.passed)
        for e in result.get_asset_check_evaluations()
        if e.asset_key.path[0] == "raw" and e.asset_key.path[-1].startswith("einvoice")
    }
    assert checks == {("einvoice_documents", "files_reconcile", True),
                      ("einvoice_quarantine", "no_quarantined_files", False)}
    assert _rows(warehouse, "select status, count(*) from raw.einvoice_files group by all order by all") == [
        ("duplicate", 1), ("quarantined", 3), ("read", 10)]
    # the inbox inside the drop folder is not an ignored "file" of the CSV loader
    assert _rows(warehouse, "select count(*) from raw.load_log where file_name = 'einvoices'") == [(0,)]
    precheck = {
        row[0]: row[1:]
        for row in _rows(warehouse, "select file_name, findings, invoice_id, returned_for_supplier_reason, "
                                    "is_paid_on_time from marts.einvoice_precheck")
    }
    assert precheck == EXPECTED_PRECHECK
    counts = dict(_rows(warehouse, "select file_name, finding_count from marts.einvoice_precheck"))
    assert counts == {name: len(f.split(",")) if f else 0 for name, (f, *_) in EXPECTED_PRECHECK.items()}
    clean = _rows(warehouse, "select syntax, document_type, invoice_number, issue_date, due_date, supplier_cvr, "
                             "supplier_id, buyer_ean, order_reference, approver_id, payment_means_code, currency, "
                             "payable_amount from marts.einvoice_precheck where file_name = 'peppol_clean.xml'")
    assert clean == [("PEPPOL", "FAKTURA", "F-99812", dt.date(2025, 2, 13), dt.date(2025, 3, 15), "12345678",
                      "L10023", "5798005770001", "IO-2025-000451", "AB12", "42", "DKK", Decimal("2223.75"))]

    monthly = {
        code: (documents, flagged, matched, returned)
        for month, code, documents, flagged, matched, returned in _rows(
            warehouse, "select month, finding_code, documents, flagged, matched, returned_for_supplier_reason "
                       "from marts.einvoice_findings_monthly")
        if month == dt.date(2025, 2, 1)
    }
    assert monthly == {code: (10, *v) for code, v in EXPECTED_MONTHLY.items()}
    assert _rows(warehouse, "select count(*) from marts.einvoice_findings_monthly") == [(17,)]

    # what the ERP checks said, and why
    assert _rows(warehouse, "select value_seen, expected from intermediate.int_einvoice_erp_findings f "
                            "join staging.stg_einvoices__documents d using (document_sha256) "
                            "where d.file_name = 'oioubl201_approver_unknown.xml' and finding_code = 'PAYMENT_DIFFERS'") == [
        ("REG 155 KONTO 0001234567", "REG 1551 KONTO 0001234567")]
    assert _rows(warehouse, "select value_seen from intermediate.int_einvoice_erp_findings f "
                            "join staging.stg_einvoices__documents d using (document_sha256) "
                            "where d.file_name = 'peppol_po_unknown.xml' and finding_code = 'PAYMENT_CODE_NOT_ALLOWED'") == [
        ("payment means 1: code 30",)]

    # the quarantine
    assert _rows(warehouse, "select file_name, reason from staging.stg_einvoices__quarantine order by 1") == [
        ("bii2_unknown_customization.xml", "UNKNOWN_CUSTOMIZATION"),
        ("broken_not_well_formed.xml", "NOT_WELL_FORMED"),
        ("order_not_an_invoice.xml", "NOT_AN_INVOICE"),
    ]
