"""Physical lines and records: which line each CSV record starts on, set-based in DuckDB.

DuckDB's CSV reader numbers records, not lines: in its rejects table `line` is the ordinal of the
record in the file, where the header is record 1, a record with line breaks inside quoted fields
counts once, and an empty line counts as one (verified in tests/test_loading_contract.py). Its
output rows carry no position at all. To give every row the physical line it starts on, the
files are read a second time as physical lines and the lines are grouped into records. The
loader reads a batch of files at once (loader.py), so everything here works on the batch: the
files one after another, in the order given, with batch-wide line and record numbers and `f`,
the file's index in the batch:

1. `_ld_lines`: one row per physical line (a one-column read of all the files with quoting off),
   `rowid + 1` is the batch-wide line number. The files have LF line endings by then (see
   files.write_read_copy); an empty line reads as NULL. `_ld_flines`: each file's first and last
   line (checked: the lines of each file come together, in order, the files in the order given).
2. Only lines holding a `"` can change whether the next line starts a new record. For each of
   them two regular expressions give the quote state at the end of the line, once assuming the
   line starts outside a quoted field and once assuming it starts inside one. This follows
   DuckDB's own rules: a quote opens a quoted field only at the start of a field (`ab"c` is
   plain text), `""` inside a quoted field is a quote, and text after a closing quote is an
   error but does not reopen the quote.
3. Each such line is a function of the state: identity, swap, always-outside or always-inside.
   Composing them in line order is a running count of swaps since the last constant line, so
   window functions over these few lines (partitioned by file: each file starts outside a quote)
   give the state after each of them, and the lines that continue a record are those after a
   line ending inside a quote, up to and including the next line with a quote in that file.
4. `_ld_recs`: the lines that are not continuations, in order, with `rec`, the batch-wide record
   number, and the record's number of fields. `_ld_files` gives each file's first line and first
   record: `rec - first_rec + 1` is DuckDB's `line` in the file's rejects, `line - first_line + 1`
   the line in the file. `_ld_contrec` gives each continuation line its record (an ASOF join on
   the few records over several lines), from which a record's raw text is its start line and its
   continuation lines.

No Python runs per line or per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

# A quoted field, closed: "..." with "" as an escaped quote.
_QUOTED = r'"(?:[^"]|"")*"'
# A complete field starting outside quotes: quoted (possibly followed by stray text, which DuckDB
# rejects but which does not reopen the quote), unquoted (quotes inside are plain text), or empty.
_FIELD = rf'(?:{_QUOTED}(?:[^;"][^;]*)?|[^;"][^;]*|)'
# A quoted field opened but not closed before the end of the line.
_OPEN = r'"(?:[^"]|"")*'
# Line starts outside a quoted field and ends inside one.
RE_OUT_TO_IN = rf"(?:{_FIELD};)*{_OPEN}"
# Line starts inside a quoted field and ends inside one: no closing quote at all, or it closes
# and a later field opens again.
RE_IN_TO_IN_1 = r'(?:[^"]|"")*'
RE_IN_TO_IN_2 = rf'(?:[^"]|"")*"(?:[^;"][^;]*)?(?:;{_FIELD})*;{_OPEN}'

LINE_SCAN_MAX_LINE_SIZE = 256 * 1024 * 1024
DUCKDB_DEFAULT_MAX_LINE_SIZE = 2_097_152
DUCKDB_DEFAULT_BUFFER_SIZE = 16 * DUCKDB_DEFAULT_MAX_LINE_SIZE
RAW_TEXT_MAX_LINES = 200
RAW_TEXT_MAX_CHARS = 20_000


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


@dataclass(frozen=True)
class RecordMap:
    """One file of the batch."""

    n_lines: int  # physical lines
    n_records: int  # records incl. the header and empty lines (DuckDB's numbering)
    n_data_records: int  # non-empty records after the header: the file's data rows
    multi_line_records: int  # records spanning more than one line
    ends_in_quote: bool  # the file ends inside a quoted field (an unterminated quote)


def map_records(conn: duckdb.DuckDBPyConnection, read_paths: list[Path]) -> list[RecordMap]:
    """Create the temp tables and views `_ld_lines`, `_ld_files`, `_ld_recs`, `_ld_contrec`,
    `_ld_nf` for a batch of files read together; a RecordMap per file, in the order given.

    Lines and records are numbered over the whole batch (the files one after another, in the
    order given): `line` and `rec` are batch-wide keys, and `f` is the file's index in
    `read_paths`. `_ld_files` gives each file's first line and first record, from which the
    line in the file is `line - first_line + 1` and DuckDB's record ordinal `rec - first_rec + 1`.
    """
    # The files one after another: a temp table created outside a transaction, with insertion
    # order kept, so `rowid + 1` is the batch-wide line number (checked per file below). No line
    # is longer than its file: the limit (and DuckDB's buffer per file) need not be larger. The
    # buffer is given too: by default DuckDB makes it 16 times max_line_size, 1.5 GB for a 96 MB
    # file, which fails under a memory limit (RETTIDIG_MEMORY_LIMIT) before a byte is read.
    longest = max(p.stat().st_size + 1 for p in read_paths)
    max_line_size = min(LINE_SCAN_MAX_LINE_SIZE, max(DUCKDB_DEFAULT_MAX_LINE_SIZE, longest))
    buffer_size = max(DUCKDB_DEFAULT_BUFFER_SIZE, max_line_size)
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ld_lines AS
        SELECT file_index::INTEGER AS f, l
        FROM read_csv([{", ".join(_lit(str(p)) for p in read_paths)}], columns = {{'l': 'VARCHAR'}},
                      delim = chr(0), quote = '', escape = '', header = false, auto_detect = false,
                      strict_mode = false, max_line_size = {max_line_size}, buffer_size = {buffer_size})
        """
    )
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ld_flines AS
        SELECT f, min(rowid) + 1 AS first_line, max(rowid) + 1 AS last_line, count(*) AS n_lines,
               count(l) AS n_nonempty, count(*) FILTER (WHERE contains(l, '"')) AS n_quoted
        FROM _ld_lines GROUP BY f
        """
    )
    per_file = conn.execute(
        "SELECT f, first_line, last_line, n_lines, n_quoted FROM _ld_flines ORDER BY f"
    ).fetchall()
    # Every file has a line (its header), the files in the order given, each file's lines together.
    expected_start = 1
    if [r[0] for r in per_file] != list(range(len(read_paths))):
        raise LineOrderError(f"the line scan read files {[r[0] for r in per_file]} of {len(read_paths)}")
    for f, first, last, n, _ in per_file:
        if first != expected_start or last - first + 1 != n:
            raise LineOrderError(f"the line scan did not keep file {f}'s lines together and in order")
        expected_start = last + 1
    n_quoted = sum(r[4] for r in per_file)

    # The lines with a quote that change the state (anything but identity), the state after each.
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _ld_qstate (line BIGINT, f INTEGER, ends_inside BOOLEAN, next_line BIGINT)"
    )
    if n_quoted:
        conn.execute(
            f"""
            INSERT INTO _ld_qstate
            WITH q AS MATERIALIZED (
                SELECT line, f,
                       regexp_full_match(l, {_lit(RE_OUT_TO_IN)})::INT AS o,
                       (regexp_full_match(l, {_lit(RE_IN_TO_IN_1)})
                        OR regexp_full_match(l, {_lit(RE_IN_TO_IN_2)}))::INT AS i
                FROM (SELECT rowid + 1 AS line, f, l FROM _ld_lines WHERE contains(l, '"'))
            ), s AS (
                SELECT line, f, o, i,
                       sum(CASE WHEN o = 1 AND i = 0 THEN 1 ELSE 0 END)
                           OVER (PARTITION BY f ORDER BY line ROWS UNBOUNDED PRECEDING) AS swaps
                FROM q WHERE NOT (o = 0 AND i = 1)
            ), k AS (
                SELECT line, f, swaps,
                       max(CASE WHEN o = i THEN line * 2 + (o + swaps) % 2 END)
                           OVER (PARTITION BY f ORDER BY line ROWS UNBOUNDED PRECEDING) AS last_const
                FROM s
            )
            SELECT line, f,
                   (coalesce(last_const % 2, 0) + swaps) % 2 = 1 AS ends_inside,
                   lead(line) OVER (PARTITION BY f ORDER BY line) AS next_line
            FROM k
            """
        )
    # Continuation lines: after a line ending inside a quote, up to the next line with a quote
    # in the same file (or the file's last line).
    n_cont = 0
    if n_quoted:
        conn.execute(
            """
            CREATE OR REPLACE TEMP TABLE _ld_cont AS
            SELECT unnest(range(q.line + 1, coalesce(q.next_line, fl.last_line) + 1)) AS line
            FROM _ld_qstate q JOIN _ld_flines fl ON fl.f = q.f
            WHERE q.ends_inside
            """
        )
        n_cont = conn.execute("SELECT count(*) FROM _ld_cont").fetchone()[0]
    # (Most files have no quotes, or no record over several lines: the queries that only matter
    # then are skipped, as each costs a fixed few milliseconds per batch.)

    # Records: the other lines, in order. The field count is that of the start line; _ld_nf
    # corrects it for the records over several lines. DuckDB does not count fields for us: it
    # accepts extra empty fields at the end of a row silently (`a;b;c;;`), and its "Found:" in
    # rejects stops at the first non-empty extra field. Without quotes, fields = `;` + 1; with
    # quotes, the quoted fields are cut out first (a quote opens a field only at its start).
    fields = (
        "CASE WHEN l IS NULL THEN 0 WHEN contains(l, '\"') THEN " + _count_fields("l")
        + " ELSE len(string_split(l, ';')) END"
    )
    if n_cont:
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_recs_t AS
            SELECT line, f, l IS NULL AS empty, {fields} AS fields
            FROM (SELECT rowid + 1 AS line, f, l FROM _ld_lines)
            WHERE line NOT IN (SELECT line FROM _ld_cont)
            ORDER BY line
            """
        )
        conn.execute("CREATE OR REPLACE TEMP VIEW _ld_recs AS SELECT rowid + 1 AS rec, * FROM _ld_recs_t")
    else:  # no record spans lines: record = line, nothing to copy
        conn.execute(
            f"""CREATE OR REPLACE TEMP VIEW _ld_recs AS
                SELECT rowid + 1 AS rec, rowid + 1 AS line, f, l IS NULL AS empty, {fields} AS fields
                FROM _ld_lines"""
        )
    if not n_cont:
        conn.execute("CREATE OR REPLACE TEMP TABLE _ld_contrec (line BIGINT, rec BIGINT)")
        conn.execute("CREATE OR REPLACE TEMP TABLE _ld_nf (rec BIGINT, fields BIGINT)")
    else:
        # Each continuation line's record: the last record starting before it (in its file, as
        # a file's first line is never a continuation).
        conn.execute(
            """
            CREATE OR REPLACE TEMP TABLE _ld_contrec AS
            WITH starts AS (
                SELECT rec, line FROM _ld_recs
                WHERE line IN (SELECT line FROM _ld_qstate WHERE ends_inside)
            )
            SELECT c.line, s.rec FROM _ld_cont c ASOF JOIN starts s ON c.line > s.line
            """
        )
        # The field count of the records over several lines: the `;` outside quotes on each of
        # their lines, added up. The start line starts outside a quoted field; a continuation
        # line starts inside one, so its text up to the closing quote (a `"` not followed by
        # another) is skipped.
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_nf AS
            WITH m AS (
                SELECT rec, line, false AS inside FROM _ld_recs
                WHERE rec IN (SELECT rec FROM _ld_contrec)
                UNION ALL
                SELECT rec, line, true FROM _ld_contrec
            ), t AS (
                SELECT m.rec, CASE WHEN m.inside THEN regexp_extract(l.l, {_lit(_REST_AFTER_CLOSING_QUOTE)}, 1)
                                   ELSE l.l END AS rest
                FROM m JOIN (SELECT rowid + 1 AS line, l FROM _ld_lines) l ON l.line = m.line
            )
            SELECT rec, 1 + sum(coalesce({_count_fields('rest')} - 1, 0)) AS fields FROM t GROUP BY rec
            """
        )
    # Per file: its first line and record, its counts. A file's first line is its header (never
    # empty: a file without a header line is rejected before it is read), so its data records are
    # its non-empty records but one. Without records over several lines, record = line.
    if n_cont:
        recs = """
            SELECT f, min(rec) AS first_rec, max(rec) AS last_rec, count(*) AS n_records,
                   count(*) FILTER (WHERE NOT empty) - 1 AS n_data
            FROM _ld_recs GROUP BY f"""
        multi = """
            SELECT r.f, count(DISTINCT c.rec) AS multi
            FROM (SELECT DISTINCT rec FROM _ld_contrec) c JOIN (SELECT rec, f FROM _ld_recs) r ON r.rec = c.rec
            GROUP BY r.f"""
    else:
        recs = """
            SELECT f, first_line AS first_rec, last_line AS last_rec, n_lines AS n_records,
                   n_nonempty - 1 AS n_data
            FROM _ld_flines"""
        multi = "SELECT NULL::INTEGER AS f, 0 AS multi"
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ld_files AS
        WITH r AS ({recs}
        ), e AS (
            SELECT f, arg_max(ends_inside, line) AS ends_in_quote FROM _ld_qstate GROUP BY f
        ), m AS ({multi}
        )
        SELECT fl.f, fl.first_line, fl.last_line, fl.n_lines, r.first_rec, r.last_rec, r.n_records,
               r.n_data, coalesce(m.multi, 0) AS multi, coalesce(e.ends_in_quote, false) AS ends_in_quote
        FROM _ld_flines fl JOIN r ON r.f = fl.f LEFT JOIN e ON e.f = fl.f LEFT JOIN m ON m.f = fl.f
        ORDER BY fl.f
        """
    )
    rows = conn.execute(
        "SELECT n_lines, n_records, n_data, multi, ends_in_quote FROM _ld_files ORDER BY f"
    ).fetchall()
    return [RecordMap(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


def one_line_records(conn: duckdb.DuckDBPyConnection, line_counts: list[int]) -> list[RecordMap]:
    """`_ld_files` and a RecordMap per file for a batch whose files are known, without the line scan,
    to hold one record per line and no empty line (files.FileBytes.one_record_per_line): record =
    line, numbered over the batch as map_records numbers them. The other tables of map_records are
    not made; map_records makes them all if the records' text is needed after all."""
    starts = [1 + sum(line_counts[:i]) for i in range(len(line_counts))]
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _ld_files AS SELECT f, first_line, last_line, n_lines, first_line AS first_rec, "
        "last_line AS last_rec, n_lines AS n_records, n_lines - 1 AS n_data, 0 AS multi, false AS ends_in_quote FROM "
        "(VALUES " + ", ".join(f"({f}, {s}::BIGINT, {s + n - 1}::BIGINT, {n}::BIGINT)"
                               for f, (s, n) in enumerate(zip(starts, line_counts)))
        + ") AS v(f, first_line, last_line, n_lines) ORDER BY f"
    )
    return [RecordMap(n, n, n - 1, 0, False) for n in line_counts]


class LineOrderError(Exception):
    """DuckDB did not return a batch's lines file by file, in order (never seen; checked anyway)."""


# A quoted field at the start of a field, up to its closing quote (or the end of the text).
_QUOTED_FIELD_AT_START = r'(^|;)"(?:[^"]|"")*("|$)'
# In a line that starts inside a quoted field: what follows the closing quote ('' if none).
_REST_AFTER_CLOSING_QUOTE = r'^(?:[^"]|"")*"([^"].*)?$'


def _count_fields(expr: str) -> str:
    """SQL: the number of fields in the record text `expr`, quoted fields cut out first."""
    stripped = "regexp_replace(" + expr + ", " + _lit(_QUOTED_FIELD_AT_START) + r", '\1', 'g')"
    return f"len(string_split({stripped}, ';'))"


def fields_sql(recs: str) -> str:
    """SQL: the field count of a record, given `recs` (a row of `_ld_recs`) left-joined with
    `_ld_nf` as `nf` on `rec`."""
    return f"coalesce(nf.fields, {recs}.fields)"


def _record_text_sql(wanted: str) -> str:
    """SQL giving (rec, f, start_line, end_line, txt) for the records listed in `wanted` (column
    `rec`): the record's physical lines joined by LF, at most RAW_TEXT_MAX_LINES of them. The
    lines are batch-wide (see map_records)."""
    return f"""
        WITH w AS (
            SELECT s.rec, s.f, s.line AS start_line
            FROM (SELECT DISTINCT rec FROM {wanted}) r JOIN (SELECT rec, f, line FROM _ld_recs) s ON s.rec = r.rec
        ), members AS (
            SELECT rec, f, start_line, start_line AS line FROM w
            UNION ALL
            SELECT w.rec, w.f, w.start_line, c.line FROM w JOIN _ld_contrec c ON c.rec = w.rec
        )
        SELECT m.rec, any_value(m.f) AS f, any_value(m.start_line) AS start_line, max(m.line) AS end_line,
               string_agg(coalesce(l.l, ''), chr(10) ORDER BY m.line)
                   FILTER (WHERE m.line - m.start_line < {RAW_TEXT_MAX_LINES}) AS txt
        FROM members m JOIN (SELECT rowid + 1 AS line, l FROM _ld_lines) l ON l.line = m.line
        GROUP BY m.rec
    """


def raw_text_sql(wanted: str) -> str:
    """SQL giving (rec, f, start_line, end_line, raw_text) for the records listed in `wanted`.

    `wanted` is a relation with a column `rec` (batch-wide record number, see map_records);
    `start_line` and `end_line` are lines of the record's file. The raw text is the record's
    physical lines joined by LF, cut to RAW_TEXT_MAX_LINES lines / RAW_TEXT_MAX_CHARS characters
    with a note (only an unterminated quote makes a record that long).
    """
    return f"""
        WITH t AS (
            SELECT t.rec, t.f, t.start_line - fl.first_line + 1 AS start_line,
                   t.end_line - fl.first_line + 1 AS end_line, t.txt
            FROM ({_record_text_sql(wanted)}) t JOIN _ld_files fl ON fl.f = t.f
        )
        SELECT rec, f, start_line, end_line,
               CASE WHEN length(txt) > {RAW_TEXT_MAX_CHARS}
                         OR end_line - start_line >= {RAW_TEXT_MAX_LINES}
                    THEN left(txt, {RAW_TEXT_MAX_CHARS})
                         || ' [... cut: the record runs over lines ' || start_line || '-' || end_line || ']'
                    ELSE txt END AS raw_text
        FROM t
    """


def drop_temp_statements() -> list[str]:
    return ["DROP VIEW IF EXISTS _ld_recs"] + [
        f"DROP TABLE IF EXISTS {t}"
        for t in ("_ld_lines", "_ld_flines", "_ld_files", "_ld_qstate", "_ld_cont", "_ld_recs_t", "_ld_contrec",
                  "_ld_nf")
    ]
