"""Group `raw`: one asset per export source, loading every file of the drop folder into
`raw.<source>` (orchestration/loading does the work), with checks that every file reconciles.
"""


from collections.abc import Sequence

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetChecksDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from orchestration.loading.contract import SOURCES
from orchestration.loading.loader import load_source, scan_drop_folder
from orchestration.resources import DropFolder

RAW_GROUP = "raw"
# One writer at a time on the DuckDB file: every asset that writes it runs in this pool.
WAREHOUSE_POOL = "warehouse"


def raw_asset_key(source: str) -> AssetKey:
    return AssetKey([RAW_GROUP, source])


def _raw_asset(source: str) -> AssetsDefinition:
    spec = SOURCES[source]

    @asset(
        key=raw_asset_key(source),
        group_name=RAW_GROUP,
        kinds={"duckdb", "csv"},
        pool=WAREHOUSE_POOL,
        description=(
            f"Kvantum export `{source}` ({spec.description}): every `{source}_YYYYMMDD.csv` in the "
            f"drop folder, loaded into `raw.{source}` with bad rows quarantined (EXPORTS.md)."
        ),
    )
    def _load(context: AssetExecutionContext, duckdb: DuckDBResource, drop_folder: DropFolder) -> MaterializeResult:
        folder = drop_folder.folder
        if not folder.is_dir():
            raise FileNotFoundError(
                f"The drop folder {folder} does not exist. Point RETTIDIG_EXPORTS_DIR at the folder "
                "Kvantum exports into, or run `rettidig generate --out <folder>` for sample data."
            )
        for warning in scan_drop_folder(folder).warnings:
            context.log.warning(warning)
        with duckdb.get_connection() as conn:
            result = load_source(conn, folder, source)
            total_rows = conn.execute(f"select count(*) from raw.{source}").fetchone()[0]
        for f in result.files:
            line = (
                f"{f.file_name}: {f.status}, {f.rows} rows, {f.rows_loaded} loaded "
                f"({f.rows_duplicate} already known), {f.rows_quarantined} quarantined"
            )
            if f.status == "rejected":
                context.log.error(f"{line}: {f.error}")
            elif f.rows_quarantined:
                context.log.warning(line)
            else:
                context.log.info(line)
            for warning in f.warnings:
                context.log.warning(warning)
        files = result.files
        return MaterializeResult(
            metadata={
                "files_seen": len(files),
                "files_loaded": sum(f.status == "loaded" for f in files),
                "files_unchanged": sum(f.status == "unchanged" for f in files),
                "files_rejected": sum(f.status == "rejected" for f in files),
                "rows_loaded": sum(f.rows_loaded for f in files),
                "rows_quarantined": sum(f.rows_quarantined for f in files),
                "dagster/row_count": total_rows,
                "files": MetadataValue.md(_files_table(files)),
            }
        )

    return _load


def _files_table(files: Sequence) -> str:
    if not files:
        return "No files of this source in the drop folder."
    rows = ["| file | status | rows | loaded | quarantined |", "|---|---|---|---|---|"]
    rows += [f"| {f.file_name} | {f.status} | {f.rows} | {f.rows_loaded} | {f.rows_quarantined} |" for f in files]
    return "\n".join(rows)


