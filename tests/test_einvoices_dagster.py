"""The e-invoice asset in the code location: its keys, lineage and checks, the job selection and
the drop-folder sensor seeing XML files."""

from __future__ import annotations

import shutil
from pathlib import Path

from dagster import AssetKey, build_sensor_context

FIXTURES = Path(__file__).parent / "einvoices"


def test_einvoice_asset_lineage_and_checks():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for table in ("einvoice_documents", "einvoice_payment_means", "einvoice_findings", "einvoice_quarantine"):
        node = graph.get(AssetKey(["raw", table]))
        assert node.group_name == "raw"
    # the dbt staging models read the reader's tables: one lineage graph
    assert AssetKey(["raw", "einvoice_documents"]) in graph.get(AssetKey(["staging", "stg_einvoices__documents"])).parent_keys
    assert AssetKey(["intermediate", "int_einvoice_findings"]) in graph.get(AssetKey(["marts", "einvoice_findings_monthly"])).parent_keys
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert {("raw/einvoice_documents", "files_reconcile"), ("raw/einvoice_quarantine", "no_quarantined_files")} <= checks
    # load_and_build reads the e-invoices and builds the reporting models the report reads
    job = defs.resolve_job_def("load_and_build")
    selected = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert {"raw/einvoice_documents", "marts/einvoice_precheck", "reporting/rpt_einvoice_summary"} <= selected


def test_drop_folder_sensor_sees_new_xml(pipeline_paths):
    from orchestration.sensors import drop_folder_sensor

    assert drop_folder_sensor(build_sensor_context()).skip_message == "No new export files."
    inbox = pipeline_paths.exports_dir / "einvoices"
    inbox.mkdir()
    shutil.copy(FIXTURES / "peppol_clean.xml", inbox / "a.xml")
    (inbox / "notes.txt").write_text("not an e-invoice")
    context = build_sensor_context()
    result = drop_folder_sensor(context)
    assert result.tags["rettidig/new_files"] == "einvoices/a.xml"
    again = drop_folder_sensor(build_sensor_context(cursor=context.cursor))
    assert again.skip_message == "No new export files."
