"""The Dagster code location: `dagster dev -m orchestration.definitions` (or `rettidig ui`)."""

from dagster import Definitions, in_process_executor

from orchestration.assets.dbt import dbt_models
from orchestration.assets.raw import raw_asset_checks, raw_assets
from orchestration.assets.serving import bi_marts
from orchestration.jobs import load_and_build_job
from orchestration.resources import build_resources
from orchestration.sensors import drop_folder_sensor

defs = Definitions(
    assets=[*raw_assets, dbt_models, bi_marts],
    asset_checks=raw_asset_checks,
    jobs=[load_and_build_job],
    sensors=[drop_folder_sensor],
    resources=build_resources(),
    # One DuckDB file, one writer: the steps of a run go one after the other in one process.
    executor=in_process_executor,
)
