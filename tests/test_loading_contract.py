"""The loader against the export contract (../shared/contract/EXPORTS.md).

Each case writes a small file into a drop folder under tmp_path, so the bytes under test are in the
test, loads it into a real DuckDB file and checks exact values: raw rows with their lines,
raw.quarantine (line, column, reason), raw.load_log.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.loading import loader
from orchestration.loading.loader import (
    LOAD_LOG_COLUMNS,
    LOAD_ORDER,
    ensure_raw_schema,
    load_drop_folder,
    load_source,
    remove_file_load,
    scan_drop_folder,
    unloaded_files,
)

EXAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "contract" / "examples"

VM = "Varemodtagelses_id;Ordrenummer;Linjenummer;Modtaget_dato;Antal;Registreret_af"
FH = "Hændelses_id;Bilagsnummer;Tidspunkt;Hændelse;Fra_bruger;Til_bruger;Årsagskode;Kommentar"
BR = "Bruger_id;Navn;Forvaltning;Enhed;Leder_id;Kvantum_adgang;Ændret"
LEV = "Leverandørnummer;CVR;Navn;Land;Registreret_betalingsoplysning;Kræver_ordrenummer;Ændret"
UD = (
    "Udlægsnummer;Bruger_id;Forvaltning;Udgiftsdato;Indsendt_dato;Beløb_DKK;Udgiftstype;Formål;Kvittering;"
    "Deltagere;Godkender;Status;Godkendt_dato;Udbetalt_dato;Ændret"
)
FA = (
    "Bilagsnummer;Fakturanummer;Fakturatype;Leverandørnummer;Afsendelsesdato;Fakturadato;"
    "Modtagetdato;Forfaldsdato;Beløb;Valuta;Beløb_DKK;Ordrenummer;Modtager_EAN;Forvaltning;Kanal;"
    "Betalingsoplysning;Status;Betalingsspærre;Aktuel_behandler;Bogføringsdato;Betalingsdato;Ændret"
)


# --------------------------------------------------------------------------------------------
# helpers


@pytest.fixture
def conn(tmp_path: Path):
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield c
    c.close()


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    d = tmp_path / "drop"
    d.mkdir()
    return d


def put(folder: Path, name: str, content: str | bytes) -> Path:
    """Write the file exactly as given (no newline translation)."""
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def load_one(conn, folder: Path, source: str):
    """Load a source whose folder holds one new file; return that file's result."""
    result = load_source(conn, folder, source)
    assert len(result.files) >= 1
    return result.files[-1]


def quarantine(conn, file_name: str | None = None) -> list[tuple]:
    sql = "SELECT line, column_name, reason FROM raw.quarantine"
    if file_name:
        return conn.execute(sql + " WHERE file_name = ? ORDER BY line", [file_name]).fetchall()
    return conn.execute(sql + " ORDER BY file_name, line").fetchall()


def lines_of(conn, table: str, key: str) -> list[tuple]:
    return conn.execute(f'SELECT "{key}", _line FROM raw.{table} ORDER BY _line').fetchall()


def assert_reconciles(conn) -> None:
    """Every loaded file: rows = loaded + quarantined, and the tables hold exactly that."""
    for source in LOAD_ORDER:
        bad = conn.execute(
            f"""
            SELECT l.file_name, l.rows, l.rows_loaded, l.rows_duplicate, l.rows_quarantined,
                   (SELECT count(*) FROM raw.{source} r WHERE r._load_id = l.load_id) AS in_raw,
                   (SELECT count(*) FROM raw.quarantine q WHERE q.load_id = l.load_id) AS in_q
            FROM raw.load_log l
            WHERE l.source = '{source}' AND l.status = 'loaded'
              AND NOT EXISTS (SELECT 1 FROM raw.load_log r WHERE r.file_name = l.file_name
                              AND r.status = 'removed' AND r.load_id > l.load_id)
              AND NOT (l.rows = l.rows_loaded + l.rows_quarantined
                       AND in_raw = l.rows_loaded - l.rows_duplicate
                       AND in_q = l.rows_quarantined)
            """
        ).fetchall()
        assert bad == [], bad


# --------------------------------------------------------------------------------------------
# The contract's examples


def test_examples_load_with_nothing_quarantined(conn):
    results = load_drop_folder(conn, EXAMPLES)
    assert [r.source for r in results] == list(LOAD_ORDER)
    counts = {r.source: (r.rows, r.rows_loaded, r.rows_quarantined) for r in results}
    assert counts == {
        "leverandoerer": (3, 3, 0),
        "brugere": (7, 7, 0),
        "indkoebsordrer": (3, 3, 0),
        "fakturaer": (3, 3, 0),
        "varemodtagelser": (1, 1, 0),
        "fakturahaendelser": (11, 11, 0),
        "udlaeg": (0, 0, 0),  # optional (v1.1): the examples have none
    }
    assert all(r.ok and not r.warnings for r in results)
    for source, (n, _, _) in counts.items():
        assert conn.execute(f"SELECT count(*) FROM raw.{source}").fetchone()[0] == n
    assert conn.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0] == 0
    # the event with a quoted ';', '""' and a line break inside its comment, on lines 12-13
    assert conn.execute(
        """SELECT "Kommentar", "Årsagskode", _line, _file_name, _extract_date
           FROM raw.fakturahaendelser WHERE "Hændelses_id" = 'H-5500355'"""
    ).fetchone() == (
        'Ingen ordre; "kontakt leverandør";\nse mail 25/2', "MANGLER_ORDRENUMMER", 12,
        "fakturahaendelser_20250301.csv", date(2025, 3, 1),
    )
    assert conn.execute(
        """SELECT "Beløb", "Valuta", "Beløb_DKK", "Betalingsspærre", "Fakturadato", "Ændret", _line
           FROM raw.fakturaer WHERE "Bilagsnummer" = 'K2025-0109002'"""
    ).fetchone() == (
        Decimal("312.00"), "EUR", Decimal("2327.21"), False, date(2025, 2, 16),
        datetime(2025, 2, 26, 12, 10, 9), 4,
    )
    assert conn.execute(
        """SELECT "Enhed", "Kvantum_adgang" FROM raw.brugere WHERE "Bruger_id" = 'GH78'"""
    ).fetchone() == ("Vej og Park", False)
    assert conn.execute(
        """SELECT "Antal", "Enhedspris", "Er_gebyr", "Status" FROM raw.indkoebsordrer
           WHERE "Ordrenummer" = 'IO-2025-000451' AND "Linjenummer" = 2"""
    ).fetchone() == (Decimal("1.000"), Decimal("79.00"), True, "ÅBEN")
    assert conn.execute(
        "SELECT status, encoding, rows, rows_loaded, rows_quarantined FROM raw.load_log "
        "WHERE file_name = 'fakturahaendelser_20250301.csv'"
    ).fetchall() == [("loaded", "utf-8-sig", 11, 11, 0)]
    assert_reconciles(conn)


# --------------------------------------------------------------------------------------------
# DuckDB's own numbering (the loader relies on it; these fail loudly if a DuckDB upgrade changes it)


def test_duckdb_rejects_number_records_not_lines(tmp_path):
    path = put(tmp_path, "x.csv", 'a;b\n1;x\n2;"two\nlines"\n\nbad;x\n3;y\n')
    c = duckdb.connect()
    good = c.execute(
        """SELECT a FROM read_csv(?, columns = {'a': 'INTEGER', 'b': 'VARCHAR'}, header = true,
               auto_detect = false, delim = ';', quote = '"', escape = '"',
               store_rejects = true, rejects_table = 'rej', rejects_scan = 'rej_scan')""",
        [str(path)],
    ).fetchall()
    assert good == [(1,), (2,), (3,)]  # empty line skipped, file order kept
    # 'bad;x' starts on physical line 6; DuckDB says 5: header 1, '1;x' 2, the two-line
    # record 3, the empty line 4. Its csv_line starts with the previous line break.
    line, csv_line = c.execute("SELECT line, csv_line FROM rej").fetchone()
    assert line == 5
    assert csv_line.lstrip("\r\n") == "bad;x"


