"""The monthly period close (R13) as a month-partitioned dbt asset.

One partition per month. A backfill of any range runs as one run (single-run backfill policy): the
partition range becomes the dbt vars `close_month_from` / `close_month_to`, and the incremental
model `period_close` takes every month of the range it has not taken yet (or all of them with
`force`). A month that ends after the data watermark is refused before dbt runs.

The month-end states of a month closed before are not kept (int_as_of_dates leaves the closed
months out: nothing reads them again), so a forced re-close of such a month first builds the chain
from int_as_of_dates to int_period_close_measures with the close's parameters, which puts those
month ends back in. That chain belongs to the main dbt asset: it is rebuilt here outside Dagster's
asset events (the main build's next run makes it what it was), and the step's log says so.
"""


import datetime as dt

from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    Config,
    Failure,
    MetadataValue,
    Output,
)
from dagster_dbt import dbt_assets
from dagster_dbt.errors import DagsterDbtCliRuntimeError
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration.assets.raw import WAREHOUSE_POOL
from orchestration.console import PROGRESS_PREFIX
from orchestration.lib.dbt.metadata import dbt_failure, with_table_metadata
from orchestration.lib.dbt.project import dbt_project
from orchestration.lib.dbt.translator import RettidigDbtTranslator
from orchestration.partitions import monthly_partitions
from orchestration.resources import DbtCli
from orchestration.period_close import months_between, read_close_bounds
from orchestration.warehouse import Warehouse, record_close

# The period close, its month-over-month trend view and the report's view of the closed months up
# to D (reporting.rpt_period_close) are built by the partitioned asset only: they read period_close,
# which does not exist before the first close.
PERIOD_CLOSE_SELECT = "period_close period_close_trend rpt_period_close"
# The models between the dates the states are evaluated at and the close's measures: what a forced
# re-close of a month closed before builds first, for that month's last day.
MONTH_END_CHAIN = "int_as_of_dates+,+int_period_close_measures"


class PeriodCloseConfig(Config):
    force: bool = Field(
        default=False,
        description=(
            "Take the snapshot again for months already closed. Off: a closed month is kept exactly "
            "as it was reported."
        ),
    )


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=PERIOD_CLOSE_SELECT,
    dagster_dbt_translator=RettidigDbtTranslator(),
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    name="period_close_models",
    pool=WAREHOUSE_POOL,
)
def period_close_models(
    context: AssetExecutionContext, dbt: DbtCli, duckdb: DuckDBResource, config: PeriodCloseConfig
):
    window = context.partition_time_window
    first = window.start.date()
    last = (window.end - dt.timedelta(days=1)).date().replace(day=1)
    months = list(months_between(first, last))
    with duckdb.get_connection() as conn:
        bounds = read_close_bounds(conn)
    refusals = [r for r in (bounds.refusal(m) for m in months) if r]
    if refusals:
        raise Failure(description=refusals[-1] if len(refusals) == 1 else "\n".join(refusals))
    taken = [m for m in months if config.force or m not in bounds.taken]
    kept = [m for m in months if m not in taken]
    for m in kept:
        context.log.info(f"{m:%Y-%m} was closed before: kept as reported (run with force to take it again).")
    for m in taken:
        verb = "taken again (force)" if m in bounds.taken else "taken"
        context.log.info(f"{m:%Y-%m}: snapshot {verb} as of {m:%Y-%m}-end, data watermark {bounds.data_watermark}.")
    # the range for model period_close (its vars' defaults; DbtCli.cli_with_parameters says why)
    parameters = {
        "RETTIDIG_CLOSE_MONTH_FROM": first.isoformat(),
        "RETTIDIG_CLOSE_MONTH_TO": last.isoformat(),
        "RETTIDIG_FORCE_CLOSE": "true" if config.force else "false",
    }
    summary = {
        "months_taken": MetadataValue.json([f"{m:%Y-%m}" for m in taken]),
        "months_kept_as_reported": MetadataValue.json([f"{m:%Y-%m}" for m in kept]),
        "data_watermark": MetadataValue.text(str(bounds.data_watermark)),
        "forced": config.force,
    }
    again = [m for m in taken if m in bounds.taken]
    if again:
        build_month_end_states(context, dbt, again, parameters)
    # No unit tests in a production run (they run in the test suite; see assets/dbt.py).
    invocation = dbt.cli_with_parameters(["build", "--exclude-resource-type", "unit_test"], parameters, context=context)
    events, failure = [], None
    try:
        for event in with_table_metadata(context, invocation, duckdb):
            events.append(event)
    except Failure as exc:  # reported after what was built (with_table_metadata)
        failure = exc
    if taken and failure is None and Warehouse.from_env().is_ducklake:
        # the close is a snapshot of the lake: `marts.period_close at (version => n)` reads it as taken
        with duckdb.get_connection() as conn:
            snapshot = record_close(conn, taken, run_id=context.run_id)
        context.log.info(f"Close recorded as DuckLake snapshot {snapshot} (serving.publications).")
        summary["snapshot_id"] = snapshot
    for event in events:
        if isinstance(event, Output):
            event = event.with_metadata({**event.metadata, **summary})
        yield event
    if failure is not None:
        raise failure


def build_month_end_states(context: AssetExecutionContext, dbt: DbtCli, months: list[dt.date],
                           parameters: dict[str, str]) -> None:
    """The states at the last day of months closed before, for a forced re-close: the chain from
    int_as_of_dates to int_period_close_measures, built with the close's parameters."""
    names = ", ".join(f"{m:%Y-%m}" for m in months)
    context.log.info(f"{PROGRESS_PREFIX}{names} closed before: computing the month-end states again ...")
    context.log.info(
        f"dbt build --select {MONTH_END_CHAIN}: the main dbt asset's models, built here outside its asset "
        "events; its next run builds them without these month ends again."
    )
    rebuild = dbt.cli_with_parameters(
        ["build", "--select", MONTH_END_CHAIN, "--exclude-resource-type", "unit_test"], parameters, context=None
    )
    try:
        rebuild.wait()
    except DagsterDbtCliRuntimeError:
        raise dbt_failure(rebuild) from None
    context.log.info(f"{PROGRESS_PREFIX}{names}: month-end states computed again")
