"""Group `raw`: the e-invoices of the NemHandel inbox (OIOUBL, Peppol BIS 3), read into
`raw.einvoice_*` by orchestration/einvoices (EINVOICES.md), with checks that every file is
accounted for and that quarantined files are reported.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset_check,
    multi_asset,
)
from dagster_duckdb import DuckDBResource

from orchestration.assets.raw import RAW_GROUP, WAREHOUSE_POOL
from orchestration.einvoices.reader import (
    DUPLICATE,
    QUARANTINED,
    READ,
    einvoices_dir,
    ensure_einvoice_schema,
    read_einvoice_folder,
    xml_files,
)
from orchestration.resources import DropFolder

# the raw tables dbt reads (source `einvoices`); the translator keys them raw/<table>
EINVOICE_TABLES = ("einvoice_documents", "einvoice_payment_means", "einvoice_findings", "einvoice_quarantine")
DOCUMENTS_KEY = AssetKey([RAW_GROUP, "einvoice_documents"])
QUARANTINE_KEY = AssetKey([RAW_GROUP, "einvoice_quarantine"])
_DESCRIPTIONS = {
    "einvoice_documents": "One row per e-invoice read (OIOUBL 2.x/3, Peppol BIS 3), keyed by the SHA-256 of its bytes.",
    "einvoice_payment_means": "One row per cac:PaymentMeans of a document read, with its payment text.",
    "einvoice_findings": "The read-time findings (document-only checks) of each invoice read.",
    "einvoice_quarantine": "One row per file not read: NOT_WELL_FORMED, NOT_AN_INVOICE or UNKNOWN_CUSTOMIZATION.",
}


@multi_asset(
    name="einvoices",
    specs=[
        AssetSpec(AssetKey([RAW_GROUP, table]), group_name=RAW_GROUP, kinds={"duckdb", "xml"},
                  description=_DESCRIPTIONS[table])
        for table in EINVOICE_TABLES
    ],
    pool=WAREHOUSE_POOL,
    description=(
        "Every new *.xml of the e-invoice folder (RETTIDIG_EINVOICES_DIR, default einvoices/ in the "
        "drop folder) read once by its hash into raw.einvoice_*; files that are no UBL invoice are "
        "quarantined with their reason (EINVOICES.md). A missing folder reads nothing."
    ),
)
def einvoices(context: AssetExecutionContext, duckdb: DuckDBResource, drop_folder: DropFolder):
    folder = einvoices_dir(drop_folder.folder)
    if not folder.is_dir():
        context.log.info(f"No e-invoice folder at {folder} (RETTIDIG_EINVOICES_DIR): no e-invoices read.")
    with duckdb.get_connection() as conn:
        result = read_einvoice_folder(conn, folder)
        totals = dict(conn.execute(
            "select 'einvoice_documents', count(*) from raw.einvoice_documents union all "
            "select 'einvoice_payment_means', count(*) from raw.einvoice_payment_means union all "
            "select 'einvoice_findings', count(*) from raw.einvoice_findings union all "
            "select 'einvoice_quarantine', count(*) from raw.einvoice_quarantine").fetchall())
    for f in result.files:
        if f.status == QUARANTINED:
            context.log.warning(f"quarantined {f.reason}: {f.detail}")
        elif f.status == DUPLICATE:
            context.log.info(f"{f.file_name}: {f.detail}, not read again")
    summary = {
        "folder": str(folder),
        "files_read": result.count(READ),
        "files_quarantined": result.count(QUARANTINED),
        "files_duplicate": result.count(DUPLICATE),
        "files_unchanged": result.unchanged,
    }
    context.log.info(", ".join(f"{k} {v}" for k, v in summary.items()))
    for table in EINVOICE_TABLES:
        yield MaterializeResult(
            asset_key=AssetKey([RAW_GROUP, table]),
            metadata={**summary, "dagster/row_count": totals[table]},
        )


@asset_check(
    asset=DOCUMENTS_KEY,
    name="files_reconcile",
    blocking=True,
    description=(
        "Every *.xml of the e-invoice folder is in raw.einvoice_files; every file read has exactly one "
        "document with all its payment means, every quarantined file exactly one quarantine row."
    ),
)
def einvoice_files_reconcile(context: AssetCheckExecutionContext, duckdb: DuckDBResource,
                             drop_folder: DropFolder) -> AssetCheckResult:
    names = [p.name for p in xml_files(einvoices_dir(drop_folder.folder))]
    with duckdb.get_connection() as conn:
        ensure_einvoice_schema(conn)
        logged = {n for (n,) in conn.execute("select distinct file_name from raw.einvoice_files").fetchall()}
        broken = conn.execute(
            """
            with files as (select * from raw.einvoice_files where status in ('read', 'quarantined')),
            documents as (select document_sha256, count(*) as n, any_value(payment_means_count) as means
                          from raw.einvoice_documents group by all),
            means as (select document_sha256, count(*) as n from raw.einvoice_payment_means group by all),
            quarantine as (select document_sha256, count(*) as n from raw.einvoice_quarantine group by all)
            select files.file_name
            from files
            left join documents using (document_sha256)
            left join means using (document_sha256)
            left join quarantine using (document_sha256)
            where (files.status = 'read' and (coalesce(documents.n, 0) <> 1 or coalesce(quarantine.n, 0) <> 0
                                              or coalesce(means.n, 0) <> documents.means))
               or (files.status = 'quarantined' and (coalesce(quarantine.n, 0) <> 1 or coalesce(documents.n, 0) <> 0))
            order by 1
            """
        ).fetchall()
    missing = sorted(set(names) - logged)
    problems = [r[0] for r in broken] + missing
    return AssetCheckResult(
        passed=not problems,
        metadata={"files_in_folder": len(names), "files_not_reconciling": MetadataValue.json(problems)},
        description=None if not problems else (
            f"{len(problems)} e-invoice file(s) not accounted for: {', '.join(problems[:10])}. This is a "
            "reader defect, not a data problem: report it with the raw.einvoice_files rows."
        ),
    )


@asset_check(
    asset=QUARANTINE_KEY,
    name="no_quarantined_files",
    blocking=False,
    description="Reports the e-invoice files held in raw.einvoice_quarantine (a warning, not a stop).",
)
def einvoice_quarantine_check(context: AssetCheckExecutionContext, duckdb: DuckDBResource) -> AssetCheckResult:
    with duckdb.get_connection() as conn:
        ensure_einvoice_schema(conn)
        by_reason = conn.execute(
            "select reason, count(*) from raw.einvoice_quarantine group by reason order by 2 desc, 1").fetchall()
    total = sum(n for _, n in by_reason)
    return AssetCheckResult(
        passed=total == 0,
        severity=AssetCheckSeverity.WARN,
        metadata={"quarantined_files": total, "by_reason": MetadataValue.json(dict(by_reason))},
        description=None if total == 0 else (
            f"{total} e-invoice file(s) quarantined; see `select * from raw.einvoice_quarantine` and ask the "
            "supplier (or the NemHandel operator) to send the invoice again as OIOUBL or Peppol BIS 3."
        ),
    )


einvoice_asset_checks = [einvoice_files_reconcile, einvoice_quarantine_check]
