"""Jobs: what runs together."""

from dagster import AssetSelection, define_asset_job

from orchestration.assets.raw import RAW_GROUP

# Load what has arrived, then rebuild staging, intermediate models and marts, and publish them.
# (The period close and the follow-up report have their own schedules.)
load_and_build_job = define_asset_job(
    name="load_and_build",
    selection=AssetSelection.groups(RAW_GROUP, "reference", "staging", "intermediate", "marts", "serving"),
    description="Load the drop folder into raw, build the dbt models and marts at the as-of date, publish for BI.",
)
