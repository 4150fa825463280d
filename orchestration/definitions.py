"""The Dagster code location: `dagster dev -m orchestration.definitions` (or `rettidig ui`)."""

from dagster import Definitions, colored_console_logger, in_process_executor

from orchestration.assets.dbt import dbt_models
from orchestration.assets.einvoices import einvoice_asset_checks, einvoices
from orchestration.assets.period_close import period_close_models
from orchestration.assets.raw import raw_asset_checks, raw_assets
from orchestration.assets.report import follow_up_report
from orchestration.assets.serving import bi_marts
from orchestration.console import rettidig_console
from orchestration.jobs import follow_up_report_job, load_and_build_job, month_end_close_job, period_close_job
from orchestration.resources import build_resources
from orchestration.schedules import follow_up_report_schedule, month_end_close_schedule
from orchestration.sensors import drop_folder_sensor
from orchestration.warehouse_dagster import ducklake_maintenance, ducklake_maintenance_schedule

defs = Definitions(
    assets=[*raw_assets, einvoices, dbt_models, period_close_models, bi_marts, follow_up_report],
    asset_checks=[*raw_asset_checks, *einvoice_asset_checks],
    jobs=[load_and_build_job, month_end_close_job, period_close_job, follow_up_report_job, ducklake_maintenance],
    schedules=[month_end_close_schedule, follow_up_report_schedule, ducklake_maintenance_schedule],
    sensors=[drop_folder_sensor],
    resources=build_resources(),
    # One DuckDB file, one writer: the steps of a run go one after the other in one process.
    executor=in_process_executor,
    # Dagster's console logger for runs from the UI; `rettidig` commands name their own logger in the
    # run config (progress lines on the terminal, the full log in a file: orchestration/console.py).
    loggers={"console": colored_console_logger, "rettidig": rettidig_console},
)
