"""The DuckLake maintenance job in Dagster, with its schedule (the warehouse resource is in
resources.py, the engine logic in orchestration/warehouse.py).
"""


from dagster import OpExecutionContext, ScheduleDefinition, job, op
from dagster_duckdb import DuckDBResource

from orchestration.partitions import TIMEZONE
from orchestration.settings import Settings
from orchestration.warehouse import expire_snapshots



@op(
    pool="warehouse",
    description=(
        "DuckLake maintenance: expire snapshots older than RETTIDIG_DUCKLAKE_KEEP_DAYS days (default 7) "
        "except the current one, the one BI reads and every period close; delete the files no snapshot "
        "uses. Nothing to do on a DuckDB file."
    ),
)
def expire_ducklake_snapshots(context: OpExecutionContext, duckdb: DuckDBResource) -> None:
    settings = Settings.from_env()
    if not settings.ducklake:
        context.log.info("The warehouse is a DuckDB file: it keeps no snapshots, nothing to expire.")
        return
    with duckdb.get_connection() as conn:
        result = expire_snapshots(conn, settings.ducklake_keep_days)
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
