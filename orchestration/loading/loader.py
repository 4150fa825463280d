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
_TEMP_TABLES = ("_ld_rows", "_ld_t", "_ld_rej", "_ld_rejscan", "_ld_rejrec", "_ld_pos", "_ld_dup", "_ld_q")


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
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    for source in SOURCES.values():
        cols = [(c.name, c.duckdb_type) for c in source.columns] + list(LINEAGE_COLUMNS)
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {_table(source.name)} ("
            + ", ".join(f"{_q(n)} {t}" for n, t in cols)
            + ")"
        )
    for name, cols in (("load_log", LOAD_LOG_COLUMNS), ("quarantine", QUARANTINE_COLUMNS)):
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.{name} ("
            + ", ".join(f"{_q(n)} {t}" for n, t in cols)
            + ")"
        )


def _next_load_id(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {RAW_SCHEMA}.load_log").fetchone()[0]


def _log(conn: duckdb.DuckDBPyConnection, r: FileLoadResult) -> None:
    conn.execute(
        f"INSERT INTO {RAW_SCHEMA}.load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::VARCHAR[], ?, ?)",
        [
            r.load_id, r.file_name, r.source, r.extract_date, r.sha256, r.bytes, r.encoding, r.status,
            r.rows, r.rows_loaded, r.rows_duplicate, r.rows_quarantined, list(r.warnings), r.error,
            datetime.now(),
        ],
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
    ensure_raw_schema(conn)
    for ign in scan.ignored:
        seen = conn.execute(
            f"SELECT count(*) FROM {RAW_SCHEMA}.load_log WHERE status = ? AND file_name = ?",
            [IGNORED, ign.name],
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

    Each file is loaded in one transaction, or recorded as unchanged or rejected. A rejected file
    does not raise: the caller decides (see SourceLoadResult.ok / .errors). `work_dir` is where
    UTF-8/LF copies of files are written when needed (default: the system's temp folder).
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
    with _insertion_order_kept(conn):
        for f in scan.files_of(source):
            result.files.append(_load_file(conn, f, work_dir))
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
# One file


def _current_load(conn: duckdb.DuckDBPyConnection, name: str) -> tuple[int, str] | None:
    """(load_id, sha256) of the file's load in force, if it was loaded and not removed since."""
    row = conn.execute(
        f"""SELECT load_id, sha256, status FROM {RAW_SCHEMA}.load_log
            WHERE file_name = ? AND status IN ('{LOADED}', '{REMOVED}')
            ORDER BY load_id DESC LIMIT 1""",
        [name],
    ).fetchone()
    return (row[0], row[1]) if row and row[2] == LOADED else None


def _load_file(conn: duckdb.DuckDBPyConnection, f: DropFile, work_dir: Path | None) -> FileLoadResult:
    info = inspect_bytes(f.path)
    res = FileLoadResult(f.name, f.source, f.extract_date, LOADED, encoding=info.encoding,
                         sha256=info.sha256, bytes=info.size)
    prior = _current_load(conn, f.name)
    if prior is not None:
        if prior[1] == info.sha256:
            res.status = UNCHANGED
            return _log_alone(conn, res)
        res.status = REJECTED
        res.error = (
            f"{f.name} was delivered before with different content (sha256 {prior[1][:16]}... in load "
            f"{prior[0]}, now {info.sha256[:16]}...); a delivered file never changes: deliver the "
            f"change as a new extract with a new date, or remove the earlier load "
            f"(see docs/loading.md); nothing from it was loaded"
        )
        return _log_alone(conn, res)

    tmp = Path(tempfile.mkdtemp(prefix="rettidig-load-", dir=work_dir)) if info.needs_copy else None
    try:
        read_path = f.path
        if tmp is not None:
            read_path = write_read_copy(f.path, info, tmp / f.name)
        if info.encoding == ENC_CP1252:
            offset, line, byte = info.invalid_utf8_at or (0, 0, 0)
            res.warnings.append(
                f"{f.name} is not valid UTF-8 (byte 0x{byte:02X} at offset {offset}, line {line}); "
                f"it was read as Windows-1252"
            )
        try:
            # Reading and checking happen in temp tables before the transaction: inside one,
            # DuckDB gives new rows transaction-local rowids, and rowid order is what maps rows
            # to lines. Nothing persistent changes until the transaction below.
            prepared = _read_rows(conn, f, info, read_path, res)
        except _Rejected as e:
            res.status, res.error = REJECTED, str(e)
            return _log_alone(conn, res)
        conn.execute("BEGIN TRANSACTION")
        try:
            res.load_id = _next_load_id(conn)
            _write_rows(conn, f, prepared, res)
            _log(conn, res)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return res
    finally:
        for t in _TEMP_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {t}")
        records.drop_temp_tables(conn)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


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


@dataclass(frozen=True)
class _Prepared:
    recmap: records.RecordMap
    checks: list[tuple[str, str, str]]
    n_fields: int  # fields in the file's header


def _read_rows(
    conn: duckdb.DuckDBPyConnection, f: DropFile, info: FileBytes, read_path: Path, res: FileLoadResult
) -> _Prepared:
    """Read the file into temp tables: `_ld_rows` (good rows with their lines, `_bad` flagged by
    the SQL checks) and `_ld_rejrec` (DuckDB's rejected records with reasons)."""
    source = SOURCES[f.source]
    cols = _header_columns(f, info, read_path, res)
    present = {c.name for _, c in cols if c is not None}

    # 1. DuckDB reads the file, typed; rows it cannot read go to its rejects table.
    read_cols = []
    for i, (name, col) in enumerate(cols):
        read_cols.append((name if col else f"_unknown_{i + 1}", _read_type(col) if col else "VARCHAR"))
    columns_struct = "{" + ", ".join(f"{_lit(n)}: {_lit(t)}" for n, t in read_cols) + "}"
    projection = ", ".join(_q(c.name) for c in source.columns if c.name in present)
    conn.execute("DROP TABLE IF EXISTS _ld_rej")
    conn.execute("DROP TABLE IF EXISTS _ld_rejscan")
    try:
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_t AS
            SELECT {projection} FROM read_csv(
                ?, columns = {columns_struct}, header = true, auto_detect = false,
                delim = ';', quote = '"', escape = '"', strict_mode = true,
                dateformat = {_lit(DATE_FORMAT)}, timestampformat = {_lit(TIMESTAMP_FORMAT)},
                decimal_separator = ',', store_rejects = true,
                rejects_table = '_ld_rej', rejects_scan = '_ld_rejscan')
            """,
            [str(read_path)],
        )
        recmap = records.map_records(conn, read_path)
    except duckdb.Error as e:
        raise _Rejected(
            f"{f.name} could not be read as CSV ({str(e).splitlines()[0]}); nothing from it was loaded. "
            f"Ask for a corrected export (see docs/loading.md)"
        ) from e

    # 2. DuckDB's rejected records, one row per record, with a reason in plain words.
    n_fields = len(cols)
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
    # (The usual case, no rejects, skips the queries: each costs a fixed few ms per file.)
    n_rejected = conn.execute("SELECT count(*) FROM _ld_rej").fetchone()[0]
    if not n_rejected:
        conn.execute("CREATE OR REPLACE TEMP TABLE _ld_rejrec (rec BIGINT, column_name VARCHAR, reason VARCHAR)")
    else:
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_rejrec AS
            WITH e AS (
                SELECT line AS rec, column_idx, column_name, error_type::VARCHAR AS error_type,
                       error_type::VARCHAR IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') AS field_count,
                       TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS BIGINT) AS found,
                       CASE error_type::VARCHAR
                           WHEN 'CAST' THEN {cast_reason}
                           WHEN 'UNQUOTED VALUE' THEN CASE WHEN {str(recmap.ends_in_quote).lower()}
                                                            AND line = {recmap.n_records}
                                                           THEN {unterminated} ELSE {malformed} END
                           WHEN 'LINE SIZE OVER MAXIMUM'
                               THEN 'record too long: more than {DUCKDB_MAX_LINE_SIZE} bytes'
                           ELSE 'unreadable record: ' || error_message
                       END AS reason
                FROM (SELECT *, regexp_extract(error_message, 'Could not convert string "(.*)" to ''', 1) AS val
                      FROM _ld_rej)
            ), fc AS (
                SELECT rec, min(column_idx) AS column_idx,
                       coalesce(min(found) FILTER (WHERE error_type = 'MISSING COLUMNS'), max(found)) AS found
                FROM e WHERE field_count GROUP BY rec
            ), one AS (
                -- A record with the wrong number of fields gets that reason only, not the cast errors
                -- of its shifted fields. The count is ours (records.count_fields): DuckDB's "Found:"
                -- stops at the first non-empty extra field.
                SELECT fc.rec, fc.column_idx, NULL::VARCHAR AS column_name,
                       'wrong number of fields: '
                       || CASE WHEN {records.fields_sql('s')} <> {n_fields}
                               THEN {records.fields_sql('s')} ELSE fc.found END
                       || ' instead of {n_fields}' AS reason
                FROM fc
                JOIN (SELECT rec, fields FROM _ld_recs) s ON s.rec = fc.rec
                LEFT JOIN _ld_nf nf ON nf.rec = fc.rec
                UNION ALL
                SELECT rec, column_idx, column_name, reason FROM e
                WHERE NOT field_count AND rec NOT IN (SELECT rec FROM e WHERE field_count)
            )
            SELECT rec,
                   CASE WHEN count(*) = 1 THEN any_value(column_name) END AS column_name,
                   string_agg(reason, '; ' ORDER BY column_idx) AS reason
            FROM one GROUP BY rec
            """
        )

    # 3. Map DuckDB's good rows (file order) onto the records it did not reject.
    bad_recs = conn.execute(
        """SELECT count(*), count(*) FILTER (WHERE s.rec IS NULL OR s.empty OR s.rec < 2)
           FROM _ld_rejrec r LEFT JOIN (SELECT rec, empty FROM _ld_recs) s ON s.rec = r.rec"""
    ).fetchone() if n_rejected else (0, 0)
    n_good = conn.execute("SELECT count(*) FROM _ld_t").fetchone()[0]
    if bad_recs[1] or n_good + bad_recs[0] != recmap.n_data_records:
        raise _Rejected(
            f"{f.name}: internal check failed: DuckDB read {n_good} rows and rejected {bad_recs[0]} "
            f"records, but the file has {recmap.n_data_records} data records on {recmap.n_lines} lines "
            f"({bad_recs[1]} rejects off the record grid); nothing from it was loaded. Please report "
            f"this with the file (see docs/loading.md)"
        )
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ld_pos AS
        SELECT r.rec AS _rec, r.line AS _line, {records.fields_sql('r')} AS _fields
        FROM (SELECT rec, line, empty, fields FROM _ld_recs) r
        LEFT JOIN _ld_nf nf ON nf.rec = r.rec
        WHERE r.rec >= 2 AND NOT r.empty AND r.rec NOT IN (SELECT rec FROM _ld_rejrec)
        ORDER BY r.rec
        """
    )

    # 4. The good rows with their lines, cleaned ('' is missing), and the SQL checks: a temp table,
    #    as the steps below read it up to four times, and planning the checks each time costs more
    #    than keeping the rows (most of a small daily file's load time went to that planning).
    clean = []
    for col in source.columns:
        if col.name not in present:
            clean.append(f"NULL::{_read_type(col)} AS {_q(col.name)}")
        elif _read_type(col) == "VARCHAR":
            clean.append(f"NULLIF(t.{_q(col.name)}, '') AS {_q(col.name)}")
        else:
            clean.append(f"t.{_q(col.name)}")
    checks = _checks(source)
    bad_expr = " OR ".join(f"({cond})" for _, cond, _ in checks) or "false"
    # DuckDB accepts extra empty fields at the end of a row: the field count is checked here.
    # (_fields is NULL only for a record over more than records.RAW_TEXT_MAX_LINES lines.)
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ld_rows AS
        SELECT *, _bad_fields OR coalesce({bad_expr}, false) AS _bad FROM (
            SELECT *, coalesce(_fields <> {n_fields}, false) AS _bad_fields FROM (
                SELECT t._rec, t._line, t._fields, {", ".join(clean)}
                FROM (SELECT * FROM _ld_t POSITIONAL JOIN _ld_pos) AS t
            )
        )
        """
    )

    return _Prepared(recmap, checks, n_fields)


def _write_rows(conn: duckdb.DuckDBPyConnection, f: DropFile, prep: _Prepared, res: FileLoadResult) -> None:
    """Inside the file's transaction: duplicates, quarantine, the raw rows; fills the counts."""
    source = SOURCES[f.source]
    checks, recmap, n_fields = prep.checks, prep.recmap, prep.n_fields
    # 5. Events: an id already loaded, or earlier in this file, is a duplicate or a conflict.
    finals = [f"{_final_expr(c, 'a.' + _q(c.name))} AS {_q(c.name)}" for c in source.columns]
    col_list = ", ".join(_q(c.name) for c in source.columns)
    if source.is_event:
        key = _q(source.key[0])
        diff = "list_filter([" + ", ".join(
            f"CASE WHEN a.{_q(c.name)} IS DISTINCT FROM b.{_q(c.name)} THEN {_lit(c.name)} END"
            for c in source.columns
        ) + "], x -> x IS NOT NULL)"
        # Narrow first (ids and lines of the accepted rows), whole rows only for the few candidates.
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_dup AS
            WITH keys AS MATERIALIZED (
                SELECT _rec, _line, {key} AS id FROM _ld_rows WHERE NOT _bad
            ), ex AS MATERIALIZED (
                SELECT {col_list}, _file_name, _line FROM {_table(source.name)}
                WHERE {key} IN (SELECT id FROM keys)
                QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _load_id, _extract_date, _line) = 1
            ), multi AS MATERIALIZED (
                SELECT id, min(_line) AS first_line FROM keys GROUP BY id HAVING count(*) > 1
            ), cand AS MATERIALIZED (
                SELECT k._rec, k.id, NULL::BIGINT AS first_line FROM keys k WHERE k.id IN (SELECT {key} FROM ex)
                UNION ALL
                SELECT k._rec, k.id, m.first_line FROM keys k JOIN multi m ON k.id = m.id AND k._line > m.first_line
                WHERE k.id NOT IN (SELECT {key} FROM ex)
            ), crow AS MATERIALIZED (
                SELECT a._rec, a._line, {", ".join(finals)} FROM _ld_rows a
                WHERE a._rec IN (SELECT _rec FROM cand) OR a._line IN (SELECT first_line FROM cand)
            ), cmp AS (
                SELECT c._rec, c.id, {diff} AS diff, b._file_name AS ref_file, b._line AS ref_line
                FROM cand c JOIN crow a ON a._rec = c._rec JOIN ex b ON b.{key} = c.id
                WHERE c.first_line IS NULL
                UNION ALL
                SELECT c._rec, c.id, {diff}, {_lit(f.name)}, b._line
                FROM cand c JOIN crow a ON a._rec = c._rec JOIN crow b ON b._line = c.first_line
                WHERE c.first_line IS NOT NULL
            )
            SELECT _rec AS rec, id, diff, ref_file, ref_line,
                   CASE WHEN len(diff) = 0 THEN 'duplicate' ELSE 'conflict' END AS kind
            FROM cmp
            """
        )
    else:
        conn.execute("CREATE OR REPLACE TEMP TABLE _ld_dup (rec BIGINT, kind VARCHAR)")

    # 6. Quarantine: DuckDB's rejects, rows failing the SQL checks, conflicting duplicate events.
    problems = "list_filter([" + ", ".join(
        f"CASE WHEN {cond} THEN {{'c': {_lit(name)}, 'r': {reason}}} END" for name, cond, reason in checks
    ) + "], x -> x IS NOT NULL)" if checks else "[]"
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ld_q AS
        SELECT rec, column_name, reason FROM _ld_rejrec
        UNION ALL
        SELECT _rec,
               CASE WHEN len(list_distinct(list_transform(p, x -> x.c))) = 1 THEN p[1].c END,
               array_to_string(list_transform(p, x -> x.r), '; ')
        FROM (
            SELECT _rec,
                   CASE WHEN _bad_fields
                        THEN [{{'c': NULL::VARCHAR,
                                'r': 'wrong number of fields: ' || _fields || ' instead of {n_fields}'}}]
                        ELSE {problems} END AS p
            FROM _ld_rows WHERE _bad
        )
        """
    )
    if source.is_event:
        conn.execute(
            f"""
            INSERT INTO _ld_q
            SELECT rec, NULL,
                   'conflicting duplicate event: {source.key[0]} ' || {_show('id')} || ' was first delivered in '
                   || ref_file || ', line ' || ref_line || ', with different '
                   || array_to_string(diff, ', ') || '; the first one stays'
            FROM _ld_dup WHERE kind = 'conflict'
            """
        )
    res.rows_quarantined = conn.execute("SELECT count(*) FROM _ld_q").fetchone()[0]
    if res.rows_quarantined:
        conn.execute(
            f"""
            INSERT INTO {RAW_SCHEMA}.quarantine
            SELECT ?, ?, ?, t.start_line, q.column_name, t.raw_text, q.reason
            FROM _ld_q q JOIN ({records.raw_text_sql('_ld_q')}) t ON t.rec = q.rec
            ORDER BY t.start_line
            """,
            [res.load_id, f.name, f.source],
        )

    # 7. The accepted rows.
    inserted = conn.execute(
        f"""
        INSERT INTO {_table(source.name)} ({col_list}, _file_name, _extract_date, _line, _load_id)
        SELECT {", ".join(finals)}, ?, ?, a._line, ?
        FROM _ld_rows a
        WHERE NOT a._bad AND a._rec NOT IN (SELECT rec FROM _ld_dup)
        """,
        [f.name, f.extract_date, res.load_id],
    ).fetchone()[0]
    res.rows = recmap.n_data_records
    res.rows_duplicate = conn.execute("SELECT count(*) FROM _ld_dup WHERE kind = 'duplicate'").fetchone()[0]
    res.rows_loaded = res.rows - res.rows_quarantined
    if inserted != res.rows_loaded - res.rows_duplicate:
        raise RuntimeError(
            f"{f.name}: reconciliation failed: {res.rows} rows = {res.rows_loaded} loaded "
            f"({res.rows_duplicate} duplicates) + {res.rows_quarantined} quarantined, but {inserted} inserted"
        )
