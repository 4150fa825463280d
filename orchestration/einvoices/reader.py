"""Read the e-invoice folder into DuckDB's `raw` schema (../shared/contract/EINVOICES.md, "Input").

Every `*.xml` file (lower-case extension), in name order, is one document identified by the
SHA-256 of its bytes: bytes already read (under any name) are a no-op, recorded once per new name
as a `duplicate`. A file is either read (a row in raw.einvoice_documents, its payment means and
its read-time findings) or quarantined (raw.einvoice_quarantine, with the reason and where in the
file); nothing stops the run. Files are written in batches, each batch in one transaction.

    einvoices_dir(drop_folder) -> Path           the folder (RETTIDIG_EINVOICES_DIR)
    ensure_einvoice_schema(conn)
    read_einvoice_folder(conn, folder) -> ReadResult
"""

from __future__ import annotations

import hashlib
import os
from decimal import Decimal
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.loading.files import EINVOICES_SUBFOLDER as DEFAULT_SUBFOLDER  # the loader skips it

from .ubl import Quarantined, parse_document


READ, DUPLICATE, QUARANTINED = "read", "duplicate", "quarantined"
BATCH_FILES = 5000  # files per transaction: a crash loses at most one batch, which the next run reads again

FILES_COLUMNS = (
    ("load_id", "BIGINT"),
    ("file_name", "VARCHAR"),
    ("document_sha256", "VARCHAR"),
    ("bytes", "BIGINT"),
    ("status", "VARCHAR"),  # read / duplicate / quarantined
    ("duplicate_of", "VARCHAR"),  # for a duplicate: the file name the bytes were first read under
    ("read_at", "TIMESTAMP"),
)
DOCUMENT_COLUMNS = (
    ("document_sha256", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("syntax", "VARCHAR"),
    ("customization_id", "VARCHAR"),
    ("document_type", "VARCHAR"),
    ("invoice_number", "VARCHAR"),
    ("issue_date", "DATE"),
    ("due_date", "DATE"),
    ("supplier_endpoint_id", "VARCHAR"),
    ("supplier_endpoint_scheme", "VARCHAR"),
    ("supplier_cvr", "VARCHAR"),
    ("buyer_ean", "VARCHAR"),
    ("order_reference", "VARCHAR"),
    ("approver_id", "VARCHAR"),
    ("currency", "VARCHAR"),
    ("payable_amount", "DECIMAL(18,2)"),
    ("payment_means_count", "INTEGER"),
    ("_load_id", "BIGINT"),
)
PAYMENT_MEANS_COLUMNS = (
    ("document_sha256", "VARCHAR"),
    ("position", "INTEGER"),
    ("payment_means_code", "VARCHAR"),
    ("payment_id", "VARCHAR"),
    ("instruction_id", "VARCHAR"),
    ("payment_channel_code", "VARCHAR"),
    ("payee_account", "VARCHAR"),
    ("credit_account", "VARCHAR"),
    ("branch_id", "VARCHAR"),
    ("bic", "VARCHAR"),
    ("card_type", "VARCHAR"),
    ("card_payment_id", "VARCHAR"),
    ("account", "VARCHAR"),
    ("payment_text", "VARCHAR"),
    ("_load_id", "BIGINT"),
)
FINDING_COLUMNS = (
    ("document_sha256", "VARCHAR"),
    ("finding_code", "VARCHAR"),
    ("value_seen", "VARCHAR"),
    ("expected", "VARCHAR"),
    ("_load_id", "BIGINT"),
)
QUARANTINE_COLUMNS = (
    ("document_sha256", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("reason", "VARCHAR"),  # NOT_WELL_FORMED / NOT_AN_INVOICE / UNKNOWN_CUSTOMIZATION
    ("detail", "VARCHAR"),  # what is wrong, and where (line, column)
    ("_load_id", "BIGINT"),
)
TABLES = {
    "einvoice_files": FILES_COLUMNS,
    "einvoice_documents": DOCUMENT_COLUMNS,
    "einvoice_payment_means": PAYMENT_MEANS_COLUMNS,
    "einvoice_findings": FINDING_COLUMNS,
    "einvoice_quarantine": QUARANTINE_COLUMNS,
}


def einvoices_dir(drop_folder: Path) -> Path:
    """The e-invoice folder: the setting RETTIDIG_EINVOICES_DIR, by default `einvoices/` in the drop folder."""
    from orchestration.settings import Settings

    if os.environ.get("RETTIDIG_EINVOICES_DIR"):
        return Settings.from_env().einvoices_dir
    return Path(drop_folder) / DEFAULT_SUBFOLDER


@dataclass
class FileOutcome:
    file_name: str
    document_sha256: str
    status: str  # read / duplicate / quarantined
    reason: str | None = None
    detail: str | None = None
    findings: list[str] = field(default_factory=list)


@dataclass
class ReadResult:
    folder: Path
    files: list[FileOutcome] = field(default_factory=list)  # new outcomes of this run, in name order
    unchanged: int = 0  # files whose name and bytes were already recorded

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.files)


def ensure_einvoice_schema(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for name, columns in TABLES.items():
        conn.execute(f"CREATE TABLE IF NOT EXISTS raw.{name} (" + ", ".join(f"{c} {t}" for c, t in columns) + ")")


def xml_files(folder: Path) -> list[Path]:
    """The `*.xml` files of the folder in name order (nothing when the folder does not exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file() and p.name.endswith(".xml")), key=lambda p: p.name)


class _Batch:
    """The rows of a batch of files, per raw table, written in one transaction."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {name: [] for name in TABLES}
        self.files = 0

    def write(self, conn: duckdb.DuckDBPyConnection) -> None:
        if not self.files:
            return
        conn.execute("BEGIN TRANSACTION")
        try:
            for table, rows in self.rows.items():
                if rows:
                    columns = TABLES[table]
                    # amounts as text, cast exactly below: DuckDB would infer a DECIMAL width from
                    # the first rows of an object column and overflow on a larger amount later
                    rows = [[str(v) if isinstance(v, Decimal) else v for v in row] for row in rows]
                    import pandas as pd  # here: importing it costs every command about 1 s

                    frame = pd.DataFrame(rows, columns=[c for c, _ in columns], dtype=object)
                    conn.register("_einvoice_batch", frame)
                    conn.execute(
                        f"INSERT INTO raw.{table} SELECT "
                        + ", ".join(f"CAST({c} AS {t})" for c, t in columns)
                        + " FROM _einvoice_batch"
                    )
                    conn.unregister("_einvoice_batch")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def read_einvoice_folder(conn: duckdb.DuckDBPyConnection, folder: Path) -> ReadResult:
    """Read every new `*.xml` of `folder` (see the module docstring). A missing folder reads nothing."""
    ensure_einvoice_schema(conn)
    result = ReadResult(Path(folder))
    first_name = dict(conn.execute(
        "SELECT document_sha256, file_name FROM raw.einvoice_files WHERE status <> 'duplicate'").fetchall())
    recorded = set(conn.execute("SELECT file_name, document_sha256 FROM raw.einvoice_files").fetchall())
    load_id = conn.execute("SELECT coalesce(max(load_id), 0) FROM raw.einvoice_files").fetchone()[0]
    batch = _Batch()
    for path in xml_files(folder):
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if (path.name, sha) in recorded:
            result.unchanged += 1
            continue
        load_id += 1
        doc = None
        if sha in first_name:
            outcome = FileOutcome(path.name, sha, DUPLICATE, detail=f"the same bytes as {first_name[sha]}")
        else:
            try:
                doc = parse_document(data)
                outcome = FileOutcome(path.name, sha, READ, findings=[f.code for f in doc.findings])
            except Quarantined as q:
                outcome = FileOutcome(path.name, sha, QUARANTINED, q.reason, f"{path.name}: {q.detail}")
        batch.rows["einvoice_files"].append((
            load_id, path.name, sha, len(data), outcome.status,
            first_name.get(sha) if outcome.status == DUPLICATE else None, datetime.now(),
        ))
        if outcome.status == QUARANTINED:
            batch.rows["einvoice_quarantine"].append((sha, path.name, outcome.reason, outcome.detail, load_id))
        elif doc is not None:
            _add_document(batch, sha, path.name, doc, load_id)
        batch.files += 1
        recorded.add((path.name, sha))
        first_name.setdefault(sha, path.name)
        result.files.append(outcome)
        if batch.files >= BATCH_FILES:
            batch.write(conn)
            batch = _Batch()
    batch.write(conn)
    return result


def _add_document(batch: _Batch, sha: str, name: str, doc, load_id: int) -> None:
    batch.rows["einvoice_documents"].append((
        sha, name, doc.syntax, doc.customization_id, doc.document_type, doc.invoice_number, doc.issue_date,
        doc.due_date, doc.supplier_endpoint_id, doc.supplier_endpoint_scheme, doc.supplier_cvr, doc.buyer_ean,
        doc.order_reference, doc.approver_id, doc.currency, doc.payable_amount, len(doc.payment_means), load_id,
    ))
    batch.rows["einvoice_payment_means"] += [(
        sha, pm.position, pm.code, pm.payment_id, pm.instruction_id, pm.channel_code, pm.payee_account,
        pm.credit_account, pm.branch_id, pm.bic, pm.card_type, pm.payment_ref, pm.account, pm.text, load_id,
    ) for pm in doc.payment_means]
    batch.rows["einvoice_findings"] += [(sha, f.code, f.value_seen, f.expected, load_id) for f in doc.findings]
