"""Group `serving`: the marts published to the BI file (orchestration/serving.py)."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.assets.dbt import dbt_models
from orchestration.assets.raw import WAREHOUSE_POOL
from orchestration.jobs import PERIOD_CLOSE_KEYS
from orchestration.resources import WarehouseResource
from orchestration.serving import publish_marts
from orchestration.settings import Settings
from orchestration.warehouse import SERVING_SCHEMA, Warehouse, publish_snapshot

# Published after the marts at the as-of date and after the period close.
MARTS_KEYS = sorted({k for k in (*dbt_models.keys, *PERIOD_CLOSE_KEYS) if k.path[0] == "marts"},
                    key=lambda k: k.to_user_string())


@asset(
    key=AssetKey(["serving", "bi_marts"]),
    group_name="serving",
    deps=MARTS_KEYS,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    description=(
        "The `marts` schema published to the serving DuckDB file (RETTIDIG_SERVING) that BI tools "
        "open read-only; replaced atomically after the marts and their blocking checks succeed. "
        "On a DuckLake: the views `serving.<mart>` pinned to the snapshot the run built."
    ),
)
def bi_marts(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    if Warehouse.from_env().is_ducklake:
        # DuckLake: BI reads the views serving.<mart>, pinned to the snapshot this run built
        with duckdb.get_connection() as conn:
            publication = publish_snapshot(conn, run_id=context.run_id)
        context.log.info(f"Published snapshot {publication.snapshot_id}: {len(publication.rows)} marts as {SERVING_SCHEMA}.*")
        return MaterializeResult(
            metadata={
                "snapshot_id": publication.snapshot_id,
                "tables": MetadataValue.json(publication.rows),
                "dagster/row_count": sum(publication.rows.values()),
            }
        )
    target = Settings.from_env().serving
    with duckdb.get_connection(checkpoint=True) as conn:  # the run's last writer: the file without a log
        rows = publish_marts(conn, target)
    context.log.info(f"Published {len(rows)} marts to {target}")
    return MaterializeResult(
        metadata={
            "serving_file": MetadataValue.path(str(target)),
            "tables": MetadataValue.json(rows),
            "dagster/row_count": sum(rows.values()),
        }
    )
