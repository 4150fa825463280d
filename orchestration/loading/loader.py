"""Load a drop folder of Kvantum exports into DuckDB's `raw` schema (../shared/contract/EXPORTS.md).

Plain Python + DuckDB, nothing about Dagster. The rows are read by DuckDB's CSV reader with the
contract's types (dates, timestamps, decimal commas), its rejects table catches rows it cannot
read, and SQL checks the rest (required values, flags, code lists, duplicate events). Python works
per file and per column only. docs/loading.md explains every rule; docs/architecture.md the
tables this produces.

    ensure_raw_schema(conn)                   schema raw, the six tables, raw.load_log, raw.quarantine
    scan_drop_folder(folder) -> DropFolderScan
    load_source(conn, folder, source) -> SourceLoadResult
    load_drop_folder(conn, folder) -> list[SourceLoadResult]
    remove_file_load(conn, file_name) -> int  undo the load of one file (see docs/loading.md)
"""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

import duckdb

from orchestration.loading import records
from orchestration.loading.contract import (
    DATE_FORMAT,
    EVENTS_REQUIRING_REASON,
    SOURCES,
    TIMESTAMP_FORMAT,
    Column,
    Kind,
    Source,
)
from orchestration.loading.files import (
    ENC_CP1252,
    DropFile,
    DropFolderScan,
    FileBytes,
    IgnoredFile,
    file_sha256,
    file_stat,
    inspect_bytes,
    read_header,
    scan_drop_folder,
    write_read_copy,
)

__all__ = [
    "LOAD_ORDER",
    "DropFile",
    "DropFolderScan",
    "FileLoadResult",
    "IgnoredFile",
    "LoadOutOfMemory",
    "SourceLoadResult",
    "ensure_raw_schema",
    "load_drop_folder",
    "load_source",
    "remove_file_load",
    "scan_drop_folder",
]

RAW_SCHEMA = "raw"
# The order load_drop_folder loads the sources in: masters first, then documents, then events.
LOAD_ORDER = ("leverandoerer", "brugere", "indkoebsordrer", "fakturaer", "varemodtagelser", "fakturahaendelser", "udlaeg")
assert sorted(LOAD_ORDER) == sorted(SOURCES)

