"""Group `reports`: the Monday/Thursday follow-up report (orchestration/report builds it)."""

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration.assets.dbt import dbt_models
from orchestration.assets.period_close import period_close_models
from orchestration.assets.raw import WAREHOUSE_POOL
from orchestration.settings import Settings


class ReportConfig(Config):
    as_of_date: str | None = Field(
        default=None, description="The as-of date of the marts to report (default: the one they were built for)."
    )


@asset(
    key=AssetKey(["reports", "follow_up_report"]),
    group_name="reports",
    # the marts it reads (the as-of date, the supplier contact year), the reporting layer
    # (models/reporting/) behind every section, and the period-close assets (their own,
    # month-partitioned dbt definition, with the report's view reporting.rpt_period_close)
    deps=[*(key for key in dbt_models.keys if key.path[0] in ("marts", "reporting")), *period_close_models.keys],
    kinds={"excel", "html"},
    pool=WAREHOUSE_POOL,
    description=(
        "KS-opfølgningsrapporten: an Excel workbook and an HTML page in a dated folder under "
        "RETTIDIG_REPORTS_DIR, read from the marts and the reporting layer. Holds personal data (holders' names): internal use."
    ),
)
def follow_up_report(context: AssetExecutionContext, duckdb: DuckDBResource, config: ReportConfig) -> MaterializeResult:
    import datetime as dt

    from orchestration.report import build_report

    as_of = dt.date.fromisoformat(config.as_of_date) if config.as_of_date else None
    with duckdb.get_connection() as conn:
        result = build_report(conn, Settings.from_env().reports_dir, as_of=as_of)
    context.log.info(f"Report written to {result.folder}")
    return MaterializeResult(
        metadata={
            "folder": MetadataValue.path(str(result.folder)),
            "workbook": MetadataValue.path(str(result.workbook)),
            "html": MetadataValue.path(str(result.html)),
            "rows_per_sheet": MetadataValue.json(result.rows),
            "key_figures": MetadataValue.json(result.key_figures),
        }
    )