def test_duckdb_rejects_multiple_errors_of_one_row(tmp_path):
    path = put(tmp_path, "x.csv", "a;b;c\nq;x;99-99-2025\n1;x;01-01-2025;z;w\n3\n")
    c = duckdb.connect()
    c.execute(
        """SELECT * FROM read_csv(?, columns = {'a': 'INTEGER', 'b': 'VARCHAR', 'c': 'DATE'},
               header = true, auto_detect = false, delim = ';', dateformat = '%d-%m-%Y',
               store_rejects = true, rejects_table = 'rej', rejects_scan = 'rej_scan')""",
        [str(path)],
    ).fetchall()
    rej = c.execute("SELECT line, column_name, error_type::VARCHAR, error_message FROM rej ORDER BY ALL").fetchall()
    # one reject row per bad cell, one per extra field, one per missing field: the true count is
    # the largest "Found" for too many fields and the smallest for missing ones
    assert [r[:3] for r in rej] == [
        (2, "a", "CAST"), (2, "c", "CAST"),
        (3, None, "TOO MANY COLUMNS"), (3, None, "TOO MANY COLUMNS"),
        (4, "b", "MISSING COLUMNS"), (4, "c", "MISSING COLUMNS"),
    ]
    assert [r[3] for r in rej[2:]] == [
        "Expected Number of Columns: 3 Found: 4", "Expected Number of Columns: 3 Found: 5",
        "Expected Number of Columns: 3 Found: 1", "Expected Number of Columns: 3 Found: 2",
    ]


# --------------------------------------------------------------------------------------------
# Line numbers on tricky layouts