LOADED, UNCHANGED, REJECTED, IGNORED, REMOVED = "loaded", "unchanged", "rejected", "ignored", "removed"
LINEAGE_COLUMNS = (("_file_name", "VARCHAR"), ("_extract_date", "DATE"), ("_line", "BIGINT"), ("_load_id", "BIGINT"))
LOAD_LOG_COLUMNS = (
    ("load_id", "BIGINT"),
    ("file_name", "VARCHAR"),
    ("source", "VARCHAR"),
    ("extract_date", "DATE"),
    ("sha256", "VARCHAR"),
    ("bytes", "BIGINT"),
    ("encoding", "VARCHAR"),
    ("status", "VARCHAR"),
    ("rows", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_duplicate", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
    ("warnings", "VARCHAR[]"),
    ("error", "VARCHAR"),
    ("loaded_at", "TIMESTAMP"),
    ("file_stat", "VARCHAR"),  # files.file_stat when the run saw the file (added in session 10)
)
QUARANTINE_COLUMNS = (
    ("load_id", "BIGINT"),
    ("file_name", "VARCHAR"),
    ("source", "VARCHAR"),
    ("line", "BIGINT"),
    ("column_name", "VARCHAR"),
    ("raw_text", "VARCHAR"),
    ("reason", "VARCHAR"),
)
DUCKDB_MAX_LINE_SIZE = 2_097_152  # read_csv's default max_line_size (bytes per record)
_EXPECTED = {
    Kind.DATE: ("date", "DD-MM-YYYY"),
    Kind.TIMESTAMP: ("timestamp", "DD-MM-YYYY HH:MM:SS"),
    Kind.AMOUNT: ("number", "a number with a decimal comma, e.g. -1234,50"),
    Kind.QUANTITY: ("number", "a number with a decimal comma, e.g. -1234,50"),
    Kind.INTEGER: ("integer", "a whole number"),
}
_TEMP_TABLES = (
    "_ld_t", "_ld_rej", "_ld_rejscan", "_ld_rejrec", "_ld_pos", "_ld_shift", "_ld_dup", "_ld_q", "_ld_fmeta", "_ld_dh",
    "_ld_ex",
)
# A batch: the files of a source read together and loaded in one transaction (consecutive in load
# order, with the same columns). Bounded so that a batch's temp tables stay well within memory.
BATCH_MAX_BYTES = 256 * 1024 * 1024
BATCH_MAX_FILES = 2000
# A batch of at least this many bytes is loaded without waiting for the next file's inspection
# (_InspectAhead): the inspection runs faster than DuckDB loads, so DuckDB starts early and the
# batches after the first grow with what is inspected meanwhile.
BATCH_READY_BYTES = 32 * 1024 * 1024


# --------------------------------------------------------------------------------------------
# Results


@dataclass
class FileLoadResult:
    """What happened to one file. `rows` = `rows_loaded` + `rows_quarantined`, always."""

    file_name: str
    source: str | None
    extract_date: date | None
    status: str  # loaded / unchanged / rejected
    rows: int = 0  # data rows read from the file
    rows_loaded: int = 0  # accepted (includes rows_duplicate)
    rows_duplicate: int = 0  # of the loaded: identical events already known, not inserted again
    rows_quarantined: int = 0
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # for rejected files: what is wrong and what to do
    load_id: int | None = None
    sha256: str | None = None
    bytes: int | None = None
    file_stat: str | None = None  # files.file_stat as this run saw the file

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["extract_date"] = self.extract_date.isoformat() if self.extract_date else None
        return d


@dataclass
class SourceLoadResult:
    """The files of one source, in the order they were loaded, and the folder's ignored files."""

    source: str
    files: list[FileLoadResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # a warning per ignored file in the folder

    def _sum(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)

    @property
    def rows(self) -> int:
        return self._sum("rows")

    @property
    def rows_loaded(self) -> int:
        return self._sum("rows_loaded")

    @property
    def rows_duplicate(self) -> int:
        return self._sum("rows_duplicate")

    @property
    def rows_quarantined(self) -> int:
        return self._sum("rows_quarantined")

    def _with(self, status: str) -> list[FileLoadResult]:
        return [f for f in self.files if f.status == status]

    @property
    def rejected(self) -> list[FileLoadResult]:
        return self._with(REJECTED)

    @property
    def ok(self) -> bool:
        """No file of this source was rejected."""
        return not self.rejected

    @property
    def warnings(self) -> list[str]:
        return [w for f in self.files for w in f.warnings] + list(self.ignored)

    @property
    def errors(self) -> list[str]:
        return [f.error for f in self.rejected if f.error]

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "files_loaded": len(self._with(LOADED)),
            "files_unchanged": len(self._with(UNCHANGED)),
            "files_rejected": len(self.rejected),
            "rows": self.rows,
            "rows_loaded": self.rows_loaded,
            "rows_duplicate": self.rows_duplicate,
            "rows_quarantined": self.rows_quarantined,
            "files": [f.as_dict() for f in self.files],
            "ignored": list(self.ignored),
            "errors": self.errors,
        }


class LoadOutOfMemory(RuntimeError):
    """DuckDB ran out of memory reading a file: not the file's fault, so it is not rejected. Nothing
    of it was loaded; the next run reads it again. The message says what to change."""


class _Rejected(Exception):
    """The file as a whole cannot be loaded; the message says why and what to do."""


# --------------------------------------------------------------------------------------------
# SQL helpers


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _in_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


def _sql_value(v: Any) -> str:
    """A Python value as an SQL literal. The loader writes values into its SQL rather than bind
    parameters: binding one makes DuckDB's Python client import numpy and pandas (~0.5 s of CPU
    once per process, more than DuckDB's whole read of a small drop folder)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _lit(v)
    if isinstance(v, datetime):
        return f"TIMESTAMP '{v.isoformat(sep=' ')}'"
    if isinstance(v, date):
        return f"DATE '{v.isoformat()}'"
    if isinstance(v, list):
        return "[" + ", ".join(_sql_value(x) for x in v) + "]::VARCHAR[]"
    raise TypeError(f"no SQL literal for {type(v).__name__}")


def _table(source: str) -> str:
    return f"{RAW_SCHEMA}.{_q(source)}"


def _show(expr: str, width: int = 60) -> str:
    """SQL: a value for a message, quoted and cut to `width` characters."""
    return (
        f"'''' || CASE WHEN length({expr}) > {width} THEN left({expr}, {width}) || '...' "
        f"ELSE {expr} END || ''''"
    )


def _read_type(col: Column) -> str:
    """The type DuckDB's CSV reader reads a column as (flags as text: J/N are checked in SQL)."""
    return "VARCHAR" if col.kind is Kind.FLAG else col.duckdb_type


def _final_expr(col: Column, ref: str) -> str:
    """SQL: the raw-table value of a column from its cleaned, as-read value `ref`."""
    if col.kind is Kind.FLAG:
        return f"CASE {ref} WHEN 'J' THEN true WHEN 'N' THEN false END"
    return ref


def _checks(source: Source) -> list[tuple[str, str, str]]:
    """(column, SQL condition that makes a row bad, SQL reason) for every per-row rule in SQL."""
    out: list[tuple[str, str, str]] = []
    for col in source.columns:
        c = _q(col.name)
        if col.required:
            out.append((col.name, f"{c} IS NULL", _lit(f"missing required value: {col.name} is empty")))
        if col.kind is Kind.FLAG:
            out.append((
                col.name,
                f"{c} IS NOT NULL AND {c} NOT IN ('J', 'N')",
                f"'flag not J/N: {col.name} is ' || {_show(c)} || ', expected J or N'",
            ))
        if col.codes:
            out.append((
                col.name,
                f"{c} IS NOT NULL AND {c} NOT IN {_in_list(col.codes)}",
                f"'value outside its code list: {col.name} is ' || {_show(c)} || "
                + _lit(", expected one of " + ", ".join(col.codes)),
            ))
    names = source.column_names
    if "Årsagskode" in names and "Hændelse" in names:
        out.append((
            "Årsagskode",
            f'"Årsagskode" IS NULL AND "Hændelse" IN {_in_list(EVENTS_REQUIRING_REASON)}',
            "'missing required value: Årsagskode is empty, but event type ' || \"Hændelse\" "
            "|| ' requires a reason code'",
        ))
    return out


# --------------------------------------------------------------------------------------------
# Schema


def ensure_raw_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create schema `raw`, the six source tables, `raw.load_log` and `raw.quarantine` if missing."""
    statements = [f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}"]
    for source in SOURCES.values():
        cols = [(c.name, c.duckdb_type) for c in source.columns] + list(LINEAGE_COLUMNS)
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {_table(source.name)} ("
            + ", ".join(f"{_q(n)} {t}" for n, t in cols)
            + ")"
        )
    for name, cols in (("load_log", LOAD_LOG_COLUMNS), ("quarantine", QUARANTINE_COLUMNS)):
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.{name} ("
            + ", ".join(f"{_q(n)} {t}" for n, t in cols)
            + ")"
        )
    conn.execute(";\n".join(statements))
    # a load_log created before a column was added gets it (at the end, where _log writes it)
    have = {c for (c,) in conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        f"AND schema_name = '{RAW_SCHEMA}' AND table_name = 'load_log'"
    ).fetchall()}
    for name, type_ in LOAD_LOG_COLUMNS:
        if name not in have:
            conn.execute(f"ALTER TABLE {RAW_SCHEMA}.load_log ADD COLUMN {_q(name)} {type_}")


def _next_load_id(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {RAW_SCHEMA}.load_log").fetchone()[0]


def _log(conn: duckdb.DuckDBPyConnection, *results: FileLoadResult) -> None:
    """The load_log rows of `results` (load ids set), in one statement per 500."""
    now = datetime.now()
    for i in range(0, len(results), 500):
        conn.execute(
            f"INSERT INTO {RAW_SCHEMA}.load_log VALUES "
            + ", ".join(
                "(" + ", ".join(_sql_value(v) for v in (
                    r.load_id, r.file_name, r.source, r.extract_date, r.sha256, r.bytes, r.encoding, r.status,
                    r.rows, r.rows_loaded, r.rows_duplicate, r.rows_quarantined, list(r.warnings), r.error, now,
                    r.file_stat,
                )) + ")"
                for r in results[i:i + 500]
            )
        )


def _log_alone(conn: duckdb.DuckDBPyConnection, r: FileLoadResult) -> FileLoadResult:
    """Record an outcome that loads nothing (unchanged, rejected) in its own transaction."""
    conn.execute("BEGIN TRANSACTION")
    try:
        r.load_id = _next_load_id(conn)
        _log(conn, r)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return r


def record_ignored_files(conn: duckdb.DuckDBPyConnection, scan: DropFolderScan) -> None:
    """Put each ignored file in raw.load_log once (status `ignored`, source NULL)."""
    if not scan.ignored:
        return
    ensure_raw_schema(conn)
    for ign in scan.ignored:
        seen = conn.execute(
            f"SELECT count(*) FROM {RAW_SCHEMA}.load_log WHERE status = '{IGNORED}' AND file_name = {_lit(ign.name)}"
        ).fetchone()[0]
        if not seen:
            size = ign.path.stat().st_size if ign.path.is_file() else None
            _log_alone(conn, FileLoadResult(ign.name, None, None, IGNORED, bytes=size, warnings=[ign.warning]))


@contextmanager
def _insertion_order_kept(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Row order = file order is what maps rows to lines; make sure the connection keeps it."""
    kept = conn.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    if not kept:
        conn.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        if not kept:
            conn.execute("SET preserve_insertion_order = false")


# --------------------------------------------------------------------------------------------
# Public entry points


def load_drop_folder(
    conn: duckdb.DuckDBPyConnection, folder: Path, work_dir: Path | None = None
) -> list[SourceLoadResult]:
    """Load every source of the drop folder, in LOAD_ORDER. Rejected files do not raise."""
    scan = scan_drop_folder(Path(folder))
    return [_load_source(conn, scan, source, work_dir) for source in LOAD_ORDER]


def load_source(
    conn: duckdb.DuckDBPyConnection, folder: Path, source: str, work_dir: Path | None = None
) -> SourceLoadResult:
    """Load the files of one source from the drop folder, oldest extract first.

    Each file is loaded, or recorded as unchanged or rejected. The files to load are read and
    loaded in batches (consecutive files with the same columns), one transaction per batch, with
    the same result as loading them one after another (docs/loading.md). A rejected file does not
    raise: the caller decides (see SourceLoadResult.ok / .errors). `work_dir` is where UTF-8/LF
    copies of files are written when needed (default: the system's temp folder).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    return _load_source(conn, scan_drop_folder(Path(folder)), source, work_dir)


def _load_source(
    conn: duckdb.DuckDBPyConnection, scan: DropFolderScan, source: str, work_dir: Path | None
) -> SourceLoadResult:
    ensure_raw_schema(conn)
    record_ignored_files(conn, scan)
    result = SourceLoadResult(source, ignored=scan.warnings)
    files = scan.files_of(source)
    if not files:
        return result
    priors = _current_loads(conn, [f.name for f in files])
    copies = _Copies(work_dir)
    ahead = _InspectAhead([f for f in files if f.name not in priors])
    try:
        with _insertion_order_kept(conn):
            batch: list[_Entry] = []
            reads = size = 0  # files to read in the batch, their bytes
            for f in files:
                if size >= BATCH_READY_BYTES and not ahead.ready(f):
                    # DuckDB would wait for this file's inspection: load what is ready first
                    _load_batch(conn, batch)
                    copies.clear()
                    batch, reads, size = [], 0, 0
                e = _prepare(f, priors.get(f.name), copies, ahead)
                if e.columns is not None:
                    columns = next((b.columns for b in batch if b.columns is not None), None)
                    full = reads >= BATCH_MAX_FILES or size + (e.res.bytes or 0) > BATCH_MAX_BYTES
                    if reads and (e.columns != columns or full):
                        _load_batch(conn, batch)
                        copies.clear(keep=e.read_path)
                        batch, reads, size = [], 0, 0
                    reads += 1
                    size += e.res.bytes or 0
                batch.append(e)
                result.files.append(e.res)
            if batch:
                _load_batch(conn, batch)
    finally:
        ahead.close()
        copies.remove()
    return result


def remove_file_load(conn: duckdb.DuckDBPyConnection, file_name: str) -> int:
    """Undo the load of one file: delete its rows and quarantined rows, log status `removed`.

    Afterwards a file of that name loads as if never delivered. Returns the number of rows
    deleted from the raw table. See docs/loading.md before using it on an event source.
    """
    ensure_raw_schema(conn)
    row = conn.execute(
        f"""SELECT source, extract_date, sha256, bytes, encoding FROM {RAW_SCHEMA}.load_log
            WHERE file_name = ? AND status IN ('{LOADED}', '{REMOVED}')
            ORDER BY load_id DESC LIMIT 1""",
        [file_name],
    ).fetchone()
    if row is None or row[0] is None:
        raise ValueError(f"{file_name} has no load to remove")
    source = row[0]
    conn.execute("BEGIN TRANSACTION")
    try:
        deleted = conn.execute(f"DELETE FROM {_table(source)} WHERE _file_name = ?", [file_name]).fetchone()[0]
        conn.execute(f"DELETE FROM {RAW_SCHEMA}.quarantine WHERE file_name = ?", [file_name])
        r = FileLoadResult(file_name, source, row[1], REMOVED, sha256=row[2], bytes=row[3], encoding=row[4],
                           warnings=[f"removed the load of {file_name}: {deleted} rows deleted"])
        r.load_id = _next_load_id(conn)
        _log(conn, r)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return deleted


# --------------------------------------------------------------------------------------------
# The files of a source, in batches


@dataclass
class _Entry:
    """A file of the source, in load order: decided before reading (unchanged, or rejected as a
    whole: `columns` is None), or to be read with `columns` from `read_path`."""

    f: DropFile
    res: FileLoadResult
    read_path: Path | None = None
    info: FileBytes | None = None  # what the inspection of its bytes found
    columns: tuple[tuple[str, str], ...] | None = None  # the read: (name, type) in file order
    cols: list[tuple[str, Column | None]] = field(default_factory=list)  # header: contract column or None


class _InspectAhead:
    """The byte inspections (files.inspect_bytes: hash, encoding, line endings) of the new files,
    done in order by a background thread while DuckDB reads and writes the batches before them:
    hashing releases the GIL, and DuckDB leaves part of the machine idle (its insert is mostly on
    one thread). A file's inspection is taken when the file's turn comes (`info`)."""

    def __init__(self, files: list[DropFile]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rettidig-inspect") if files else None
        self._futures = {f.path: self._pool.submit(inspect_bytes, f.path) for f in files} if self._pool else {}

    def ready(self, f: DropFile) -> bool:
        """The file's inspection is done (or not asked for: it is done when its turn comes)."""
        future = self._futures.get(f.path)
        return future is None or future.done()

    def info(self, f: DropFile) -> FileBytes:
        future = self._futures.pop(f.path, None)
        return future.result() if future is not None else inspect_bytes(f.path)

    def close(self) -> None:
        """Stop: the inspections not started are dropped (a failed run does not wait for them)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


class _Copies:
    """The UTF-8/LF copies DuckDB reads instead of some files (files.needs_copy), in one temp folder."""

    def __init__(self, work_dir: Path | None) -> None:
        self.work_dir = work_dir
        self.folder: Path | None = None

    def target(self, f: DropFile) -> Path:
        """Where the copy of `f` goes."""
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="rettidig-load-", dir=self.work_dir))
        return self.folder / f.name

    def clear(self, keep: Path | None = None) -> None:
        """Delete the copies written so far but `keep` (the batch that used them is loaded; `keep`
        is the copy of the file that starts the next batch)."""
        if self.folder is not None:
            for p in self.folder.iterdir():
                if p != keep:
                    p.unlink()

    def remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _current_loads(conn: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, tuple[int, str, str, str | None]]:
    """(load_id, sha256, encoding, file_stat) of each file's load in force (loaded and not removed
    since), with the file_stat of the last run that saw those bytes (files.file_stat; None when no
    run recorded one: a load_log from before the column)."""
    has_stat = conn.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
        f"AND schema_name = '{RAW_SCHEMA}' AND table_name = 'load_log' AND column_name = 'file_stat'"
    ).fetchone()[0]
    rows = conn.execute(
        f"""WITH in_force AS (
                SELECT file_name, load_id, sha256, encoding, status FROM {RAW_SCHEMA}.load_log
                WHERE status IN ('{LOADED}', '{REMOVED}') AND file_name IN (SELECT unnest({_sql_value(names)}))
                QUALIFY row_number() OVER (PARTITION BY file_name ORDER BY load_id DESC) = 1
            ), seen AS (
                SELECT seen.file_name, max_by({"seen.file_stat" if has_stat else "NULL::VARCHAR"}, seen.load_id) AS file_stat
                FROM {RAW_SCHEMA}.load_log AS seen JOIN in_force USING (file_name)
                WHERE seen.load_id >= in_force.load_id AND seen.status IN ('{LOADED}', '{UNCHANGED}')
                GROUP BY seen.file_name
            )
            SELECT file_name, load_id, sha256, encoding, status, seen.file_stat
            FROM in_force LEFT JOIN seen USING (file_name)"""
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3], r[5]) for r in rows if r[4] == LOADED}


def _is_loaded(path: Path, prior: tuple[int, str, str, str | None] | None, stat: str) -> bool:
    """The file's bytes are those of its load in force: its file_stat is the one last seen (no read),
    or else its sha256 is the load's."""
    return prior is not None and (stat == prior[3] or file_sha256(path) == prior[1])


