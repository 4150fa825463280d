"""The warehouse in Dagster: the `duckdb` resource every asset uses, and the DuckLake maintenance
job with its schedule. The engine logic is in orchestration/warehouse.py.
"""


import os
from contextlib import contextmanager

from dagster import Failure, OpExecutionContext, ScheduleDefinition, job, op
from dagster_duckdb import DuckDBResource

from orchestration.partitions import TIMEZONE
from orchestration.warehouse import Warehouse, WarehouseError, connect, expire_snapshots

# Keep every snapshot younger than this many days (time travel over the last week), besides the
# ones always kept: the current one, the one BI reads and every period close.
KEEP_DAYS = int(os.environ.get("RETTIDIG_DUCKLAKE_KEEP_DAYS", "7"))


class WarehouseResource(DuckDBResource):
    """The DuckDB file (`database`, RETTIDIG_WAREHOUSE), or the DuckLake when RETTIDIG_DUCKLAKE
    is set: then `get_connection()` opens the lake through orchestration.warehouse.connect()."""

    @contextmanager
    def get_connection(self):
        warehouse = Warehouse.from_env()
        if not warehouse.is_ducklake:
            # the DuckDB file, with dagster-duckdb's waiting for a file another process holds
            with super().get_connection() as conn:
                yield conn
            return
        try:
            conn = connect(warehouse=warehouse)
        except WarehouseError as exc:
            raise Failure(description=str(exc)) from None
        try:
            yield conn
        finally:
            conn.close()


@op(
    pool="warehouse",
    description=(
        f"DuckLake maintenance: expire snapshots older than {KEEP_DAYS} days (RETTIDIG_DUCKLAKE_KEEP_DAYS) "
        "except the current one, the one BI reads and every period close; delete the files no snapshot "
        "uses. Nothing to do on a DuckDB file."
    ),
)
def expire_ducklake_snapshots(context: OpExecutionContext, duckdb: WarehouseResource) -> None:
    if not Warehouse.from_env().is_ducklake:
        context.log.info("The warehouse is a DuckDB file: it keeps no snapshots, nothing to expire.")
        return
    with duckdb.get_connection() as conn:
        result = expire_snapshots(conn, KEEP_DAYS)
    context.log.info(
        f"Expired {len(result.expired)} snapshot(s), kept {len(result.kept)}, deleted {result.files_deleted} file(s)."
    )


@job(description="DuckLake maintenance: expire old snapshots (keeping what BI and the closes need) and delete unused files.")
def ducklake_maintenance():
    expire_ducklake_snapshots()


ducklake_maintenance_schedule = ScheduleDefinition(
    job=ducklake_maintenance,
    cron_schedule="0 3 * * 0",  # Sundays at 03:00, when nobody runs the pipeline
    execution_timezone=TIMEZONE,
    description="DuckLake snapshot expiry and file clean-up, Sundays at 03:00 Copenhagen time.",
)