def test_line_numbers_multiline_quoted_field_before_a_bad_row(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        f"{VM}\n"
        "VM-1;IO-1;1;12-02-2025;40;AB12\n"
        'VM-2;IO-1;2;12-02-2025;1;"first\nsecond\nthird"\n'
        "VM-3;IO-1;3;32-02-2025;1;AB12\n"
        "VM-4;IO-1;4;12-02-2025;1;AB12\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (4, 3, 1)
    assert lines_of(conn, "varemodtagelser", "Varemodtagelses_id") == [("VM-1", 2), ("VM-2", 3), ("VM-4", 7)]
    assert quarantine(conn) == [
        (6, "Modtaget_dato", "unparseable date: Modtaget_dato is '32-02-2025', expected DD-MM-YYYY")
    ]
    assert conn.execute("SELECT raw_text FROM raw.quarantine").fetchone() == ("VM-3;IO-1;3;32-02-2025;1;AB12",)


def test_line_numbers_with_empty_lines(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        f"{VM}\n"
        "\n"
        "VM-1;IO-1;1;12-02-2025;40;AB12\n"
        "\n"
        "\n"
        "VM-2;IO-1;2;12-02-2025;1;AB12;extra\n"
        'VM-3;IO-1;3;12-02-2025;1;"a\n\nb"\n'
        "\n"
        "VM-4;IO-1;4;12-02-2025;1;AB12\n"
        "\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (4, 3, 1)
    assert lines_of(conn, "varemodtagelser", "Varemodtagelses_id") == [("VM-1", 3), ("VM-3", 7), ("VM-4", 11)]
    assert conn.execute(
        """SELECT "Registreret_af" FROM raw.varemodtagelser WHERE "Varemodtagelses_id" = 'VM-3'"""
    ).fetchone() == ("a\n\nb",)
    assert quarantine(conn) == [(6, None, "wrong number of fields: 7 instead of 6")]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_line_numbers_crlf_and_lf(conn, drop, newline):
    text = (
        f"{VM}\n"
        'VM-1;IO-1;1;12-02-2025;40;"two\nlines"\n'
        "\n"
        "VM-2;IO-1;x;12-02-2025;1;AB12\n"
        "VM-3;IO-1;3;12-02-2025;1;AB12\n"
    ).replace("\n", newline)
    put(drop, "varemodtagelser_20250301.csv", text)
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (3, 2, 1)
    assert lines_of(conn, "varemodtagelser", "Varemodtagelses_id") == [("VM-1", 2), ("VM-3", 6)]
    # a line break inside a quoted field is loaded as LF whatever the file's line endings
    assert conn.execute(
        """SELECT "Registreret_af" FROM raw.varemodtagelser WHERE _line = 2"""
    ).fetchone() == ("two\nlines",)
    assert quarantine(conn) == [(5, "Linjenummer", "unparseable integer: Linjenummer is 'x', expected a whole number")]


def test_line_numbers_mixed_line_endings(conn, drop):
    # CRLF lines, an LF-only line, a CR-LF inside a quoted field: DuckDB alone refuses such a file
    put(drop, "varemodtagelser_20250301.csv",
        f"{VM}\r\n"
        "VM-1;IO-1;1;12-02-2025;40;AB12\n"
        'VM-2;IO-1;2;12-02-2025;1;"a\r\nb"\r\n'
        "VM-3;IO-1;3;12-02-2025;1;AB12\r\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.status, r.rows, r.rows_loaded) == ("loaded", 3, 3)
    assert lines_of(conn, "varemodtagelser", "Varemodtagelses_id") == [("VM-1", 2), ("VM-2", 3), ("VM-3", 5)]


def test_line_numbers_with_bom(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        "\ufeff" f"{VM}\n"
        "VM-1;IO-1;1;12-02-2025;40;AB12\n"
        "VM-2;IO-1;2;12-02-2025;abc;AB12\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert r.encoding == "utf-8-sig"
    assert lines_of(conn, "varemodtagelser", "Varemodtagelses_id") == [("VM-1", 2)]
    assert quarantine(conn) == [
        (3, "Antal", "unparseable number: Antal is 'abc', expected a number with a decimal comma, e.g. -1234,50")
    ]


def test_quote_inside_an_unquoted_field_is_plain_text(conn, drop):
    # DuckDB reads ab"c as text; the line grouping must not take the quote as an opening one
    put(drop, "varemodtagelser_20250301.csv",
        f"{VM}\n"
        'VM-1;IO-1;1;12-02-2025;40;5" rør\n'
        "VM-2;IO-1;2;12-02-2025;1;AB12\n"
        'VM-3;IO-1;3;12-02-2025;1;"quoted\nover two lines"\n'
        "VM-4;IO-1;4;bad;1;AB12\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (4, 3, 1)
    assert lines_of(conn, "varemodtagelser", "Varemodtagelses_id") == [("VM-1", 2), ("VM-2", 3), ("VM-3", 4)]
    assert conn.execute("SELECT \"Registreret_af\" FROM raw.varemodtagelser WHERE _line = 2").fetchone() == ('5" rør',)
    assert quarantine(conn) == [(6, "Modtaget_dato", "unparseable date: Modtaget_dato is 'bad', expected DD-MM-YYYY")]


def test_text_after_a_closing_quote_is_quarantined(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        f"{VM}\n"
        'VM-1;IO-1;1;12-02-2025;40;"AB"12\n'
        "VM-2;IO-1;2;12-02-2025;1;AB12\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (2, 1, 1)
    assert quarantine(conn) == [(
        2, "Registreret_af",
        "malformed quotes: Registreret_af has text after its closing quote or a quote that is never "
        'closed (a quote inside a field is written "" and the field is quoted)',
    )]


def test_unterminated_quote_takes_the_rest_of_the_file(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        f"{VM}\n"
        "VM-1;IO-1;1;12-02-2025;40;AB12\n"
        'VM-2;IO-1;2;12-02-2025;1;"never closed\n'
        "VM-3;IO-1;3;12-02-2025;1;AB12\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (2, 1, 1)
    assert quarantine(conn) == [(
        3, "Registreret_af",
        "unterminated quote: the quoted field in Registreret_af is never closed, so the rest of the "
        "file was read as this one record",
    )]
    assert conn.execute("SELECT raw_text FROM raw.quarantine").fetchone() == (
        'VM-2;IO-1;2;12-02-2025;1;"never closed\nVM-3;IO-1;3;12-02-2025;1;AB12',
    )


# --------------------------------------------------------------------------------------------
# Bad rows, one class each: line, column and reason


def test_bad_row_too_few_fields(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;40\nVM-2;IO-1;2;12-02-2025;1;AB12\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (2, 1, 1)
    assert quarantine(conn) == [(2, None, "wrong number of fields: 5 instead of 6")]
    assert conn.execute("SELECT raw_text FROM raw.quarantine").fetchone() == ("VM-1;IO-1;1;12-02-2025;40",)


def test_bad_row_too_many_fields(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12;;x\n")
    load_one(conn, drop, "varemodtagelser")
    assert quarantine(conn) == [(2, None, "wrong number of fields: 8 instead of 6")]


def test_bad_row_extra_empty_fields(conn, drop):
    # DuckDB itself accepts extra empty fields at the end of a row; the loader counts fields
    put(drop, "fakturahaendelser_20250301.csv",
        f"{FH}\n"
        "H-1;K-1;14-02-2025 06:12:00;MODTAGET;;;;;\n"
        'H-2;K-1;14-02-2025 06:12:00;MODTAGET;;;;"a;\nb";""\n'
        'H-3;K-1;14-02-2025 06:12:00;MODTAGET;;;;"a;\nb"\n'
        "H-4;K-1;14-02-2025 06:12:00;MODTAGET;;;;\n")
    r = load_one(conn, drop, "fakturahaendelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (4, 2, 2)
    assert quarantine(conn) == [
        (2, None, "wrong number of fields: 9 instead of 8"),
        (3, None, "wrong number of fields: 9 instead of 8"),
    ]
    assert lines_of(conn, "fakturahaendelser", "Hændelses_id") == [("H-3", 5), ("H-4", 7)]


def test_bad_row_unparseable_date(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;2025-02-12;40;AB12\n")
    load_one(conn, drop, "varemodtagelser")
    assert quarantine(conn) == [
        (2, "Modtaget_dato", "unparseable date: Modtaget_dato is '2025-02-12', expected DD-MM-YYYY")
    ]


def test_bad_row_unparseable_timestamp(conn, drop):
    put(drop, "brugere_20250301.csv", f"{BR}\nAB12;Anna Berg;BUF;;;J;02-01-2025 07:00\n")
    load_one(conn, drop, "brugere")
    assert quarantine(conn) == [
        (2, "Ændret", "unparseable timestamp: Ændret is '02-01-2025 07:00', expected DD-MM-YYYY HH:MM:SS")
    ]


def test_bad_row_unparseable_number(conn, drop):
    # a thousands separator is not allowed
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;1.234,5;AB12\n")
    load_one(conn, drop, "varemodtagelser")
    assert quarantine(conn) == [
        (2, "Antal", "unparseable number: Antal is '1.234,5', expected a number with a decimal comma, e.g. -1234,50")
    ]


def test_bad_row_unparseable_integer(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1,5;12-02-2025;1;AB12\n")
    load_one(conn, drop, "varemodtagelser")
    assert quarantine(conn) == [
        (2, "Linjenummer", "unparseable integer: Linjenummer is '1,5', expected a whole number")
    ]


def test_bad_row_flag_not_j_or_n(conn, drop):
    put(drop, "brugere_20250301.csv", f"{BR}\nAB12;Anna Berg;BUF;;;Y;02-01-2025 07:00:00\n")
    load_one(conn, drop, "brugere")
    assert quarantine(conn) == [(2, "Kvantum_adgang", "flag not J/N: Kvantum_adgang is 'Y', expected J or N")]


@pytest.mark.parametrize("empty", ["", '""'], ids=["empty", "quoted-empty"])
def test_bad_row_missing_required_value(conn, drop, empty):
    put(drop, "brugere_20250301.csv", f"{BR}\nAB12;{empty};BUF;;;J;02-01-2025 07:00:00\n")
    load_one(conn, drop, "brugere")
    assert quarantine(conn) == [(2, "Navn", "missing required value: Navn is empty")]


def test_bad_row_value_outside_code_list(conn, drop):
    put(drop, "brugere_20250301.csv", f"{BR}\nAB12;Anna Berg;XYZ;;;J;02-01-2025 07:00:00\n")
    load_one(conn, drop, "brugere")
    assert quarantine(conn) == [(
        2, "Forvaltning",
        "value outside its code list: Forvaltning is 'XYZ', expected one of ØKF, BUF, SUF, SOF, TMF, KFF, BIF, KS",
    )]


def test_bad_row_reason_code_outside_code_list(conn, drop):
    put(drop, "fakturahaendelser_20250301.csv", f"{FH}\nH-1;K-1;14-02-2025 06:12:00;AFVIST;AB12;;FORKERT;\n")
    load_one(conn, drop, "fakturahaendelser")
    assert quarantine(conn) == [(
        2, "Årsagskode",
        "value outside its code list: Årsagskode is 'FORKERT', expected one of MANGLER_ORDRENUMMER, "
        "FORKERT_ORDRENUMMER, FORKERT_BETALINGSOPLYSNING, FORKERT_MODTAGER, PRISAFVIGELSE, DUBLET, "
        "UAFTALT_GEBYR, MANGLER_VAREMODTAGELSE, IKKE_BESTILT, FORKERT_FORVALTNING, ANDET",
    )]


def test_bad_row_reason_code_missing_where_the_event_requires_one(conn, drop):
    put(drop, "fakturahaendelser_20250301.csv",
        f"{FH}\n"
        "H-1;K-1;14-02-2025 06:12:00;RETURNERET;AB12;KS01;;\n"  # requires a reason
        "H-2;K-1;14-02-2025 06:13:00;GODKENDT;AB12;;;\n"  # does not
        "H-3;K-1;14-02-2025 06:14:00;SPÆRRET;KS01;;PRISAFVIGELSE;\n")
    r = load_one(conn, drop, "fakturahaendelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (3, 2, 1)
    assert quarantine(conn) == [(
        2, "Årsagskode", "missing required value: Årsagskode is empty, but event type RETURNERET requires a reason code"
    )]


def test_bad_row_unknown_event_type(conn, drop):
    put(drop, "fakturahaendelser_20250301.csv", f"{FH}\nH-1;K-1;14-02-2025 06:12:00;Godkendt;AB12;;;\n")
    load_one(conn, drop, "fakturahaendelser")
    assert quarantine(conn)[0][:2] == (2, "Hændelse")
    assert quarantine(conn)[0][2].startswith("value outside its code list: Hændelse is 'Godkendt', expected one of MODTAGET,")


def test_bad_row_with_several_problems_names_no_single_column(conn, drop):
    put(drop, "brugere_20250301.csv", f"{BR}\nAB12;;XYZ;;;J;02-01-2025 07:00:00\n")
    load_one(conn, drop, "brugere")
    assert quarantine(conn) == [(
        2, None,
        "missing required value: Navn is empty; value outside its code list: Forvaltning is 'XYZ', "
        "expected one of ØKF, BUF, SUF, SOF, TMF, KFF, BIF, KS",
    )]


def test_bad_row_with_two_unparseable_cells(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;x;1-13-2025;1;AB12\n")
    load_one(conn, drop, "varemodtagelser")
    assert quarantine(conn) == [(
        2, None,
        "unparseable integer: Linjenummer is 'x', expected a whole number; "
        "unparseable date: Modtaget_dato is '1-13-2025', expected DD-MM-YYYY",
    )]


def test_raw_text_of_a_quarantined_multiline_record(conn, drop):
    put(drop, "fakturahaendelser_20250301.csv",
        f"{FH}\n"
        'H-1;K-1;14-02-2025 06:12:00;AFVIST;AB12;;;"see ""mail"";\nthanks"\n')
    load_one(conn, drop, "fakturahaendelser")
    assert conn.execute("SELECT line, raw_text FROM raw.quarantine").fetchall() == [
        (2, 'H-1;K-1;14-02-2025 06:12:00;AFVIST;AB12;;;"see ""mail"";\nthanks"')
    ]


# --------------------------------------------------------------------------------------------
# Encodings


def test_utf8_with_and_without_bom_load_the_same(conn, drop):
    body = f"{BR}\nAB12;Anna Berg;BUF;Skole Øst;;J;02-01-2025 07:00:00\n"
    put(drop, "brugere_20250301.csv", "\ufeff" + body)
    put(drop, "brugere_20250302.csv", body)
    result = load_source(conn, drop, "brugere")
    assert [(f.file_name, f.encoding, f.rows_loaded, f.warnings) for f in result.files] == [
        ("brugere_20250301.csv", "utf-8-sig", 1, []),
        ("brugere_20250302.csv", "utf-8", 1, []),
    ]
    assert conn.execute('SELECT DISTINCT "Bruger_id", "Enhed", _line FROM raw.brugere').fetchall() == [
        ("AB12", "Skole Øst", 2)
    ]


def test_windows_1252_file_is_read_with_a_warning(conn, drop):
    text = f"{BR}\r\nAB12;Anna Berg;BUF;Skole Øst;;J;02-01-2025 07:00:00\r\nCD34;Søren Å;KS;Kreditor;;N;02-01-2025 07:00:00\r\n"
    data = text.encode("cp1252")
    assert b"Skole \xd8st" in data  # Ø is the single byte 0xD8
    put(drop, "brugere_20250301.csv", data)
    r = load_one(conn, drop, "brugere")
    assert (r.status, r.encoding, r.rows_loaded) == ("loaded", "windows-1252", 2)
    # the header's Æ (0xC6) in "Ændret" is the first byte that is not UTF-8
    assert r.warnings == [
        "brugere_20250301.csv is not valid UTF-8 (byte 0xC6 at offset 57, line 1); it was read as Windows-1252"
    ]
    assert conn.execute('SELECT "Navn", "Enhed" FROM raw.brugere ORDER BY _line').fetchall() == [
        ("Anna Berg", "Skole Øst"), ("Søren Å", "Kreditor")
    ]
    assert conn.execute("SELECT encoding, warnings FROM raw.load_log").fetchone() == ("windows-1252", r.warnings)
    # delivered again: a no-op that keeps the encoding it was read with, and warns no more
    again = load_one(conn, drop, "brugere")
    assert (again.status, again.encoding, again.bytes, again.warnings) == ("unchanged", "windows-1252", len(data), [])


# --------------------------------------------------------------------------------------------
# Header


def test_columns_in_another_order(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        "Antal;Registreret_af;Modtaget_dato;Linjenummer;Ordrenummer;Varemodtagelses_id\n"
        "-2,5;AB12;12-02-2025;3;IO-1;VM-1\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.rows_loaded, r.warnings) == (1, [])
    assert conn.execute(
        """SELECT "Varemodtagelses_id", "Ordrenummer", "Linjenummer", "Modtaget_dato", "Antal", "Registreret_af"
           FROM raw.varemodtagelser"""
    ).fetchall() == [("VM-1", "IO-1", 3, date(2025, 2, 12), Decimal("-2.500"), "AB12")]


def test_unknown_column_is_ignored_with_a_warning(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        "Varemodtagelses_id;Lager;Ordrenummer;Linjenummer;Modtaget_dato;Antal;Registreret_af\n"
        "VM-1;Vest;IO-1;1;12-02-2025;40;AB12\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert r.rows_loaded == 1
    assert r.warnings == ["varemodtagelser_20250301.csv: unknown column 'Lager' is ignored"]
    assert conn.execute('SELECT "Ordrenummer", "Antal" FROM raw.varemodtagelser').fetchall() == [("IO-1", Decimal("40"))]


def test_missing_optional_column_reads_as_null_with_a_warning(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        "Varemodtagelses_id;Ordrenummer;Linjenummer;Modtaget_dato;Antal\nVM-1;IO-1;1;12-02-2025;40\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert r.rows_loaded == 1
    assert r.warnings == [
        "varemodtagelser_20250301.csv: optional column Registreret_af is missing; it reads as empty (NULL)"
    ]
    assert conn.execute('SELECT "Varemodtagelses_id", "Registreret_af" FROM raw.varemodtagelser').fetchall() == [
        ("VM-1", None)
    ]


def test_missing_required_column_rejects_the_file(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        "Varemodtagelses_id;Ordrenummer;Modtaget_dato;Antal;Registreret_af\nVM-1;IO-1;12-02-2025;40;AB12\n")
    result = load_source(conn, drop, "varemodtagelser")  # does not raise
    r = result.files[0]
    assert not result.ok
    assert (r.status, r.rows, r.rows_loaded) == ("rejected", 0, 0)
    assert r.error.startswith(
        "varemodtagelser_20250301.csv lacks the required column Linjenummer; nothing from it was loaded."
    )
    assert result.errors == [r.error]
    assert conn.execute("SELECT count(*) FROM raw.varemodtagelser").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM raw.quarantine").fetchone() == (0,)
    assert conn.execute("SELECT status, error FROM raw.load_log").fetchall() == [("rejected", r.error)]


def test_misspelt_required_column_gets_a_hint(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        "Varemodtagelses_id;Ordrenummer;linjenummer;Modtaget_dato;Antal\nVM-1;IO-1;1;12-02-2025;40\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert r.status == "rejected"
    assert "Linjenummer (the header has 'linjenummer': names must be written exactly as in the contract)" in r.error


def test_misspelt_optional_column_reads_as_null_with_a_hint(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM[:-len('Registreret_af')]}registreret_af\nVM-1;IO-1;1;12-02-2025;40;AB12\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.status, r.rows_loaded) == ("loaded", 1)
    assert r.warnings == [
        "varemodtagelser_20250301.csv: optional column Registreret_af is missing; it reads as empty (NULL)",
        "varemodtagelser_20250301.csv: unknown column 'registreret_af' is ignored (did you mean Registreret_af? "
        "names must be written exactly as in the contract)",
    ]


def test_header_only_file_loads_zero_rows(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\r\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.status, r.rows, r.rows_loaded, r.rows_quarantined) == ("loaded", 0, 0, 0)


def test_empty_file_is_rejected(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", b"")
    r = load_one(conn, drop, "varemodtagelser")
    assert r.status == "rejected"
    assert r.error.startswith("varemodtagelser_20250301.csv has no header line")


# --------------------------------------------------------------------------------------------
# Quoting, line endings, empty lines


def test_quoted_semicolons_quotes_and_line_breaks(conn, drop):
    put(drop, "fakturahaendelser_20250301.csv",
        f"{FH}\n"
        'H-1;K-1;14-02-2025 06:12:00;GODKENDT;AB12;;;"a;b"\n'
        'H-2;K-1;14-02-2025 06:13:00;GODKENDT;AB12;;;"say ""hi"""\n'
        'H-3;K-1;14-02-2025 06:14:00;GODKENDT;AB12;;;"line 1\nline 2; ""q""\n\nline 4"\n'
        'H-4;K-1;14-02-2025 06:15:00;GODKENDT;"AB12";;;""\n')
    r = load_one(conn, drop, "fakturahaendelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (4, 4, 0)
    assert conn.execute(
        'SELECT "Hændelses_id", "Fra_bruger", "Kommentar", _line FROM raw.fakturahaendelser ORDER BY _line'
    ).fetchall() == [
        ("H-1", "AB12", "a;b", 2),
        ("H-2", "AB12", 'say "hi"', 3),
        ("H-3", "AB12", 'line 1\nline 2; "q"\n\nline 4', 4),
        ("H-4", "AB12", None, 8),  # "" is an empty field: missing
    ]


def test_crlf_and_lf_files_load_the_same_values(conn, drop):
    body = f"{LEV}\nL1;12345678;Kontorland A/S;DK;;J;15-01-2025 08:00:00\nL2;;Büro GmbH;DE;IBAN DE89;N;15-01-2025 08:00:00\n"
    put(drop, "leverandoerer_20250301.csv", body)
    put(drop, "leverandoerer_20250302.csv", body.replace("\n", "\r\n"))
    result = load_source(conn, drop, "leverandoerer")
    assert [f.rows_loaded for f in result.files] == [2, 2]
    rows = conn.execute(
        'SELECT _file_name, "Leverandørnummer", "CVR", "Navn", "Kræver_ordrenummer", _line FROM raw.leverandoerer '
        "ORDER BY _file_name, _line"
    ).fetchall()
    lf = [r[1:] for r in rows if r[0].endswith("01.csv")]
    crlf = [r[1:] for r in rows if r[0].endswith("02.csv")]
    assert lf == crlf == [("L1", "12345678", "Kontorland A/S", True, 2), ("L2", None, "Büro GmbH", False, 3)]


def test_empty_lines_are_skipped_and_counted_as_lines(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\r\n\r\nVM-1;IO-1;1;12-02-2025;40;AB12\r\n\r\n\r\nVM-2;IO-1;2;12-02-2025;1;\r\n\r\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (2, 2, 0)
    assert lines_of(conn, "varemodtagelser", "Varemodtagelses_id") == [("VM-1", 3), ("VM-2", 6)]


# --------------------------------------------------------------------------------------------
# Values


def test_danish_decimals_dates_and_flags(conn, drop):
    put(drop, "fakturaer_20250301.csv",
        f"{FA}\n"
        "K-1;F-1;KREDITNOTA;L1;;13-02-2025;14-02-2025;15-03-2025;-1234,50;DKK;-1234,5;;5798005770001;BUF;"
        "NEMHANDEL;;MODTAGET;J;;;;21-02-2025 16:40:02\n"
        "K-2;F-2;FAKTURA;L1;12-02-2025;13-02-2025;14-02-2025;15-03-2025;0,07;EUR;0,52;IO-1;5798005770001;ØKF;"
        "PEPPOL;REG 1;BETALT;N;AB12;20-02-2025;21-02-2025;21-02-2025 16:40:02\n")
    r = load_one(conn, drop, "fakturaer")
    assert (r.rows_loaded, r.rows_quarantined) == (2, 0)
    assert conn.execute(
        """SELECT "Bilagsnummer", "Beløb", "Beløb_DKK", "Betalingsspærre", "Afsendelsesdato", "Forvaltning",
                  "Bogføringsdato", "Ændret"
           FROM raw.fakturaer ORDER BY _line"""
    ).fetchall() == [
        ("K-1", Decimal("-1234.50"), Decimal("-1234.50"), True, None, "BUF", None, datetime(2025, 2, 21, 16, 40, 2)),
        ("K-2", Decimal("0.07"), Decimal("0.52"), False, date(2025, 2, 12), "ØKF", date(2025, 2, 20),
         datetime(2025, 2, 21, 16, 40, 2)),
    ]
    types = dict(conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'fakturaer'"
    ).fetchall())
    assert (types["Beløb"], types["Betalingsspærre"], types["Ændret"], types["_line"]) == (
        "DECIMAL(18,2)", "BOOLEAN", "TIMESTAMP", "BIGINT"
    )


# --------------------------------------------------------------------------------------------
# Re-delivery


def test_identical_redelivery_is_a_noop(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\n")
    first = load_one(conn, drop, "varemodtagelser")
    again = load_one(conn, drop, "varemodtagelser")
    assert (first.status, again.status) == ("loaded", "unchanged")
    assert (again.rows, again.rows_loaded, again.sha256) == (0, 0, first.sha256)
    assert (again.bytes, again.encoding) == (first.bytes, first.encoding) == (109, "utf-8")
    assert conn.execute("SELECT count(*) FROM raw.varemodtagelser").fetchone() == (1,)
    assert conn.execute("SELECT load_id, status FROM raw.load_log ORDER BY load_id").fetchall() == [
        (1, "loaded"), (2, "unchanged")
    ]


def test_a_loaded_file_untouched_since_is_not_read_again(conn, drop, monkeypatch):
    """A run hashes a loaded file only when its size, times or inode differ from the last run's
    (files.file_stat): at 10M invoices the drop folder holds some 9.5 GB that every run re-read."""
    name = "varemodtagelser_20250301.csv"
    path = put(drop, name, f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\n")
    assert unloaded_files(conn, drop) == [name]
    first = load_one(conn, drop, "varemodtagelser")
    hashed = []
    real = loader.file_sha256
    monkeypatch.setattr(loader, "file_sha256", lambda p: hashed.append(p.name) or real(p))
    again = load_one(conn, drop, "varemodtagelser")
    assert (again.status, again.sha256, hashed) == ("unchanged", first.sha256, [])
    assert unloaded_files(conn, drop) == [] and hashed == []
    # touched, the same bytes: hashed once (unchanged), and its new signature kept for the next run
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert load_one(conn, drop, "varemodtagelser").status == "unchanged" and hashed == [name]
    assert load_one(conn, drop, "varemodtagelser").status == "unchanged" and hashed == [name]
    # rewritten with the same size and its modification time set back: the change time tells
    before = path.stat()
    path.write_text(f"{VM}\nVM-1;IO-1;1;12-02-2025;41;AB12\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert unloaded_files(conn, drop) == [name]
    assert load_one(conn, drop, "varemodtagelser").status == "rejected"
    assert conn.execute('SELECT "Antal" FROM raw.varemodtagelser').fetchall() == [(Decimal("40"),)]


def test_a_load_log_from_before_file_stat_gets_the_column(conn, drop, tmp_path):
    """A warehouse whose raw.load_log predates the file_stat column: its loaded files are hashed
    (unchanged), the column is added, and the run after reads the signature instead."""
    name = "varemodtagelser_20250301.csv"
    put(drop, name, f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\n")
    first = load_one(conn, drop, "varemodtagelser")
    # the load_log as an older version wrote it: no file_stat column
    old = ", ".join(f'"{n}"' for n, _ in LOAD_LOG_COLUMNS if n != "file_stat")
    conn.execute(f"CREATE TABLE old_log AS SELECT {old} FROM raw.load_log")
    conn.execute("DROP TABLE raw.load_log")
    conn.execute("CREATE TABLE raw.load_log AS SELECT * FROM old_log")
    assert unloaded_files(conn, drop) == []  # a read-only use: hashed, no column needed
    again = load_one(conn, drop, "varemodtagelser")
    assert (first.status, again.status, again.sha256) == ("loaded", "unchanged", first.sha256)
    assert conn.execute(
        "SELECT status, file_stat IS NOT NULL FROM raw.load_log ORDER BY load_id"
    ).fetchall() == [("loaded", False), ("unchanged", True)]


def test_changed_redelivery_is_rejected_whole(conn, drop):
    path = put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\n")
    first = load_one(conn, drop, "varemodtagelser")
    path.write_text(f"{VM}\nVM-1;IO-1;1;12-02-2025;41;AB12\nVM-2;IO-1;2;12-02-2025;1;AB12\n")
    result = load_source(conn, drop, "varemodtagelser")
    r = result.files[0]
    assert (r.status, r.rows_loaded) == ("rejected", 0)
    assert r.error == (
        f"varemodtagelser_20250301.csv was delivered before with different content (sha256 "
        f"{first.sha256[:16]}... in load 1, now {r.sha256[:16]}...); a delivered file never changes: "
        "deliver the change as a new extract with a new date, or remove the earlier load "
        "(see docs/loading.md); nothing from it was loaded"
    )
    assert conn.execute('SELECT "Varemodtagelses_id", "Antal" FROM raw.varemodtagelser').fetchall() == [
        ("VM-1", Decimal("40"))
    ]
    # after removing the earlier load, the changed file loads
    assert remove_file_load(conn, "varemodtagelser_20250301.csv") == 1
    again = load_one(conn, drop, "varemodtagelser")
    assert (again.status, again.rows_loaded) == ("loaded", 2)
    assert conn.execute("SELECT status FROM raw.load_log ORDER BY load_id").fetchall() == [
        ("loaded",), ("rejected",), ("removed",), ("loaded",)
    ]
    assert_reconciles(conn)


def test_rejected_file_can_be_corrected_under_the_same_name(conn, drop):
    path = put(drop, "varemodtagelser_20250301.csv", "Varemodtagelses_id;Ordrenummer\nVM-1;IO-1\n")
    assert load_one(conn, drop, "varemodtagelser").status == "rejected"
    path.write_text(f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\n")
    assert load_one(conn, drop, "varemodtagelser").status == "loaded"


# --------------------------------------------------------------------------------------------
# Versions and duplicates


def test_entity_versions_are_all_kept(conn, drop):
    put(drop, "brugere_20250301.csv", f"{BR}\nAB12;Anna Berg;BUF;Skole;CD34;J;02-01-2025 07:00:00\n")
    put(drop, "brugere_20250315.csv",
        f"{BR}\nAB12;Anna Berg;BUF;Skole Øst;CD34;J;10-03-2025 09:00:00\nAB12;Anna Berg;BUF;Skole Øst;CD34;J;10-03-2025 09:00:00\n")
    result = load_source(conn, drop, "brugere")
    assert [(f.rows_loaded, f.rows_duplicate) for f in result.files] == [(1, 0), (2, 0)]
    assert conn.execute(
        'SELECT _file_name, _line, "Enhed", "Ændret" FROM raw.brugere ORDER BY _load_id, _line'
    ).fetchall() == [
        ("brugere_20250301.csv", 2, "Skole", datetime(2025, 1, 2, 7)),
        ("brugere_20250315.csv", 2, "Skole Øst", datetime(2025, 3, 10, 9)),
        ("brugere_20250315.csv", 3, "Skole Øst", datetime(2025, 3, 10, 9)),
    ]


def test_identical_duplicate_event_is_counted_once(conn, drop):
    put(drop, "fakturahaendelser_20250301.csv",
        f"{FH}\nH-1;K-1;14-02-2025 06:12:00;MODTAGET;;;;\nH-1;K-1;14-02-2025 06:12:00;MODTAGET;;;;\n")
    put(drop, "fakturahaendelser_20250302.csv",
        f"{FH}\nH-1;K-1;14-02-2025 06:12:00;MODTAGET;;;;\nH-2;K-1;14-02-2025 06:13:00;TILDELT;;AB12;;\n")
    result = load_source(conn, drop, "fakturahaendelser")
    assert [(f.rows, f.rows_loaded, f.rows_duplicate, f.rows_quarantined) for f in result.files] == [
        (2, 2, 1, 0), (2, 2, 1, 0)
    ]
    assert conn.execute(
        'SELECT "Hændelses_id", _file_name, _line FROM raw.fakturahaendelser ORDER BY ALL'
    ).fetchall() == [("H-1", "fakturahaendelser_20250301.csv", 2), ("H-2", "fakturahaendelser_20250302.csv", 3)]
    assert conn.execute("SELECT rows_loaded, rows_duplicate FROM raw.load_log ORDER BY load_id").fetchall() == [
        (2, 1), (2, 1)
    ]
    assert_reconciles(conn)


def test_conflicting_duplicate_event_within_a_file(conn, drop):
    put(drop, "fakturahaendelser_20250301.csv",
        f"{FH}\n"
        "H-1;K-1;14-02-2025 06:12:00;MODTAGET;;;;\n"
        "H-1;K-1;14-02-2025 06:12:09;MODTAGET;;;;other\n"
        "H-1;K-1;14-02-2025 06:12:00;MODTAGET;;;;\n")
    r = load_one(conn, drop, "fakturahaendelser")
    assert (r.rows, r.rows_loaded, r.rows_duplicate, r.rows_quarantined) == (3, 2, 1, 1)
    assert quarantine(conn) == [(
        3, None,
        "conflicting duplicate event: Hændelses_id 'H-1' was first delivered in fakturahaendelser_20250301.csv, "
        "line 2, with different Tidspunkt, Kommentar; the first one stays",
    )]
    assert lines_of(conn, "fakturahaendelser", "Hændelses_id") == [("H-1", 2)]


def test_conflicting_duplicate_event_across_files(conn, drop):
    put(drop, "fakturahaendelser_20250301.csv", f"{FH}\nH-1;K-1;14-02-2025 06:12:00;AFVIST;AB12;;DUBLET;\n")
    put(drop, "fakturahaendelser_20250302.csv",
        f"{FH}\nH-2;K-1;15-02-2025 06:12:00;MODTAGET;;;;\nH-1;K-1;14-02-2025 06:12:00;AFVIST;AB12;;ANDET;\n")
    result = load_source(conn, drop, "fakturahaendelser")
    assert [(f.rows_loaded, f.rows_quarantined) for f in result.files] == [(1, 0), (1, 1)]
    assert quarantine(conn) == [(
        3, None,
        "conflicting duplicate event: Hændelses_id 'H-1' was first delivered in fakturahaendelser_20250301.csv, "
        "line 2, with different Årsagskode; the first one stays",
    )]
    assert conn.execute('SELECT "Årsagskode" FROM raw.fakturahaendelser WHERE "Hændelses_id" = \'H-1\'').fetchone() == (
        "DUBLET",
    )
    assert_reconciles(conn)


def test_conflicting_duplicate_event_in_a_late_older_extract(conn, drop):
    # delivered first: the extract of 5 March; later: a late extract dated 1 March
    put(drop, "varemodtagelser_20250305.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\n")
    load_one(conn, drop, "varemodtagelser")
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-0;IO-1;1;11-02-2025;1;AB12\nVM-1;IO-1;1;12-02-2025;-40;AB12\n")
    result = load_source(conn, drop, "varemodtagelser")
    assert [(f.file_name, f.status, f.rows_loaded, f.rows_quarantined) for f in result.files] == [
        ("varemodtagelser_20250301.csv", "loaded", 1, 1),
        ("varemodtagelser_20250305.csv", "unchanged", 0, 0),
    ]
    assert quarantine(conn) == [(
        3, None,
        "conflicting duplicate event: Varemodtagelses_id 'VM-1' was first delivered in varemodtagelser_20250305.csv, "
        "line 2, with different Antal; the first one stays",
    )]
    assert conn.execute(
        'SELECT "Varemodtagelses_id", "Antal", _load_id FROM raw.varemodtagelser ORDER BY 1'
    ).fetchall() == [("VM-0", Decimal("1"), 2), ("VM-1", Decimal("40"), 1)]


def test_conflicting_duplicate_in_one_run_keeps_the_older_extract(conn, drop):
    # both files in one run: loaded by extract date, so 1 March is delivered first
    put(drop, "varemodtagelser_20250305.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;-40;AB12\n")
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\n")
    result = load_source(conn, drop, "varemodtagelser")
    assert [(f.file_name, f.load_id, f.rows_quarantined) for f in result.files] == [
        ("varemodtagelser_20250301.csv", 1, 0), ("varemodtagelser_20250305.csv", 2, 1)
    ]
    assert conn.execute('SELECT "Antal" FROM raw.varemodtagelser').fetchall() == [(Decimal("40"),)]


# --------------------------------------------------------------------------------------------
# Reconciliation, folder, order


def test_every_row_is_loaded_or_quarantined(conn, drop):
    put(drop, "fakturahaendelser_20250301.csv",
        f"{FH}\r\n"
        "H-1;K-1;14-02-2025 06:12:00;MODTAGET;;;;\r\n"
        "H-2;K-1;14-02-2025 06:12:00;BOGUS;;;;\r\n"
        "\r\n"
        'H-3;K-1;14-02-2025 06:12:00;AFVIST;AB12;;DUBLET;"x\r\ny"\r\n'
        "H-4;K-1;14-02-2025 06:12:00;RETURNERET;AB12;;;\r\n"
        "H-5;K-1;31-02-2025 06:12:00;MODTAGET;;;;\r\n"
        "H-6;K-1\r\n"
        "H-1;K-1;14-02-2025 06:12:00;MODTAGET;;;;\r\n"
        "H-1;K-1;14-02-2025 06:12:01;MODTAGET;;;;\r\n")
    put(drop, "fakturahaendelser_20250302.csv", f"{FH}\nH-3;K-1;14-02-2025 06:12:00;AFVIST;AB12;;DUBLET;\nH-7;K-2;;MODTAGET;;;;\n")
    result = load_source(conn, drop, "fakturahaendelser")
    assert [(f.rows, f.rows_loaded, f.rows_duplicate, f.rows_quarantined) for f in result.files] == [
        (8, 3, 1, 5), (2, 0, 0, 2)
    ]
    assert [(q[0], q[1], q[2].split(":")[0]) for q in quarantine(conn)] == [
        (3, "Hændelse", "value outside its code list"),
        (7, "Årsagskode", "missing required value"),
        (8, "Tidspunkt", "unparseable timestamp"),
        (9, None, "wrong number of fields"),
        (11, None, "conflicting duplicate event"),
        (2, None, "conflicting duplicate event"),  # H-3 differs in Kommentar
        (3, "Tidspunkt", "missing required value"),
    ]
    assert (result.rows, result.rows_loaded, result.rows_quarantined) == (10, 3, 7)
    assert_reconciles(conn)


def test_unknown_files_are_ignored_with_a_warning_and_logged_once(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\n")
    put(drop, "notes.txt", "hello")
    put(drop, "Fakturaer_20250301.csv", f"{FA}\n")
    put(drop, "ordrer_20250301.csv", "x\n")
    put(drop, "brugere_20250231.csv", f"{BR}\n")
    expected = [
        "ignored Fakturaer_20250301.csv: the name must be written in lower case (<source>_<YYYYMMDD>.csv); it is not loaded",
        "ignored brugere_20250231.csv: 20250231 is not a valid date (YYYYMMDD); it is not loaded",
        "ignored notes.txt: the name does not have the form <source>_<YYYYMMDD>.csv; it is not loaded",
        "ignored ordrer_20250301.csv: 'ordrer' is not a known source (one of fakturaer, fakturahaendelser, "
        "indkoebsordrer, varemodtagelser, leverandoerer, brugere, udlaeg); it is not loaded",
    ]
    assert scan_drop_folder(drop).warnings == expected
    result = load_source(conn, drop, "varemodtagelser")
    assert result.ignored == expected
    assert result.files[0].rows_loaded == 1
    load_drop_folder(conn, drop)
    assert conn.execute(
        "SELECT file_name, source, warnings FROM raw.load_log WHERE status = 'ignored' ORDER BY file_name"
    ).fetchall() == [
        ("Fakturaer_20250301.csv", None, [expected[0]]),
        ("brugere_20250231.csv", None, [expected[1]]),
        ("notes.txt", None, [expected[2]]),
        ("ordrer_20250301.csv", None, [expected[3]]),
    ]


def test_files_load_in_extract_date_order(conn, drop):
    for day in ("20250310", "20250301", "20250305"):
        put(drop, f"varemodtagelser_{day}.csv", f"{VM}\nVM-{day};IO-1;1;12-02-2025;40;AB12\n")
    scan = scan_drop_folder(drop)
    assert [f.name for f in scan.files_of("varemodtagelser")] == [
        "varemodtagelser_20250301.csv", "varemodtagelser_20250305.csv", "varemodtagelser_20250310.csv"
    ]
    result = load_source(conn, drop, "varemodtagelser")
    assert [(f.file_name[-12:], f.load_id) for f in result.files] == [
        ("20250301.csv", 1), ("20250305.csv", 2), ("20250310.csv", 3)
    ]
    assert conn.execute(
        'SELECT "Varemodtagelses_id", _extract_date, _load_id FROM raw.varemodtagelser ORDER BY _load_id'
    ).fetchall() == [
        ("VM-20250301", date(2025, 3, 1), 1), ("VM-20250305", date(2025, 3, 5), 2),
        ("VM-20250310", date(2025, 3, 10), 3),
    ]


def test_a_rejected_file_does_not_stop_the_others(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", "Varemodtagelses_id\nVM-1\n")
    put(drop, "varemodtagelser_20250302.csv", f"{VM}\nVM-2;IO-1;1;12-02-2025;40;AB12\n")
    result = load_source(conn, drop, "varemodtagelser")
    assert [f.status for f in result.files] == ["rejected", "loaded"]
    assert not result.ok
    assert result.as_dict()["files_rejected"] == 1


def test_file_with_nul_bytes_is_rejected(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB\x0012\n")
    r = load_one(conn, drop, "varemodtagelser")
    assert r.status == "rejected"
    assert r.error.startswith("varemodtagelser_20250301.csv holds NUL bytes")


def test_ensure_raw_schema_creates_the_interface(conn):
    ensure_raw_schema(conn)
    ensure_raw_schema(conn)  # idempotent
    tables = [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1"
    ).fetchall()]
    assert tables == sorted(list(LOAD_ORDER) + ["load_log", "quarantine"])
    cols = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = 'varemodtagelser' ORDER BY ordinal_position"
    ).fetchall()
    assert cols == [
        ("Varemodtagelses_id", "VARCHAR"), ("Ordrenummer", "VARCHAR"), ("Linjenummer", "INTEGER"),
        ("Modtaget_dato", "DATE"), ("Antal", "DECIMAL(18,3)"), ("Registreret_af", "VARCHAR"),
        ("_file_name", "VARCHAR"), ("_extract_date", "DATE"), ("_line", "BIGINT"), ("_load_id", "BIGINT"),
    ]
    assert [c[0] for c in conn.execute("DESCRIBE raw.quarantine").fetchall()] == [
        "load_id", "file_name", "source", "line", "column_name", "raw_text", "reason"
    ]
    assert [c[0] for c in conn.execute("DESCRIBE raw.load_log").fetchall()] == [
        "load_id", "file_name", "source", "extract_date", "sha256", "bytes", "encoding", "status", "rows",
        "rows_loaded", "rows_duplicate", "rows_quarantined", "warnings", "error", "loaded_at", "file_stat",
    ]


def test_results_as_dict(conn, drop):
    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\nVM-2;IO-1;1;bad;40;AB12\n")
    result = load_source(conn, drop, "varemodtagelser")
    d = result.as_dict()
    assert {k: d[k] for k in ("source", "files_loaded", "rows", "rows_loaded", "rows_quarantined", "errors")} == {
        "source": "varemodtagelser", "files_loaded": 1, "rows": 2, "rows_loaded": 1, "rows_quarantined": 1,
        "errors": [],
    }
    f = d["files"][0]
    assert (f["file_name"], f["extract_date"], f["status"], f["encoding"]) == (
        "varemodtagelser_20250301.csv", "2025-03-01", "loaded", "utf-8"
    )


def test_a_failure_inside_the_file_transaction_leaves_nothing(conn, drop, monkeypatch):
    import orchestration.loading.loader as loader

    put(drop, "varemodtagelser_20250301.csv", f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\nVM-2;IO-1;1;bad;40;AB12\n")

    def broken_log(conn, r):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_log", broken_log)
    with pytest.raises(RuntimeError, match="disk full"):
        load_source(conn, drop, "varemodtagelser")
    monkeypatch.undo()
    assert conn.execute("SELECT count(*) FROM raw.varemodtagelser").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM raw.quarantine").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM raw.load_log").fetchone() == (0,)
    # and the file loads normally afterwards
    assert load_one(conn, drop, "varemodtagelser").rows_quarantined == 1


def test_connection_without_insertion_order_still_maps_lines(conn, drop):
    conn.execute("SET preserve_insertion_order = false")
    put(drop, "varemodtagelser_20250301.csv",
        f"{VM}\n" + "".join(f"VM-{i};IO-1;1;12-02-2025;{i};AB12\n" for i in range(1, 2001)))
    load_one(conn, drop, "varemodtagelser")
    assert conn.execute(
        'SELECT count(*) FROM raw.varemodtagelser WHERE "Varemodtagelses_id" <> \'VM-\' || (_line - 1)'
    ).fetchone() == (0,)
    # the connection's setting is left as it was
    assert conn.execute("SELECT current_setting('preserve_insertion_order')").fetchone() == (False,)


def test_a_lone_carriage_return_counts_as_a_line_break(conn, drop):
    put(drop, "varemodtagelser_20250301.csv",
        f"{VM}\nVM-1;IO-1;1;12-02-2025;40;\"a\rb\"\nVM-2;IO-1;2;12-02-2025;40;AB12\n")
    load_one(conn, drop, "varemodtagelser")
    assert conn.execute(
        'SELECT "Varemodtagelses_id", "Registreret_af", _line FROM raw.varemodtagelser ORDER BY _line'
    ).fetchall() == [("VM-1", "a\nb", 2), ("VM-2", "AB12", 4)]


def test_line_numbers_in_a_file_read_in_parallel(conn, drop):
    # ~45 MB: more than one DuckDB CSV buffer (32 MB), so the reader splits the file between
    # threads; multi-line records, empty lines and bad rows throughout
    n = 600_000
    parts, expected_good, expected_bad, line = [FH + "\r\n"], [], [], 2
    for i in range(n):
        if i % 997 == 0:
            parts.append("\r\n")
            line += 1
        comment = '"first; line\r\nsecond ""line"""' if i % 101 == 0 else ("5\" rør" if i % 103 == 0 else "")
        when = "31-02-2025 06:12:00" if i % 1009 == 0 else "14-02-2025 06:12:00"
        parts.append(f"H-{i:07d};K-{i // 5:06d};{when};GODKENDT;AB12;;;{comment}\r\n")
        (expected_bad if i % 1009 == 0 else expected_good).append((f"H-{i:07d}", line))
        line += 2 if i % 101 == 0 else 1
    put(drop, "fakturahaendelser_20250301.csv", "".join(parts))
    r = load_one(conn, drop, "fakturahaendelser")
    assert (r.rows, r.rows_loaded, r.rows_quarantined) == (n, len(expected_good), len(expected_bad))
    got = conn.execute('SELECT "Hændelses_id", _line FROM raw.fakturahaendelser ORDER BY _line').fetchall()
    assert got == expected_good
    assert conn.execute("SELECT line FROM raw.quarantine ORDER BY line").fetchall() == [(ln,) for _, ln in expected_bad]


# --------------------------------------------------------------------------------------------
# udlaeg (v1.1): an optional entity source


def test_udlaeg_loads_versions_and_quarantines_bad_rows(conn, drop):
    put(drop, "udlaeg_20250301.csv",
        f"{UD}\r\n"
        "U-1;AB12;BUF;03-02-2025;10-02-2025;1234,50;REPRÆSENTATION;Møde;J;\"Anna; Bo\";CD34;GODKENDT;12-02-2025;;12-02-2025 09:00:00\r\n"
        "U-2;AB12;BUF;03-02-2025;10-02-2025;99,00;TAXI;;J;;;INDSENDT;;;10-02-2025 08:00:00\r\n"
        "U-3;AB12;XYZ;03-02-2025;10-02-2025;99,00;ANDET;;J;;;INDSENDT;;;10-02-2025 08:00:00\r\n"
        "U-4;AB12;BUF;03-02-2025;10-02-2025;99,00;ANDET;;Y;;;INDSENDT;;;10-02-2025 08:00:00\r\n")
    put(drop, "udlaeg_20250315.csv",
        f"{UD}\nU-1;AB12;BUF;03-02-2025;10-02-2025;1234,50;REPRÆSENTATION;Møde;J;\"Anna; Bo\";CD34;UDBETALT;12-02-2025;14-03-2025;14-03-2025 10:00:00\n")
    result = load_source(conn, drop, "udlaeg")
    assert [(f.file_name, f.status, f.rows, f.rows_loaded, f.rows_quarantined) for f in result.files] == [
        ("udlaeg_20250301.csv", "loaded", 4, 1, 3),
        ("udlaeg_20250315.csv", "loaded", 1, 1, 0),
    ]
    assert [(q[0], q[1], q[2].split(":")[0]) for q in quarantine(conn)] == [
        (3, "Udgiftstype", "value outside its code list"),
        (4, "Forvaltning", "value outside its code list"),
        (5, "Kvittering", "flag not J/N"),
    ]
    assert conn.execute(
        'SELECT "Udlægsnummer", "Beløb_DKK", "Deltagere", "Kvittering", "Status", "Udbetalt_dato", _line '
        "FROM raw.udlaeg ORDER BY _load_id, _line"
    ).fetchall() == [
        ("U-1", Decimal("1234.50"), "Anna; Bo", True, "GODKENDT", None, 2),
        ("U-1", Decimal("1234.50"), "Anna; Bo", True, "UDBETALT", date(2025, 3, 14), 2),
    ]
    assert_reconciles(conn)


def test_drop_folder_without_udlaeg_loads_as_before(conn, drop):
    put(drop, "brugere_20250301.csv", f"{BR}\nAB12;Anna Berg;BUF;Skole;CD34;J;02-01-2025 07:00:00\n")
    load_drop_folder(conn, drop)
    assert conn.execute("SELECT source, status FROM raw.load_log ORDER BY source").fetchall() == [("brugere", "loaded")]
    assert conn.execute("SELECT count(*) FROM raw.udlaeg").fetchone() == (0,)
    assert "udlaeg" in LOAD_ORDER