def unloaded_files(conn: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """The export files in `folder` whose exact bytes are not loaded (new, changed, or their load
    removed): what a run would load or reject. Reads nothing but the files it has not seen as they
    are now (files.file_stat)."""
    files = [f for fs in scan_drop_folder(Path(folder)).files.values() for f in fs]
    try:
        priors = _current_loads(conn, [f.name for f in files])
    except duckdb.CatalogException:  # no load_log yet: nothing is loaded
        return [f.name for f in files]
    return [f.name for f in files if not _is_loaded(f.path, priors.get(f.name), file_stat(f.path))]


def _prepare(
    f: DropFile, prior: tuple[int, str, str, str | None] | None, copies: _Copies, ahead: _InspectAhead
) -> _Entry:
    """Everything decided per file before reading: bytes, re-delivery, encoding, header."""
    stat = file_stat(f.path)
    if _is_loaded(f.path, prior, stat):
        # delivered again with identical bytes: a no-op (a hash at most, not a full inspection)
        res = FileLoadResult(f.name, f.source, f.extract_date, UNCHANGED, encoding=prior[2], sha256=prior[1],
                             bytes=f.path.stat().st_size, file_stat=stat)
        return _Entry(f, res)
    info = ahead.info(f)
    read_path = f.path
    if prior is None and info.needs_copy and not info.has_nul:
        read_path = write_read_copy(f.path, info, copies.target(f))
    res = FileLoadResult(f.name, f.source, f.extract_date, LOADED, encoding=info.encoding,
                         sha256=info.sha256, bytes=info.size, file_stat=stat)
    e = _Entry(f, res)
    if prior is not None:
        res.status = REJECTED
        res.error = (
            f"{f.name} was delivered before with different content (sha256 {prior[1][:16]}... in load "
            f"{prior[0]}, now {info.sha256[:16]}...); a delivered file never changes: deliver the "
            f"change as a new extract with a new date, or remove the earlier load "
            f"(see docs/loading.md); nothing from it was loaded"
        )
        return e
    if info.encoding == ENC_CP1252:
        offset, line, byte = info.invalid_utf8_at or (0, 0, 0)
        res.warnings.append(
            f"{f.name} is not valid UTF-8 (byte 0x{byte:02X} at offset {offset}, line {line}); "
            f"it was read as Windows-1252"
        )
    try:
        cols = _header_columns(f, info, read_path, res)
    except _Rejected as err:
        res.status, res.error = REJECTED, str(err)
        return e
    e.read_path, e.info, e.cols = read_path, info, cols
    e.columns = tuple(
        (name if col else f"_unknown_{i + 1}", _read_type(col) if col else "VARCHAR")
        for i, (name, col) in enumerate(cols)
    )
    return e


def _load_batch(conn: duckdb.DuckDBPyConnection, batch: list[_Entry]) -> None:
    """Load a batch in one transaction: the files to read (read together, before it) and the
    load_log rows of every file of the batch, load ids in load order. A batch that cannot be read
    together (a file DuckDB cannot read as CSV, a failed internal check, too little memory) is loaded
    file by file, so each file gets the rejection it would get alone. A single file that DuckDB has
    not the memory to read raises LoadOutOfMemory: the files before it stay loaded, it and the rest
    wait for the next run."""
    reads = [e for e in batch if e.columns is not None]
    prepared = None
    try:
        if reads:
            try:
                # Reading and checking happen in temp tables before the transaction: inside one,
                # DuckDB gives new rows transaction-local rowids, and rowid order is what maps rows
                # to lines. Nothing persistent changes until the transaction below.
                prepared = _read_batch(conn, reads, [i for i, e in enumerate(batch) if e.columns is not None])
            except (_Rejected, LoadOutOfMemory) as err:
                if len(reads) > 1:  # one file at a time needs less memory too
                    _drop_temp_tables(conn)
                    for e in batch:
                        _load_batch(conn, [e])
                    return
                if isinstance(err, LoadOutOfMemory):
                    raise
                reads[0].res.status, reads[0].res.error = REJECTED, str(err)
                reads[0].columns = None
        conn.execute("BEGIN TRANSACTION")
        try:
            first_id = _next_load_id(conn)
            for i, e in enumerate(batch):
                e.res.load_id = first_id + i
            if prepared is not None:
                _write_batch(conn, prepared, first_id)
            _log(conn, *[e.res for e in batch])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        _drop_temp_tables(conn)


def _drop_temp_tables(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(";\n".join(
        ["DROP VIEW IF EXISTS _ld_rows_l", "DROP VIEW IF EXISTS _ld_rows"] + [f"DROP TABLE IF EXISTS {t}" for t in _TEMP_TABLES]
        + records.drop_temp_statements()
    ))


def _header_columns(
    f: DropFile, info: FileBytes, read_path: Path, res: FileLoadResult
) -> list[tuple[str, Column | None]]:
    """The file's columns in file order: (name, contract column or None for an unknown one)."""
    if info.has_nul:
        raise _Rejected(
            f"{f.name} holds NUL bytes, so it is not a text export; nothing from it was loaded. "
            f"Ask for the export again (see docs/loading.md)"
        )
    source = SOURCES[f.source]
    header = read_header(read_path)
    if not header or header == [""]:
        raise _Rejected(
            f"{f.name} has no header line (the file is empty or its first line is empty); nothing "
            f"from it was loaded. The first line must name the columns (see EXPORTS.md)"
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise _Rejected(
                f"{f.name}: column {name} appears twice in the header; nothing from it was loaded. "
                f"Ask for a corrected export"
            )
        seen.add(name)
    missing = [c for c in source.columns if c.name not in seen]
    unknown = [n for n in header if n not in source.column_names]

    def hint(col: str) -> str:
        near = [n for n in unknown if n.strip().casefold() == col.casefold()]
        return f" (the header has {near[0]!r}: names must be written exactly as in the contract)" if near else ""

    req_missing = [c.name for c in missing if c.required]
    if req_missing:
        cols = ", ".join(f"{n}{hint(n)}" for n in req_missing)
        raise _Rejected(
            f"{f.name} lacks the required column{'s' if len(req_missing) > 1 else ''} {cols}; nothing "
            f"from it was loaded. Ask for a corrected export with every required column and deliver it "
            f"(the same name may be used, as nothing of it was loaded; see docs/loading.md)"
        )
    for c in missing:
        res.warnings.append(f"{f.name}: optional column {c.name} is missing; it reads as empty (NULL)")
    for n in unknown:
        shown = repr(n) if n else f"(unnamed, position {header.index(n) + 1})"
        near = [c for c in source.column_names if n.strip().casefold() == c.casefold()]
        also = f" (did you mean {near[0]}? names must be written exactly as in the contract)" if near else ""
        res.warnings.append(f"{f.name}: unknown column {shown} is ignored{also}")
    return [(n, source.column(n) if n in source.column_names else None) for n in header]


@dataclass
class _Prepared:
    reads: list[_Entry]  # the files read, in load order: `f` in the temp tables is the index here
    recmaps: list[records.RecordMap]  # per file
    checks: list[tuple[str, str, str]]
    n_fields: int  # fields in the files' header
    scanned: bool = True  # the line scan made its tables (records.map_records), else only _ld_files
    n_bad: int = 0  # records in _ld_q before the conflicting duplicates (_left_out)
    n_dup: int = 0  # records in _ld_dup


@contextmanager
def _reading(conn: duckdb.DuckDBPyConnection, reads: list[_Entry]) -> Iterator[None]:
    """What reading the batch's files can meet, as the loader reports it."""
    try:
        yield
    except duckdb.OutOfMemoryException as oom:
        [(limit,)] = conn.execute("SELECT current_setting('memory_limit')").fetchall()
        names = ", ".join(entry.f.name for entry in reads)
        raise LoadOutOfMemory(
            f"DuckDB ran out of memory reading {names} (memory limit {limit}: {str(oom).splitlines()[0]}). "
            f"Nothing of it was loaded and it is not rejected: the next run reads it again. Give the load "
            f"more memory (RETTIDIG_MEMORY_LIMIT, docs/parameters.md) or fewer DuckDB threads "
            f"(RETTIDIG_THREADS), and run again."
        ) from None
    except duckdb.Error as e:
        raise _Rejected(
            f"{reads[0].f.name} could not be read as CSV ({str(e).splitlines()[0]}); nothing from it was loaded. "
            f"Ask for a corrected export (see docs/loading.md)"
        ) from e
    except records.LineOrderError as e:
        raise _Rejected(_internal_error(reads[0].f.name, f"the line scan failed: {e}")) from e


def _scan_lines(conn: duckdb.DuckDBPyConnection, reads: list[_Entry]) -> list[records.RecordMap]:
    with _reading(conn, reads):
        return records.map_records(conn, [e.read_path for e in reads if e.read_path])


def _read_batch(conn: duckdb.DuckDBPyConnection, reads: list[_Entry], offsets: list[int]) -> _Prepared:
    """Everything before the batch's transaction: the files read and placed (_read_and_place), the
    records to leave out found (_left_out)."""
    prep = _read_and_place(conn, reads, offsets)
    _left_out(conn, prep)
    return prep


def _read_and_place(conn: duckdb.DuckDBPyConnection, reads: list[_Entry], offsets: list[int]) -> _Prepared:
    """Read the files (same columns) together into temp tables: `_ld_rows` (good rows with their
    record `_rec` and file `_f`, `_bad` flagged by the SQL checks), `_ld_rows_l` (the same with
    their line `_line`) and `_ld_rejrec` (DuckDB's rejected records with reasons). Records are
    keyed by `rec`, numbered over the batch (records.py). `offsets`: each file's place in the batch
    (its load id is the batch's first + that)."""
    first = reads[0]
    source = SOURCES[first.f.source]
    cols = first.cols
    present = {c.name for _, c in cols if c is not None}
    paths = [str(e.read_path) for e in reads]

    # 1. DuckDB reads the files, typed; rows it cannot read go to its rejects table. The rows it
    #    reads are kept cleaned ('' is missing; a column the files lack is NULL), with `_tf`, the
    #    file's index. (Only scalar expressions here: the table's row order must be the files'
    #    order, and an `IN` list, say, is a join that need not keep it.)
    columns_struct = "{" + ", ".join(f"{_lit(n)}: {_lit(t)}" for n, t in first.columns) + "}"
    # A file of CRLFs read as it is (files.FileBytes.needs_copy): a CRLF inside a quoted field
    # becomes an LF, as in a copy. (Only a quoted field can hold one.)
    crlf = any(e.info is not None and e.info.has_cr and e.info.has_quote and e.read_path == e.f.path for e in reads)
    clean = []
    for col in source.columns:
        if col.name not in present:
            clean.append(f"NULL::{_read_type(col)} AS {_q(col.name)}")
        elif _read_type(col) == "VARCHAR":
            value = f"replace({_q(col.name)}, chr(13) || chr(10), chr(10))" if crlf else _q(col.name)
            clean.append(f"NULLIF({value}, '') AS {_q(col.name)}")
        else:
            clean.append(_q(col.name))
    checks = _checks(source)
    bad_expr = " OR ".join(f"({cond})" for _, cond, _ in checks) or "false"
    conn.execute("DROP TABLE IF EXISTS _ld_rej")
    conn.execute("DROP TABLE IF EXISTS _ld_rejscan")
    with _reading(conn, reads):
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_t AS
            SELECT file_index::INTEGER AS _tf, {", ".join(clean)} FROM read_csv(
                {_sql_value(paths)}, columns = {columns_struct}, header = true, auto_detect = false,
                delim = ';', quote = '"', escape = '"', strict_mode = true,
                dateformat = {_lit(DATE_FORMAT)}, timestampformat = {_lit(TIMESTAMP_FORMAT)},
                decimal_separator = ',', store_rejects = true,
                rejects_table = '_ld_rej', rejects_scan = '_ld_rejscan')
            """
        )
    n_rejected = conn.execute("SELECT count(*) FROM _ld_rej").fetchone()[0]
    n_fields = len(cols)
    # The line scan (records.py) is skipped when the inspection of the bytes shows every file to
    # hold one record per line (files.FileBytes.one_record_per_line), DuckDB rejected nothing and
    # read a row for every line but the header. Else, or when the text of a record is needed after
    # all (_left_out), the line scan decides.
    scanned = bool(n_rejected) or not all(e.info and e.info.one_record_per_line(n_fields) for e in reads)
    if not scanned:
        recmaps = records.one_line_records(conn, [e.info.lines for e in reads if e.info])
        [(n_read,)] = conn.execute("SELECT count(*) FROM _ld_t").fetchall()
        scanned = n_read != sum(m.n_data_records for m in recmaps)
    if scanned:
        recmaps = _scan_lines(conn, reads)
    # Per file: its place in the batch, name, extract date, first line and record, and the rowid
    # of its first row in `_ld_t` if DuckDB rejects none of the batch's records (the rows before it
    # are the earlier files' data records).
    first_rows = [sum(m.n_data_records for m in recmaps[:i]) for i in range(len(recmaps))]
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _ld_fmeta AS SELECT v.*, fl.first_line, fl.first_rec FROM (VALUES "
        + ", ".join(
            f"({i}, {off}, {_lit(e.f.name)}, {_sql_value(e.f.extract_date)}, {first_row})"
            for i, (e, off, first_row) in enumerate(zip(reads, offsets, first_rows))
        )
        + ") AS v(f, off, name, extract_date, first_row) JOIN _ld_files fl ON fl.f = v.f"
    )

    # 2. DuckDB's rejected records, one row per record, with a reason in plain words.
    cast_reason = "CASE column_name " + " ".join(
        f"WHEN {_lit(c.name)} THEN 'unparseable {_EXPECTED[c.kind][0]}: {c.name} is ' || "
        f"{_show('val')} || {_lit(', expected ' + _EXPECTED[c.kind][1])}"
        for _, c in cols if c is not None and c.kind in _EXPECTED
    ) + " ELSE 'unparseable value: ' || column_name || ' is ' || " + _show("val") + " END"
    unterminated = (
        "'unterminated quote: the quoted field in ' || column_name || ' is never closed, so the rest "
        "of the file was read as this one record'"
    )
    malformed = (
        "'malformed quotes: ' || column_name || ' has text after its closing quote or a quote that "
        "is never closed (a quote inside a field is written \"\" and the field is quoted)'"
    )
    # (The usual case, no rejects, skips the queries: each costs a fixed few ms per batch.)
    if not n_rejected:
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE _ld_rejrec (rec BIGINT, f INTEGER, column_name VARCHAR, reason VARCHAR)"
        )
    else:
        # The rejects name the file by its index in the list read (checked against its path).
        scanned = conn.execute("SELECT DISTINCT file_id, file_path FROM _ld_rejscan").fetchall()
        if any(i >= len(paths) or paths[i] != p for i, p in scanned):
            raise _Rejected(_internal_error(first.f.name, "DuckDB's rejects name files not read"))
        # DuckDB's `line` is the record's ordinal in its file: rec = the file's first rec + line - 1.
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_rejrec AS
            WITH e AS (
                SELECT fl.first_rec + r.line - 1 AS rec, r.file_id::INTEGER AS f, r.column_idx, r.column_name,
                       r.error_type::VARCHAR AS error_type,
                       r.error_type::VARCHAR IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') AS field_count,
                       TRY_CAST(regexp_extract(r.error_message, 'Found: (\\d+)', 1) AS BIGINT) AS found,
                       CASE r.error_type::VARCHAR
                           WHEN 'CAST' THEN {cast_reason}
                           WHEN 'UNQUOTED VALUE' THEN CASE WHEN fl.ends_in_quote AND r.line = fl.n_records
                                                           THEN {unterminated} ELSE {malformed} END
                           WHEN 'LINE SIZE OVER MAXIMUM'
                               THEN 'record too long: more than {DUCKDB_MAX_LINE_SIZE} bytes'
                           ELSE 'unreadable record: ' || r.error_message
                       END AS reason
                FROM (SELECT *, regexp_extract(error_message, 'Could not convert string "(.*)" to ''', 1) AS val
                      FROM _ld_rej) r
                JOIN _ld_files fl ON fl.f = r.file_id
            ), fc AS (
                SELECT rec, any_value(f) AS f, min(column_idx) AS column_idx,
                       coalesce(min(found) FILTER (WHERE error_type = 'MISSING COLUMNS'), max(found)) AS found
                FROM e WHERE field_count GROUP BY rec
            ), one AS (
                -- A record with the wrong number of fields gets that reason only, not the cast errors
                -- of its shifted fields. The count is ours (records.count_fields): DuckDB's "Found:"
                -- stops at the first non-empty extra field.
                SELECT fc.rec, fc.f, fc.column_idx, NULL::VARCHAR AS column_name,
                       'wrong number of fields: '
                       || CASE WHEN {records.fields_sql('s')} <> {n_fields}
                               THEN {records.fields_sql('s')} ELSE fc.found END
                       || ' instead of {n_fields}' AS reason
                FROM fc
                JOIN (SELECT rec, fields FROM _ld_recs) s ON s.rec = fc.rec
                LEFT JOIN _ld_nf nf ON nf.rec = fc.rec
                UNION ALL
                SELECT rec, f, column_idx, column_name, reason FROM e
                WHERE NOT field_count AND rec NOT IN (SELECT rec FROM e WHERE field_count)
            )
            SELECT rec, any_value(f) AS f,
                   CASE WHEN count(*) = 1 THEN any_value(column_name) END AS column_name,
                   string_agg(reason, '; ' ORDER BY column_idx) AS reason
            FROM one GROUP BY rec
            """
        )

    # 3. Map DuckDB's good rows (file order, the files in order) onto the records it did not
    #    reject. A reject must be a non-empty data record of its file ("on the grid").
    bad_recs = conn.execute(
        """SELECT count(*), count(*) FILTER (WHERE s.rec IS NULL OR s.empty OR r.rec <= fl.first_rec
                                             OR r.rec > fl.last_rec)
           FROM _ld_rejrec r JOIN _ld_files fl ON fl.f = r.f
           LEFT JOIN (SELECT rec, empty FROM _ld_recs) s ON s.rec = r.rec"""
    ).fetchone() if n_rejected else (0, 0)
    n_good = conn.execute("SELECT count(*) FROM _ld_t").fetchone()[0]
    n_data = sum(m.n_data_records for m in recmaps)
    if bad_recs[1] or n_good + bad_recs[0] != n_data:
        raise _Rejected(_internal_error(
            first.f.name,
            f"DuckDB read {n_good} rows and rejected {bad_recs[0]} records, but the file has {n_data} "
            f"data records on {sum(m.n_lines for m in recmaps)} lines ({bad_recs[1]} rejects off the record grid)",
        ))
    multi_line = any(m.multi_line_records for m in recmaps)
    if not n_rejected and (not scanned or _records_are_rows(conn, recmaps, n_fields, multi_line)):
        return _pair_by_position(conn, reads, recmaps, checks, n_fields, first_rows, bad_expr, multi_line, scanned)
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ld_pos AS
        SELECT r.rec AS _rec, r.f AS _pf, r.line - m.first_line + 1 AS _line,
               {records.fields_sql('r') if multi_line else 'r.fields'} AS _fields,
               m.name AS _name, m.extract_date AS _date, m.off AS _off
        FROM (SELECT rec, f, line, empty, fields FROM _ld_recs) r
        JOIN _ld_fmeta m ON m.f = r.f
        {"LEFT JOIN _ld_nf nf ON nf.rec = r.rec" if multi_line else ""}
        WHERE r.rec > m.first_rec AND NOT r.empty
              {"AND r.rec NOT IN (SELECT rec FROM _ld_rejrec)" if n_rejected else ""}
        ORDER BY r.rec
        """
    )

    # 4. The good rows with their file and line, and whether they are bad: a value check failed, or
    #    the field count is wrong (DuckDB accepts extra empty fields at the end of a row). A view:
    #    `_ld_t` and `_ld_pos` paired (a positional scan, both in file order) and checked, for each
    #    step below; each carries `_rec`, so what they do after the pairing may reorder rows.
    #    (_fields is NULL only for a record over more than records.RAW_TEXT_MAX_LINES lines.)
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _ld_rows AS
        SELECT *, _bad_fields OR coalesce({bad_expr}, false) AS _bad FROM (
            SELECT p._rec, p._pf AS _f, p._line, p._fields, coalesce(p._fields <> {n_fields}, false) AS _bad_fields,
                   p._name, p._date, p._off, t.*
            FROM _ld_t t POSITIONAL JOIN _ld_pos p
        )
        """
    )
    conn.execute("CREATE OR REPLACE TEMP VIEW _ld_rows_l AS SELECT * FROM _ld_rows")
    # The row DuckDB read and the record it is paired with must be of the same file.
    crossed = conn.execute(
        "SELECT count(*) FROM (SELECT _tf FROM _ld_t) POSITIONAL JOIN (SELECT _pf FROM _ld_pos) WHERE _tf <> _pf"
    ).fetchone()[0]
    if crossed:
        raise _Rejected(_internal_error(first.f.name, f"{crossed} rows paired with records of another file"))
    return _Prepared(reads, recmaps, checks, n_fields)


def _records_are_rows(
    conn: duckdb.DuckDBPyConnection, recmaps: list[records.RecordMap], n_fields: int, multi_line: bool
) -> bool:
    """The usual batch: every record of every file is a data row with the header's number of
    fields (no empty line, no extra or missing field); a record may run over several lines."""
    if any(m.n_data_records != m.n_records - 1 for m in recmaps):  # an empty line
        return False
    if not multi_line:
        sql = f"SELECT count(*) FROM _ld_recs WHERE fields <> {n_fields}"
    else:
        sql = f"""SELECT count(*) FROM _ld_recs r LEFT JOIN _ld_nf nf ON nf.rec = r.rec
                  WHERE {records.fields_sql('r')} <> {n_fields}"""
    [(off_count,)] = conn.execute(sql).fetchall()
    return off_count == 0


def _pair_by_position(
    conn: duckdb.DuckDBPyConnection, reads: list[_Entry], recmaps: list[records.RecordMap],
    checks: list[tuple[str, str, str]], n_fields: int, first_rows: list[int], bad_expr: str,
    multi_line: bool = False, scanned: bool = True,
) -> _Prepared:
    """Step 3-4 for the usual batch (_records_are_rows, and DuckDB rejected nothing): DuckDB's
    k-th row of a file is its k-th data record, so `_ld_rows` is `_ld_t` with the record worked
    out from its rowid, no pairing with the record map (a positional join over every row, which
    DuckDB runs on one thread; docs/loading.md). The record's line is its number plus the
    continuation lines of the records over several lines before it (`_ld_shift`, below); without
    them, the k-th data record is on line k + 2. Checked: each file's rows are exactly the rowids
    it is expected at. `scanned`: whether the line scan made its tables (else only `_ld_files`)."""
    expected = {f: (first, first + m.n_data_records - 1, m.n_data_records)
                for f, (first, m) in enumerate(zip(first_rows, recmaps)) if m.n_data_records}
    found = {f: (lo, hi, n) for f, lo, hi, n in conn.execute(
        "SELECT _tf, min(rowid), max(rowid), count(*) FROM _ld_t GROUP BY _tf"
    ).fetchall()}
    if found != expected:
        raise _Rejected(_internal_error(
            reads[0].f.name, f"DuckDB's rows are not the files' records in order (rowids {found}, expected {expected})"
        ))
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _ld_rows AS
        SELECT *, {n_fields} AS _fields, false AS _bad_fields, coalesce({bad_expr}, false) AS _bad FROM (
            SELECT m.first_rec + 1 + t.rowid - m.first_row AS _rec, t._tf AS _f, m.first_line AS _first_line,
                   m.name AS _name, m.extract_date AS _date, m.off AS _off, t.*
            FROM _ld_t t JOIN _ld_fmeta m ON m.f = t._tf
        )
        """
    )
    # `_ld_rows_l`: the rows with their lines, for the steps that need them (the insert, the
    # duplicates' references). A record's line is its number plus the continuation lines before
    # it: a step function of the record, constant from each record that follows one over several
    # lines. Its intervals [lo, hi) are listed for each bucket of 1,024 records they overlap, so that
    # each row finds its interval in a hash join on its bucket (an ASOF join would sort every row).
    if multi_line:
        conn.execute(
            """
            CREATE OR REPLACE TEMP TABLE _ld_shift AS
            WITH p AS (
                SELECT 0 AS rec, 0 AS shift
                UNION ALL
                SELECT rec + 1, max(line) - rec FROM _ld_contrec GROUP BY rec
            ), i AS (
                SELECT rec AS lo, coalesce(lead(rec) OVER (ORDER BY rec), (SELECT max(last_rec) + 1 FROM _ld_files)) AS hi,
                       shift
                FROM p
            )
            SELECT unnest(range(lo >> 10, ((hi - 1) >> 10) + 1)) AS bucket, lo, hi, shift FROM i WHERE hi > lo
            """
        )
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _ld_rows_l AS
        SELECT r.*, r._rec + {"s.shift" if multi_line else "0"} - r._first_line + 1 AS _line
        FROM _ld_rows r
        {"JOIN _ld_shift s ON s.bucket = r._rec >> 10 AND r._rec >= s.lo AND r._rec < s.hi" if multi_line else ""}
        """
    )
    return _Prepared(reads, recmaps, checks, n_fields, scanned)


