"""End to end on generated data: a small drop folder with its e-invoice XML (`generate(...,
einvoices=True)`) through the real `load_and_build` job; the pipeline finds exactly what the
generator planted, and the XML agrees with the returns the generator made."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

PER_MONTH, MONTHS, SEED = 120, 4, 11
# the findings the generator plants and the pipeline must find exactly as many of
PLANTED_EXACTLY = (
    "APPROVER_MALFORMED", "APPROVER_MISSING", "APPROVER_UNKNOWN", "BUYER_EAN_UNKNOWN", "DUE_DATE_MISSING",
    "DUE_OVER_30_DAYS", "PAYMENT_ACCOUNT_INVALID", "PAYMENT_CHECK_DIGIT", "PAYMENT_MEANS_MISSING", "SUPPLIER_UNKNOWN",
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from orchestration.cli import run_load_and_build
    from orchestration.generator import generate
    from orchestration.settings import Settings

    root = tmp_path_factory.mktemp("einvoices_e2e")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETTIDIG_EXPORTS_DIR", str(root / "drop"))
        mp.setenv("RETTIDIG_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("RETTIDIG_SERVING", str(root / "serving.duckdb"))
        mp.setenv("RETTIDIG_REPORTS_DIR", str(root / "reports"))
        mp.delenv("RETTIDIG_EINVOICES_DIR", raising=False)
        settings = Settings.from_env().export()
        summary = generate(settings.exports_dir, invoices_per_month=PER_MONTH, months=MONTHS,
                           start=dt.date(2024, 1, 1), seed=SEED, progress=False, einvoices=True)
        result = run_load_and_build(settings)
        yield settings, summary, result


def query(settings, sql: str):
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_every_file_is_read_or_quarantined(generated):
    settings, summary, result = generated
    assert result.success
    e = summary.einvoices
    assert e["documents"] > 300 and e["by_syntax"]["OIOUBL"] > 0 and e["by_syntax"]["PEPPOL"] > 0
    assert e["credit_notes"] > 0
    assert dict(query(settings, "select status, count(*) from raw.einvoice_files group by all")) == {
        "read": e["documents"], "quarantined": sum(e["quarantined"].values()),
        **({"duplicate": e["resent_identical"]} if e["resent_identical"] else {})}
    assert dict(query(settings, "select reason, count(*) from raw.einvoice_quarantine group by all")) == e["quarantined"]
    assert query(settings, "select count(*) from marts.einvoice_precheck") == [(e["documents"],)]


def test_the_pipeline_finds_what_was_planted(generated):
    settings, summary, _ = generated
    planted = summary.einvoices["planted_findings"]
    found = dict(query(settings, "select finding_code, count(*) from intermediate.int_einvoice_findings group by all"))
    assert {code: found.get(code, 0) for code in PLANTED_EXACTLY} == {code: planted.get(code, 0) for code in PLANTED_EXACTLY}
    # not a vacuous comparison: at this size the generator plants several kinds, dozens in all
    assert len([c for c in PLANTED_EXACTLY if planted.get(c)]) >= 5 and sum(planted.values()) >= 20
    # every document of a supplier with a CVR matches its ERP invoice
    [(unmatched_known,)] = query(settings, "select count(*) from marts.einvoice_precheck "
                                           "where supplier_id is not null and invoice_id is null")
    assert unmatched_known == 0


def test_the_xml_agrees_with_the_returns(generated):
    """Each matched invoice returned or rejected for a PO-number or recipient reason carries the
    matching finding on its XML."""
    settings, _, _ = generated
    rows = query(settings, """
        select events.reason_code, precheck.findings
        from marts.einvoice_precheck as precheck
        join staging.stg_kvantum__invoice_events as events on events.invoice_id = precheck.invoice_id
        where events.event_type in ('RETURNERET', 'AFVIST')
          and events.reason_code in ('MANGLER_ORDRENUMMER', 'FORKERT_ORDRENUMMER', 'FORKERT_MODTAGER')
    """)
    expected = {"MANGLER_ORDRENUMMER": ("PO_MISSING",), "FORKERT_ORDRENUMMER": ("PO_UNKNOWN", "PO_OTHER_SUPPLIER"),
                "FORKERT_MODTAGER": ("BUYER_EAN_UNKNOWN",)}
    assert rows
    disagreeing = [(reason, findings) for reason, findings in rows
                   if not any(code in findings.split(",") for code in expected[reason])]
    assert disagreeing == []
    # and the monthly mart adds up to the precheck
    assert query(settings, "select sum(flagged), sum(matched), sum(returned_for_supplier_reason) "
                           "from marts.einvoice_findings_monthly") == query(settings, """
        select count(*), count(p.invoice_id), count(*) filter (where p.returned_for_supplier_reason)
        from intermediate.int_einvoice_findings f join marts.einvoice_precheck p using (document_sha256)""")


def test_the_report_has_the_einvoice_section(generated, tmp_path):
    """The follow-up report's section shows the reporting models' numbers (findings by kind and
    supplier, the returns they predicted), in the HTML page and in its own sheet."""
    from openpyxl import load_workbook

    from orchestration.report import build_report

    settings, _, _ = generated
    [summary] = query(settings, "select documents_read, files_quarantined, documents_flagged, "
                                "documents_returned_for_supplier_reason, returns_predicted from reporting.rpt_einvoice_summary")
    by_code = query(settings, "select finding_code, flagged from reporting.rpt_einvoice_findings_by_code "
                              "order by flagged desc, finding_code")
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        result = build_report(conn, tmp_path)
    page = result.html.read_text(encoding="utf-8")
    section = page[page.index('<section id="einvoices">'):]
    read, quarantined, flagged, returned, predicted = summary
    assert f"{read:,}".replace(",", ".") + " e-fakturaer" in section
    assert f"{quarantined} filer sat i karantæne" in section
    assert f"Af de {returned} fakturaer" in section and f"havde {predicted} et fund ved døren" in section
    assert flagged > 0 and predicted > 0
    for code, _ in by_code:
        assert f"<td>{code}</td>" in section
    sheet = load_workbook(result.workbook)["E-fakturaer"]
    codes_in_sheet = [sheet.cell(5 + i, 1).value for i in range(len(by_code))]
    assert codes_in_sheet == [code for code, _ in by_code]
    assert [sheet.cell(5 + i, 3).value for i in range(len(by_code))] == [n for _, n in by_code]
    assert result.rows["E-fakturaer"] >= len(by_code)
