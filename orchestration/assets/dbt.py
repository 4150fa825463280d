"""The dbt models, seeds and tests as Dagster assets and asset checks.

Unpartitioned models (staging, intermediate, the marts at the as-of date) are one `@dbt_assets`
definition; the month-partitioned period close has its own (orchestration/assets/period_close.py).
"""


from dagster import AssetExecutionContext, Config
from dagster_dbt import dbt_assets
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration.assets.raw import WAREHOUSE_POOL
from orchestration.lib.dbt.metadata import with_table_metadata
from orchestration.lib.dbt.project import PLAIN_BUILD_PARAMETERS, dbt_project
from orchestration.lib.dbt.translator import RettidigDbtTranslator
from orchestration.resources import DbtCli
from orchestration.settings import Settings

from orchestration.assets.period_close import PERIOD_CLOSE_SELECT


class DbtBuildConfig(Config):
    """Run config of a dbt build (Launchpad in the UI, `--as-of` on the CLI)."""

    as_of_date: str | None = Field(
        default=None,
        description=(
            "Compute every state as of this date (YYYY-MM-DD). Empty: RETTIDIG_AS_OF_DATE, else the "
            "data watermark (the latest event date in the exports). Never the wall clock."
        ),
    )
    full_refresh: bool = Field(
        default=False,
        description=(
            "Rebuild the incremental models from all raw rows (dbt --full-refresh). Not needed after an undone "
            "file load or a change to their SQL, vars or seeds (they reset themselves); needed after a change to "
            "a dbt macro they use. The period close keeps its snapshots either way."
        ),
    )


# A production build runs the models and the data tests that guard what BI and the report read;
# dbt's unit tests and the error-severity data tests of staging, intermediate and the seeds (tag
# `development`, dbt_project.yml) check the project's SQL, not the data, so they run in the test
# suite (`make test`, CI: tests/test_pipeline_e2e.py) and not in every production run
# (docs/architecture.md). Left out of the definition, they are no asset checks either.
PRODUCTION_BUILD_ARGS = ("--exclude-resource-type", "unit_test")
DEVELOPMENT_TESTS = "tag:development,config.severity:error"


def build_parameters(as_of_date: str | None) -> dict[str, str]:
    """The build's parameters for dbt (DbtCli.cli_with_parameters): the reporting date D of the
    Launchpad or `--as-of`, else RETTIDIG_AS_OF_DATE, else empty (the data watermark); and no
    months to close (those belong to the period close, assets/period_close.py)."""
    as_of = as_of_date or Settings.from_env().as_of_date
    return {**PLAIN_BUILD_PARAMETERS, "RETTIDIG_AS_OF_DATE": as_of or ""}


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=RettidigDbtTranslator(),
    exclude=f"{PERIOD_CLOSE_SELECT} {DEVELOPMENT_TESTS}",
    name="dbt_models",
    pool=WAREHOUSE_POOL,
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCli, duckdb: DuckDBResource, config: DbtBuildConfig):
    args = ["build", *PRODUCTION_BUILD_ARGS]
    if config.full_refresh:
        args.append("--full-refresh")
    invocation = dbt.cli_with_parameters(args, build_parameters(config.as_of_date), context=context)
    yield from with_table_metadata(context, invocation, duckdb)