def _internal_error(name: str, what: str) -> str:
    return (
        f"{name}: internal check failed: {what}; nothing from it was loaded. Please report this with "
        f"the file (see docs/loading.md)"
    )


def _left_out(conn: duckdb.DuckDBPyConnection, prep: _Prepared) -> None:
    """Before the batch's transaction (temp tables only): the records to quarantine (`_ld_q`) and
    the duplicate events (`_ld_dup`); counts in prep.n_bad, prep.n_dup. If a record is to be
    quarantined and the line scan was skipped, it is made now: the quarantine keeps each record's
    text."""
    reads = prep.reads
    source = SOURCES[reads[0].f.source]
    checks, n_fields = prep.checks, prep.n_fields
    finals = [f"{_final_expr(c, 'a.' + _q(c.name))} AS {_q(c.name)}" for c in source.columns]
    col_list = ", ".join(_q(c.name) for c in source.columns)

    # 5. Quarantine: DuckDB's rejects and the rows failing the SQL checks (the only pass over all
    #    rows that evaluates the checks: later steps leave out the records in _ld_q), then below
    #    the conflicting duplicate events.
    problems = "list_filter([" + ", ".join(
        f"CASE WHEN {cond} THEN {{'c': {_lit(name)}, 'r': {reason}}} END" for name, cond, reason in checks
    ) + "], x -> x IS NOT NULL)" if checks else "[]"
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ld_q AS
        SELECT rec, f, column_name, reason FROM _ld_rejrec
        UNION ALL
        SELECT _rec, _f,
               CASE WHEN len(list_distinct(list_transform(p, x -> x.c))) = 1 THEN p[1].c END,
               array_to_string(list_transform(p, x -> x.r), '; ')
        FROM (
            SELECT _rec, _f,
                   CASE WHEN _bad_fields
                        THEN [{{'c': NULL::VARCHAR,
                                'r': 'wrong number of fields: ' || _fields || ' instead of {n_fields}'}}]
                        ELSE {problems} END AS p
            FROM _ld_rows WHERE _bad
        )
        """
    )
    n_bad = conn.execute("SELECT count(*) FROM _ld_q").fetchone()[0]
    accepted = "WHERE _rec NOT IN (SELECT rec FROM _ld_q)" if n_bad else ""

    # 6. Events: an id already loaded, or earlier in this batch (an earlier file, or earlier in the
    #    file), is a duplicate or a conflict. The one it is compared with is its first accepted
    #    occurrence in load order, as if the files were loaded one after another: `rec` numbers the
    #    records of the batch in load order.
    n_dup = 0
    if source.is_event:
        key = _q(source.key[0])
        diff = "list_filter([" + ", ".join(
            f"CASE WHEN a.{_q(c.name)} IS DISTINCT FROM b.{_q(c.name)} THEN {_lit(c.name)} END"
            for c in source.columns
        ) + "], x -> x IS NOT NULL)"
        # Narrow first: the hashes of ids that occur more than once in the batch, and of the raw
        # table only the first row of each id that occurs in the batch (a hash semi-join on the
        # key). Usually both are empty, and that is all; else the rows with those ids are few.
        # (With nothing quarantined, the rows are those of `_ld_t`: no need for their records.)
        rows = f"_ld_rows {accepted}" if n_bad else "_ld_t"
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_dh AS
            SELECT h FROM (SELECT hash({key}) AS h FROM {rows}) GROUP BY h HAVING count(*) > 1
            """
        )
        raw_rows = conn.execute(f"SELECT EXISTS (SELECT 1 FROM {_table(source.name)})").fetchone()[0]
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_ex AS
            SELECT {col_list}, _file_name, _line FROM {_table(source.name)}
            WHERE {key} IN (SELECT {key} FROM {rows}) {"" if raw_rows else "AND false"}
            QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _load_id, _extract_date, _line) = 1
            """
        )
        n_cand = conn.execute("SELECT (SELECT count(*) FROM _ld_dh) + (SELECT count(*) FROM _ld_ex)").fetchone()[0]
    if source.is_event and n_cand:
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_dup AS
            WITH keys AS MATERIALIZED (
                SELECT _rec, {key} AS id FROM _ld_rows
                WHERE (hash({key}) IN (SELECT h FROM _ld_dh) OR {key} IN (SELECT {key} FROM _ld_ex))
                      {"AND _rec NOT IN (SELECT rec FROM _ld_q)" if n_bad else ""}
            ), multi AS MATERIALIZED (
                SELECT id, min(_rec) AS first_rec FROM keys GROUP BY id HAVING count(*) > 1
            ), cand AS MATERIALIZED (
                SELECT k._rec, k.id, NULL::BIGINT AS first_rec FROM keys k WHERE k.id IN (SELECT {key} FROM _ld_ex)
                UNION ALL
                SELECT k._rec, k.id, m.first_rec FROM keys k JOIN multi m ON k.id = m.id AND k._rec > m.first_rec
                WHERE k.id NOT IN (SELECT {key} FROM _ld_ex)
            ), crow AS MATERIALIZED (
                SELECT a._rec, a._f, a._line, a._name, {", ".join(finals)} FROM _ld_rows_l a
                WHERE a._rec IN (SELECT _rec FROM cand) OR a._rec IN (SELECT first_rec FROM cand)
            ), cmp AS (
                SELECT c._rec, a._f, c.id, {diff} AS diff, b._file_name AS ref_file, b._line AS ref_line
                FROM cand c JOIN crow a ON a._rec = c._rec JOIN _ld_ex b ON b.{key} = c.id
                WHERE c.first_rec IS NULL
                UNION ALL
                SELECT c._rec, a._f, c.id, {diff}, b._name, b._line
                FROM cand c JOIN crow a ON a._rec = c._rec JOIN crow b ON b._rec = c.first_rec
                WHERE c.first_rec IS NOT NULL
            )
            SELECT _rec AS rec, _f AS f, id, diff, ref_file, ref_line,
                   CASE WHEN len(diff) = 0 THEN 'duplicate' ELSE 'conflict' END AS kind
            FROM cmp
            """
        )
        n_dup = conn.execute("SELECT count(*) FROM _ld_dup").fetchone()[0]
    if not n_dup:
        conn.execute("CREATE OR REPLACE TEMP TABLE _ld_dup (rec BIGINT, f INTEGER, kind VARCHAR)")
    else:
        conn.execute(
            f"""
            INSERT INTO _ld_q
            SELECT rec, f, NULL,
                   'conflicting duplicate event: {source.key[0]} ' || {_show('id')} || ' was first delivered in '
                   || ref_file || ', line ' || ref_line || ', with different '
                   || array_to_string(diff, ', ') || '; the first one stays'
            FROM _ld_dup WHERE kind = 'conflict'
            """
        )
    prep.n_bad, prep.n_dup = n_bad, n_dup
    if not prep.scanned and (n_bad or n_dup) and conn.execute("SELECT EXISTS (FROM _ld_q)").fetchone()[0]:
        recmaps = _scan_lines(conn, reads)
        if recmaps != prep.recmaps:
            raise _Rejected(_internal_error(
                reads[0].f.name, f"the line scan found other records than the bytes ({recmaps} != {prep.recmaps})"
            ))
        prep.scanned = True