def _reconcile_check(source: str) -> AssetChecksDefinition:
    @asset_check(
        asset=raw_asset_key(source),
        name="files_reconcile",
        blocking=True,
        description=(
            "Every data row of every accepted file is loaded or quarantined: per file, rows = loaded + "
            "quarantined in the load log, the quarantine holds the quarantined rows, and the raw table "
            "holds the loaded rows that were new."
        ),
    )
    def _check(context: AssetCheckExecutionContext, duckdb: DuckDBResource) -> AssetCheckResult:
        with duckdb.get_connection() as conn:
            broken = conn.execute(
                f"""
                with files as (
                    select load_id, file_name, rows, rows_loaded, rows_duplicate, rows_quarantined
                    from raw.load_log where source = ? and status = 'loaded'
                ),
                in_raw as (select _load_id, _file_name, count(*) as n from raw.{source} group by all),
                in_quarantine as (select load_id, file_name, count(*) as n from raw.quarantine group by all)
                select f.file_name, f.rows, f.rows_loaded, f.rows_duplicate, f.rows_quarantined,
                       coalesce(r.n, 0) as rows_in_raw, coalesce(q.n, 0) as rows_in_quarantine
                from files f
                left join in_raw r on r._load_id = f.load_id and r._file_name = f.file_name
                left join in_quarantine q on q.load_id = f.load_id and q.file_name = f.file_name
                where f.rows <> f.rows_loaded + f.rows_quarantined
                   or coalesce(r.n, 0) <> f.rows_loaded - f.rows_duplicate
                   or coalesce(q.n, 0) <> f.rows_quarantined
                order by f.file_name
                """,
                [source],
            ).fetchall()
            checked = conn.execute(
                "select count(*) from raw.load_log where source = ? and status = 'loaded'", [source]
            ).fetchone()[0]
        return AssetCheckResult(
            passed=not broken,
            metadata={
                "files_checked": checked,
                "files_not_reconciling": MetadataValue.json([list(map(str, row)) for row in broken]),
            },
            description=None if not broken else (
                f"{len(broken)} file(s) of {source} do not reconcile: {', '.join(r[0] for r in broken)}. "
                "This is a loader defect, not a data problem: report it with the load log rows."
            ),
        )

    return _check


def _quarantine_check(source: str) -> AssetChecksDefinition:
    @asset_check(
        asset=raw_asset_key(source),
        name="no_quarantined_rows",
        blocking=False,
        description="Reports the rows of this source held in raw.quarantine (a warning, not a stop).",
    )
    def _check(context: AssetCheckExecutionContext, duckdb: DuckDBResource) -> AssetCheckResult:
        with duckdb.get_connection() as conn:
            by_reason = conn.execute(
                "select reason, count(*) from raw.quarantine where source = ? group by reason order by 2 desc",
                [source],
            ).fetchall()
        total = sum(n for _, n in by_reason)
        return AssetCheckResult(
            passed=total == 0,
            severity=AssetCheckSeverity.WARN,
            metadata={"quarantined_rows": total, "by_reason": MetadataValue.json(dict(by_reason))},
            description=None if total == 0 else (
                f"{total} row(s) of {source} quarantined; see `select * from raw.quarantine where "
                f"source = '{source}'` and ask Kvantum for a corrected extract."
            ),
        )

    return _check


def _accepted_check(source: str) -> AssetChecksDefinition:
    @asset_check(
        asset=raw_asset_key(source),
        name="no_rejected_files",
        blocking=False,
        description=(
            "No file of this source was rejected in its latest load attempt (a changed re-delivery, "
            "a missing required column). A rejected file is not loaded at all."
        ),
    )
    def _check(context: AssetCheckExecutionContext, duckdb: DuckDBResource) -> AssetCheckResult:
        with duckdb.get_connection() as conn:
            rejected = conn.execute(
                """
                select file_name, error from raw.load_log
                where source = ?
                qualify row_number() over (partition by file_name order by load_id desc) = 1
                    and status = 'rejected'
                order by file_name
                """,
                [source],
            ).fetchall()
        return AssetCheckResult(
            passed=not rejected,
            severity=AssetCheckSeverity.ERROR,
            metadata={"rejected_files": MetadataValue.json({name: error for name, error in rejected})},
            description="; ".join(error for _, error in rejected) or None,
        )

    return _check


raw_assets = [_raw_asset(source) for source in SOURCES]
raw_asset_checks = [
    check for source in SOURCES for check in (_reconcile_check(source), _quarantine_check(source), _accepted_check(source))
]
