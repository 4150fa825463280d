"""Physical lines and records: which line each CSV record starts on, set-based in DuckDB.

DuckDB's CSV reader numbers records, not lines: in its rejects table `line` is the ordinal of the
record in the file, where the header is record 1, a record with line breaks inside quoted fields
counts once, and an empty line counts as one (verified in tests/test_loading_contract.py). Its
output rows carry no position at all. To give every row the physical line it starts on, the
file is read a second time as physical lines and the lines are grouped into records:

1. `_ld_lines`: one row per physical line (a one-column read with quoting off), `rowid + 1` is the
   line number. The file has LF line endings by then (see files.write_read_copy); an empty line
   reads as NULL.
2. Only lines holding a `"` can change whether the next line starts a new record. For each of
   them two regular expressions give the quote state at the end of the line, once assuming the
   line starts outside a quoted field and once assuming it starts inside one. This follows
   DuckDB's own rules: a quote opens a quoted field only at the start of a field (`ab"c` is
   plain text), `""` inside a quoted field is a quote, and text after a closing quote is an
   error but does not reopen the quote.
3. Each such line is a function of the state: identity, swap, always-outside or always-inside.
   Composing them in line order is a running count of swaps since the last constant line, so
   window functions over these few lines give the state after each of them, and the lines
   that continue a record are those after a line ending inside a quote, up to and including the
   next line with a quote.
4. `_ld_recs`: the lines that are not continuations, in order, with `rec`, the record ordinal,
   equal to DuckDB's `line`.

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
RAW_TEXT_MAX_LINES = 200
RAW_TEXT_MAX_CHARS = 20_000


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


@dataclass(frozen=True)
class RecordMap:
    n_lines: int  # physical lines
    n_records: int  # records incl. the header and empty lines (DuckDB's numbering)
    n_data_records: int  # non-empty records after the header: the file's data rows
    multi_line_records: int  # records spanning more than one line
    ends_in_quote: bool  # the file ends inside a quoted field (an unterminated quote)


def map_records(conn: duckdb.DuckDBPyConnection, read_path: Path) -> RecordMap:
    """Create temp tables `_ld_lines` (physical lines) and `_ld_recs` (record start lines)."""
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ld_lines AS
        SELECT l FROM read_csv(?, columns = {{'l': 'VARCHAR'}}, delim = ?, quote = '', escape = '',
                               header = false, auto_detect = false, strict_mode = false,
                               max_line_size = {LINE_SCAN_MAX_LINE_SIZE})
        """,
        [str(read_path), "\x00"],
    )
    n_lines, n_quoted = conn.execute(
        """SELECT count(*), count(*) FILTER (WHERE contains(l, '"')) FROM _ld_lines"""
    ).fetchone()
    # Lines with a quote that change the state (anything but identity), and the state after each.
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _ld_qstate (line BIGINT, ends_inside BOOLEAN, next_line BIGINT)"
    )
    if n_quoted:
        conn.execute(
            f"""
            INSERT INTO _ld_qstate
            WITH f AS (
                SELECT line,
                       regexp_full_match(l, {_lit(RE_OUT_TO_IN)})::INT AS o,
                       (regexp_full_match(l, {_lit(RE_IN_TO_IN_1)})
                        OR regexp_full_match(l, {_lit(RE_IN_TO_IN_2)}))::INT AS i
                FROM (SELECT rowid + 1 AS line, l FROM _ld_lines WHERE contains(l, '"'))
            ), g AS (
                SELECT * FROM f WHERE NOT (o = 0 AND i = 1)
            ), s AS (
                SELECT line, o, i,
                       sum(CASE WHEN o = 1 AND i = 0 THEN 1 ELSE 0 END)
                           OVER (ORDER BY line ROWS UNBOUNDED PRECEDING) AS swaps
                FROM g
            ), k AS (
                SELECT line, swaps,
                       max(CASE WHEN o = i THEN line * 2 + (o + swaps) % 2 END)
                           OVER (ORDER BY line ROWS UNBOUNDED PRECEDING) AS last_const
                FROM s
            )
            SELECT line,
                   (coalesce(last_const % 2, 0) + swaps) % 2 = 1 AS ends_inside,
                   lead(line) OVER (ORDER BY line) AS next_line
            FROM k
            """
        )
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ld_cont AS
        SELECT unnest(range(line + 1, coalesce(next_line, {n_lines}) + 1)) AS line
        FROM _ld_qstate WHERE ends_inside
        """
    )
    ends_in_quote = bool(
        conn.execute("SELECT coalesce(arg_max(ends_inside, line), false) FROM _ld_qstate").fetchone()[0]
    )
    n_cont = conn.execute("SELECT count(*) FROM _ld_cont").fetchone()[0]
    # Per record: its start line, whether it is an empty line, whether it runs over more lines,
    # and its number of fields when it does not. DuckDB does not count fields for us: it accepts
    # extra empty fields at the end of a row silently (`a;b;c;;`), and its "Found:" in rejects
    # stops at the first non-empty extra field. Without quotes, fields = `;` + 1; with quotes, the
    # quoted fields are cut out first (a quote opens a field only at its start, as DuckDB reads it).
    fields = (
        "CASE WHEN l IS NULL THEN 0 WHEN contains(l, '\"') THEN " + _count_fields("l")
        + " ELSE " + _semicolons("l") + " + 1 END"
    )
    # `_ld_recs` is a view with `rec` (the record ordinal) over a table in record order, or, when
    # no record spans lines, straight over `_ld_lines` (record = line: nothing to copy).
    if n_cont:
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ld_recs_t AS
            SELECT line, empty, CASE WHEN NOT multi THEN fields END AS fields, multi FROM (
                SELECT *, line IN (SELECT line FROM _ld_qstate WHERE ends_inside) AS multi
                FROM (SELECT rowid + 1 AS line, l IS NULL AS empty, {fields} AS fields FROM _ld_lines)
                WHERE line NOT IN (SELECT line FROM _ld_cont)
            )
            ORDER BY line
            """
        )
        conn.execute("CREATE OR REPLACE TEMP VIEW _ld_recs AS SELECT rowid + 1 AS rec, * FROM _ld_recs_t")
    else:
        conn.execute(
            f"""CREATE OR REPLACE TEMP VIEW _ld_recs AS
                SELECT rowid + 1 AS rec, rowid + 1 AS line, l IS NULL AS empty, {fields} AS fields,
                       false AS multi
                FROM _ld_lines"""
        )
    # the fields of the records over several lines (few); beyond RAW_TEXT_MAX_LINES lines: NULL
    conn.execute("CREATE OR REPLACE TEMP TABLE _ld_nf (rec BIGINT, fields BIGINT)")
    if n_cont:
        conn.execute(
            f"""
        INSERT INTO _ld_nf
        SELECT rec, CASE WHEN end_line - start_line < {RAW_TEXT_MAX_LINES} THEN {_count_fields('txt')} END AS fields
        FROM ({_record_text_sql("(SELECT rec FROM _ld_recs WHERE multi)")})
        """
        )
    n_records, n_data = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE rec >= 2 AND NOT empty) FROM _ld_recs"
    ).fetchone()
    multi = n_cont and conn.execute(
        "SELECT count(*) FROM _ld_cont WHERE line - 1 NOT IN (SELECT line FROM _ld_cont)"
    ).fetchone()[0]
    return RecordMap(n_lines, n_records, n_data, multi, ends_in_quote)