def _write_batch(conn: duckdb.DuckDBPyConnection, prep: _Prepared, first_id: int) -> None:
    """Inside the batch's transaction: the quarantine, the raw rows; fills each file's counts. The
    files' load ids are set (res.load_id = first_id + its offset in the batch)."""
    reads = prep.reads
    source = SOURCES[reads[0].f.source]
    n_bad, n_dup = prep.n_bad, prep.n_dup
    finals = [f"{_final_expr(c, 'a.' + _q(c.name))} AS {_q(c.name)}" for c in source.columns]
    col_list = ", ".join(_q(c.name) for c in source.columns)
    quarantined = (
        dict(conn.execute("SELECT f, count(*) FROM _ld_q GROUP BY f").fetchall()) if n_bad or n_dup else {}
    )
    if quarantined:
        conn.execute(
            f"""
            INSERT INTO {RAW_SCHEMA}.quarantine
            SELECT {first_id} + m.off, m.name, {_lit(source.name)}, t.start_line, q.column_name, t.raw_text, q.reason
            FROM _ld_q q JOIN ({records.raw_text_sql('_ld_q')}) t ON t.rec = q.rec JOIN _ld_fmeta m ON m.f = t.f
            ORDER BY q.rec
            """
        )

    # 7. The accepted rows: all but the quarantined ones and the duplicates.
    left_out = [t for t, n in (("_ld_q", n_bad), ("_ld_dup", n_dup)) if n]
    conn.execute(
        f"""
        INSERT INTO {_table(source.name)} ({col_list}, _file_name, _extract_date, _line, _load_id)
        SELECT {", ".join(finals)}, a._name, a._date, a._line, {first_id} + a._off
        FROM _ld_rows_l a
        {"WHERE " + " AND ".join(f"a._rec NOT IN (SELECT rec FROM {t})" for t in left_out) if left_out else ""}
        """
    )
    duplicates = dict(
        conn.execute("SELECT f, count(*) FROM _ld_dup WHERE kind = 'duplicate' GROUP BY f").fetchall() if n_dup else []
    )
    ids = [e.res.load_id for e in reads]
    inserted = dict(conn.execute(
        f"SELECT _load_id, count(*) FROM {_table(source.name)} WHERE _load_id BETWEEN {min(ids)} AND {max(ids)} "
        "GROUP BY _load_id"
    ).fetchall())
    for i, (e, recmap) in enumerate(zip(reads, prep.recmaps)):
        res = e.res
        res.rows = recmap.n_data_records
        res.rows_quarantined = quarantined.get(i, 0)
        res.rows_duplicate = duplicates.get(i, 0)
        res.rows_loaded = res.rows - res.rows_quarantined
        n = inserted.get(res.load_id, 0)
        if n != res.rows_loaded - res.rows_duplicate:
            raise RuntimeError(
                f"{e.f.name}: reconciliation failed: {res.rows} rows = {res.rows_loaded} loaded "
                f"({res.rows_duplicate} duplicates) + {res.rows_quarantined} quarantined, but {n} inserted"
            )
