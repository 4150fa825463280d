"""Jobs: what runs together."""

from dagster import AssetKey, AssetSelection, define_asset_job

from orchestration.assets.period_close import period_close_models
from orchestration.assets.raw import RAW_GROUP

PERIOD_CLOSE_KEY = AssetKey(["marts", "period_close"])
# every asset of the month-partitioned period-close dbt definition (PERIOD_CLOSE_SELECT): the marts
# period_close and period_close_trend, and the report's view reporting.rpt_period_close
PERIOD_CLOSE_KEYS = tuple(sorted(period_close_models.keys, key=lambda k: k.to_user_string()))
REPORT_KEY = AssetKey(["reports", "follow_up_report"])
SERVING_KEY = AssetKey(["serving", "bi_marts"])

# Load what has arrived, rebuild staging, intermediate models, marts and the report's reporting
# views at the as-of date, publish. (All of the unpartitioned dbt models: a subset would make
# dagster-dbt select node by node and take period_close's tests along.)
LOAD_AND_BUILD = AssetSelection.groups(
    RAW_GROUP, "reference", "staging", "intermediate", "marts", "reporting", "serving"
) - AssetSelection.assets(*PERIOD_CLOSE_KEYS)

load_and_build_job = define_asset_job(
    name="load_and_build",
    selection=LOAD_AND_BUILD,
    description="Load the drop folder into raw, build the dbt models and marts at the as-of date, publish for BI.",
)

month_end_close_job = define_asset_job(
    name="month_end_close",
    selection=LOAD_AND_BUILD | AssetSelection.assets(*PERIOD_CLOSE_KEYS),
    description="Load, rebuild the marts, close the month (R13: period_close partition) and publish.",
)

period_close_job = define_asset_job(
    name="period_close",
    selection=AssetSelection.assets(*PERIOD_CLOSE_KEYS, SERVING_KEY),
    description="Close months (a partition or a range) from the warehouse as it is, and publish.",
)

follow_up_report_job = define_asset_job(
    name="follow_up_report",
    selection=LOAD_AND_BUILD | AssetSelection.assets(REPORT_KEY),
    description="Load, rebuild the marts and write the Monday/Thursday follow-up report.",
)