# A quoted field at the start of a field, up to its closing quote (or the end of the text).
_QUOTED_FIELD_AT_START = r'(^|;)"(?:[^"]|"")*("|$)'


def _semicolons(expr: str) -> str:
    # strlen counts bytes: no UTF-8 decoding, and `;` is one byte
    return f"(strlen({expr}) - strlen(replace({expr}, ';', '')))"


def _count_fields(expr: str) -> str:
    """SQL: the number of fields in the record text `expr`, quoted fields cut out first."""
    stripped = "regexp_replace(" + expr + ", " + _lit(_QUOTED_FIELD_AT_START) + r", '\1', 'g')"
    return f"len(string_split({stripped}, ';'))"


def _record_text_sql(wanted: str) -> str:
    """SQL giving (rec, start_line, end_line, txt) for the records listed in `wanted` (column
    `rec`): the record's physical lines joined by LF, at most RAW_TEXT_MAX_LINES of them."""
    return f"""
        WITH w AS (
            SELECT DISTINCT r.rec, s.line AS start_line,
                   coalesce(nx.line - 1, (SELECT count(*) FROM _ld_lines)) AS end_line
            FROM (SELECT DISTINCT rec FROM {wanted}) r
            JOIN (SELECT rec, line FROM _ld_recs) s ON s.rec = r.rec
            LEFT JOIN (SELECT rec, line FROM _ld_recs) nx ON nx.rec = r.rec + 1
        ), x AS (
            SELECT rec, start_line, end_line,
                   unnest(range(start_line, least(end_line, start_line + {RAW_TEXT_MAX_LINES - 1}) + 1)) AS line
            FROM w
        )
        SELECT x.rec, any_value(x.start_line) AS start_line, any_value(x.end_line) AS end_line,
               string_agg(coalesce(l.l, ''), chr(10) ORDER BY x.line) AS txt
        FROM x JOIN (SELECT rowid + 1 AS line, l FROM _ld_lines) l ON l.line = x.line
        GROUP BY x.rec
    """


def raw_text_sql(wanted: str) -> str:
    """SQL giving (rec, start_line, end_line, raw_text) for the records listed in `wanted`.

    `wanted` is a relation with a column `rec` (record ordinal). The raw text is the record's
    physical lines joined by LF, cut to RAW_TEXT_MAX_LINES lines / RAW_TEXT_MAX_CHARS characters
    with a note (only an unterminated quote makes a record that long).
    """
    return f"""
        WITH t AS ({_record_text_sql(wanted)})
        SELECT rec, start_line, end_line,
               CASE WHEN length(txt) > {RAW_TEXT_MAX_CHARS}
                         OR end_line - start_line >= {RAW_TEXT_MAX_LINES}
                    THEN left(txt, {RAW_TEXT_MAX_CHARS})
                         || ' [... cut: the record runs over lines ' || start_line || '-' || end_line || ']'
                    ELSE txt END AS raw_text
        FROM t
    """


def drop_temp_tables(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("DROP VIEW IF EXISTS _ld_recs")
    for t in ("_ld_lines", "_ld_qstate", "_ld_cont", "_ld_recs_t", "_ld_nf"):
        conn.execute(f"DROP TABLE IF EXISTS {t}")
