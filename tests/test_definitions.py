"""The Dagster code location: what it defines, and the drop-folder sensor."""

from __future__ import annotations

import json

from dagster import AssetKey, SkipReason, build_sensor_context


def test_code_location_defines_the_pipeline():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for source in ("fakturaer", "fakturahaendelser", "indkoebsordrer", "varemodtagelser", "leverandoerer", "brugere"):
        assert f"raw/{source}" in keys
    for mart in ("invoice_status", "aging_by_department", "escalation_list", "return_reasons", "return_rate",
                 "supplier_errors", "timely_payment", "manual_handling", "period_close"):
        assert f"marts/{mart}" in keys
    assert {"serving/bi_marts", "reports/follow_up_report"} <= keys
    # one lineage: staging reads the raw assets, the marts read staging
    assert AssetKey(["raw", "fakturahaendelser"]) in graph.get(AssetKey(["staging", "stg_kvantum__invoice_events"])).parent_keys
    # the raw checks and the dbt tests are asset checks
    check_names = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("raw/fakturaer", "files_reconcile") in check_names
    assert any(asset == "marts/invoice_status" and name.startswith("accepted_values") for asset, name in check_names)
    # the period close is partitioned by month, in Copenhagen time
    period_close = graph.get(AssetKey(["marts", "period_close"]))
    assert period_close.partitions_def.get_first_partition_key() == "2024-01-01"
    assert period_close.partitions_def.timezone == "Europe/Copenhagen"
    assert {job.name for job in defs.jobs} == {
        "load_and_build", "month_end_close", "period_close", "follow_up_report", "ducklake_maintenance"}
    assert {s.name for s in defs.schedules} == {
        "month_end_close_schedule", "follow_up_report_schedule", "ducklake_maintenance_schedule"}
    assert {s.name for s in defs.sensors} == {"drop_folder_sensor"}


def test_marts_show_their_declared_types_and_not_null_columns():
    """The UI's column list of a mart comes from its dbt contract: types, and not nullable where the
    yml has a not_null constraint."""
    from orchestration.definitions import defs

    schema = defs.resolve_asset_graph().get(AssetKey(["marts", "aging_by_department"])).metadata["dagster/column_schema"]
    assert [(c.name, c.type, c.constraints.nullable) for c in schema.columns] == [
        ("as_of_date", "date", False), ("department", "varchar", False), ("lying_bucket", "varchar", False),
        ("invoices", "bigint", False), ("amount_dkk", "decimal(18,2)", False), ("overdue_invoices", "bigint", False),
        ("overdue_amount_dkk", "decimal(18,2)", False),
    ]
    nullable = {c.name: c.constraints.nullable for c in
                defs.resolve_asset_graph().get(AssetKey(["marts", "invoice_status"])).metadata["dagster/column_schema"].columns}
    assert nullable["invoice_id"] is False and nullable["paid_date"] is True


def test_report_depends_on_what_it_reads_and_the_period_close_stays_apart():
    """The report reads the reporting layer, some marts and the period close's view: all of them
    are its deps. rpt_period_close is built with the period close (its own, month-partitioned dbt
    definition), never by the unpartitioned build."""
    from orchestration.definitions import defs
    from orchestration.jobs import PERIOD_CLOSE_KEYS, REPORT_KEY

    graph = defs.resolve_asset_graph()
    deps = {k.to_user_string() for k in graph.get(REPORT_KEY).parent_keys}
    assert {"marts/invoice_status", "marts/supplier_errors", "reporting/rpt_department_summary",
            "reporting/rpt_aging_by_department", "reporting/rpt_on_time_trend", "reporting/rpt_invoice_lists",
            "marts/period_close", "marts/period_close_trend", "reporting/rpt_period_close"} <= deps
    assert {k.to_user_string() for k in PERIOD_CLOSE_KEYS} == {
        "marts/period_close", "marts/period_close_trend", "reporting/rpt_period_close"}
    period_close = graph.get(AssetKey(["reporting", "rpt_period_close"]))
    assert period_close.partitions_def is not None
    assert AssetKey(["marts", "period_close"]) in period_close.parent_keys
    for name in ("load_and_build", "follow_up_report"):
        selected = defs.resolve_job_def(name).asset_layer.selected_asset_keys
        assert not set(PERIOD_CLOSE_KEYS) & set(selected), name
    assert set(PERIOD_CLOSE_KEYS) <= set(defs.resolve_job_def("period_close").asset_layer.selected_asset_keys)
    # the serving file publishes marts only
    serving = {k.path[0] for k in graph.get(AssetKey(["serving", "bi_marts"])).parent_keys}
    assert serving == {"marts"}


def test_drop_folder_sensor_requests_a_run_when_files_arrive(pipeline_paths):
    from orchestration.sensors import drop_folder_sensor

    drop = pipeline_paths.exports_dir
    (drop / "brugere_20250301.csv").write_text("Bruger_id;Navn\n", encoding="utf-8")
    (drop / "noter.txt").write_text("ignored")

    context = build_sensor_context()
    result = drop_folder_sensor(context)
    assert result.run_key and result.tags["rettidig/new_files"] == "brugere_20250301.csv"
    cursor = context.cursor
    assert set(json.loads(cursor)) == {"brugere_20250301.csv"}

    # nothing new: skip
    again = drop_folder_sensor(build_sensor_context(cursor=cursor))
    assert isinstance(again, SkipReason)

    # a new extract arrives: a run for it alone
    (drop / "brugere_20250401.csv").write_text("Bruger_id;Navn\n", encoding="utf-8")
    context = build_sensor_context(cursor=cursor)
    result = drop_folder_sensor(context)
    assert result.tags["rettidig/new_files"] == "brugere_20250401.csv"
