"""The loader's batches: the new files of a source are read together and loaded in one
transaction (docs/loading.md). Loading them in one call must give exactly what loading them one
call per file gives: the same raw rows and lines, quarantine, load log and results.
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import orchestration.loading.loader as loader
from orchestration.loading import records
from orchestration.loading import files as files_module
from orchestration.loading.files import FileBytes
from orchestration.loading.loader import load_source

FH = "Hændelses_id;Bilagsnummer;Tidspunkt;Hændelse;Fra_bruger;Til_bruger;Årsagskode;Kommentar"
FH_REORDERED = "Bilagsnummer;Hændelses_id;Tidspunkt;Hændelse;Fra_bruger;Til_bruger;Årsagskode;Kommentar"
BR = "Bruger_id;Navn;Forvaltning;Enhed;Leder_id;Kvantum_adgang;Ændret"
VM = "Varemodtagelses_id;Ordrenummer;Linjenummer;Modtaget_dato;Antal;Registreret_af"

# Events over seven extracts: multi-line quoted records, empty lines, a BOM, CRLF and Windows-1252
# (both read as copies), bad rows of several kinds, duplicates and conflicts within a file and
# across files, a header in another column order (a batch of its own: files are read together
# only with the same columns), a file with only a header, one rejected before reading, an
# unterminated quote, an extra empty field.
EVENT_FILES = {
    "fakturahaendelser_20250301.csv": (
        "\ufeff" + FH + "\n"
        "H-1;K-1;14-02-2025 06:12:00;MODTAGET;;;;\n"
        'H-2;K-1;14-02-2025 06:13:00;AFVIST;AB12;;DUBLET;"first\nsecond"\n'
        "\n"
        "H-3;K-1;31-02-2025 06:12:00;MODTAGET;;;;\n"          # bad timestamp: H-3 not seen here
        "H-1;K-1;14-02-2025 06:12:00;MODTAGET;;;;\n"          # identical: a duplicate
        "H-4;K-1\n"                                            # wrong number of fields
        "H-2;K-1;14-02-2025 06:13:00;AFVIST;AB12;;ANDET;x\n"  # conflict with line 3
    ),
    "fakturahaendelser_20250302.csv": (
        FH + "\r\n"
        "H-3;K-1;15-02-2025 06:12:00;MODTAGET;;;;\r\n"        # first accepted H-3: loaded
        'H-2;K-1;14-02-2025 06:13:00;AFVIST;AB12;;DUBLET;"first\r\nsecond"\r\n'  # duplicate of 0301:3
        "H-1;K-1;14-02-2025 06:12:09;MODTAGET;;;;\r\n"        # conflict with 0301:2
        "\r\n"
        "H-5;K-2;15-02-2025 07:00:00;BOGUS;;;;\r\n"           # outside the code list
        "H-6;K-2;15-02-2025 07:00:00;RETURNERET;AB12;;;\r\n"  # reason code required
    ),
    "fakturahaendelser_20250303.csv": (
        FH_REORDERED + "\n"
        "K-2;H-7;16-02-2025 08:00:00;MODTAGET;;;;\n"
        "K-1;H-3;15-02-2025 06:12:00;MODTAGET;;;;\n"          # duplicate of 0302:2
        'K-2;H-8;16-02-2025 08:00:00;TILDELT;;AB12;;"a\n\nb"\n'
    ),
    "fakturahaendelser_20250304.csv": (
        FH + "\r\n"
        "H-9;K-3;17-02-2025 09:00:00;MODTAGET;;;;Søren Å\r\n"
        'H-7;K-2;16-02-2025 08:00:00;MODTAGET;;;;"changed\r\nover lines"\r\n'  # conflict with 0303:2
        "H-10;K-3;17-02-2025 09:00:00;TILDELT;;AB12;;;\r\n"  # an extra empty field
    ).encode("cp1252"),
    "fakturahaendelser_20250305.csv": FH + "\n",
    "fakturahaendelser_20250306.csv": "Hændelses_id;Bilagsnummer\nH-11;K-4\n",  # rejected before reading
    "fakturahaendelser_20250307.csv": (
        FH + "\n"
        "H-11;K-4;18-02-2025 10:00:00;MODTAGET;;;;\n"
        "H-9;K-3;17-02-2025 09:00:00;MODTAGET;;;;Søren Å\n"    # duplicate of 0304:2
        "\n"
        'H-12;K-4;18-02-2025 10:00:00;MODTAGET;;;;"never closed\n'
        "H-13;K-4;18-02-2025 10:00:00;MODTAGET;;;;\n"
        "\n"
    ),
}

BRUGERE_FILES = {
    "brugere_20250301.csv": (
        f"{BR}\nAB12;Anna Berg;BUF;Skole;CD34;J;02-01-2025 07:00:00\nCD34;Carl;BUF;Skole;;X;02-01-2025 07:00:00\n"
    ),
    "brugere_20250302.csv": (
        f"{BR}\r\nAB12;Anna Berg;BUF;Skole Øst;CD34;J;10-03-2025 09:00:00\r\n\r\n"
        'AB12;"Anna\r\nBerg";BUF;Skole Øst;CD34;J;10-03-2025 09:00:00\r\n'
    ),
    "brugere_20250303.csv": (
        f"{BR}\nEF56;Eva;KS;Løn;AB12;N;03-03-2025 08:00:00\nEF56;Eva;XYZ;Løn;AB12;N;03-03-2025 08:00:00\n"
    ),
}


@pytest.fixture
def conn(tmp_path: Path):
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield c
    c.close()


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return folder


def snapshot(conn, source: str) -> dict:
    """Everything a load leaves behind, in a fixed order (load_log without its timestamp and the files' signatures)."""
    return {
        "raw": conn.execute(f"SELECT * FROM raw.{source} ORDER BY _load_id, _line").fetchall(),
        "quarantine": conn.execute("SELECT * FROM raw.quarantine ORDER BY load_id, line").fetchall(),
        "load_log": conn.execute("SELECT * EXCLUDE (loaded_at, file_stat) FROM raw.load_log ORDER BY load_id").fetchall(),
    }


def results(result) -> list[tuple]:
    return [
        (f.file_name, f.status, f.load_id, f.rows, f.rows_loaded, f.rows_duplicate, f.rows_quarantined,
         f.encoding, f.warnings, f.error)
        for f in result.files
    ]


def one_call_per_file(tmp_path: Path, source: str, files: dict[str, str | bytes]) -> tuple[dict, list]:
    """Load each file alone (its own drop folder, in extract-date order) into a fresh warehouse."""
    c = duckdb.connect(str(tmp_path / "per_file.duckdb"))
    try:
        got = []
        for i, name in enumerate(sorted(files)):
            got += results(load_source(c, write(tmp_path / f"alone_{i}", {name: files[name]}), source))
        return snapshot(c, source), got
    finally:
        c.close()


def test_events_in_one_call_load_as_one_call_per_file(conn, tmp_path):
    drop = write(tmp_path / "drop", EVENT_FILES)
    batch = results(load_source(conn, drop, "fakturahaendelser"))
    expected, expected_results = one_call_per_file(tmp_path, "fakturahaendelser", EVENT_FILES)
    assert batch == expected_results
    assert snapshot(conn, "fakturahaendelser") == expected

    # and by hand: what each file gave, and the lines, reasons and references across files
    assert [r[:7] for r in batch] == [
        ("fakturahaendelser_20250301.csv", "loaded", 1, 6, 3, 1, 3),
        ("fakturahaendelser_20250302.csv", "loaded", 2, 5, 2, 1, 3),
        ("fakturahaendelser_20250303.csv", "loaded", 3, 3, 3, 1, 0),
        ("fakturahaendelser_20250304.csv", "loaded", 4, 3, 1, 0, 2),
        ("fakturahaendelser_20250305.csv", "loaded", 5, 0, 0, 0, 0),
        ("fakturahaendelser_20250306.csv", "rejected", 6, 0, 0, 0, 0),
        ("fakturahaendelser_20250307.csv", "loaded", 7, 3, 2, 1, 1),
    ]
    assert conn.execute(
        'SELECT "Hændelses_id", _file_name[-8:-5], _line FROM raw.fakturahaendelser ORDER BY _load_id, _line'
    ).fetchall() == [
        ("H-1", "0301", 2), ("H-2", "0301", 3),
        ("H-3", "0302", 2),
        ("H-7", "0303", 2), ("H-8", "0303", 4),
        ("H-9", "0304", 2),
        ("H-11", "0307", 2),
    ]
    assert conn.execute(
        "SELECT file_name[-8:-5], line, column_name, reason FROM raw.quarantine ORDER BY load_id, line"
    ).fetchall() == [
        ("0301", 6, "Tidspunkt",
         "unparseable timestamp: Tidspunkt is '31-02-2025 06:12:00', expected DD-MM-YYYY HH:MM:SS"),
        ("0301", 8, None, "wrong number of fields: 2 instead of 8"),
        ("0301", 9, None, "conflicting duplicate event: Hændelses_id 'H-2' was first delivered in "
                          "fakturahaendelser_20250301.csv, line 3, with different Årsagskode, Kommentar; "
                          "the first one stays"),
        ("0302", 5, None, "conflicting duplicate event: Hændelses_id 'H-1' was first delivered in "
                          "fakturahaendelser_20250301.csv, line 2, with different Tidspunkt; the first one stays"),
        ("0302", 7, "Hændelse", "value outside its code list: Hændelse is 'BOGUS', expected one of MODTAGET, "
                                "TILDELT, VIDERESENDT, ESKALERET, GODKENDT, RETURNERET, AFVIST, SPÆRRET, "
                                "SPÆRRE_OPHÆVET, KORRIGERET, BOGFØRT, BETALT, ANNULLERET"),
        ("0302", 8, "Årsagskode", "missing required value: Årsagskode is empty, but event type RETURNERET "
                                  "requires a reason code"),
        ("0304", 3, None, "conflicting duplicate event: Hændelses_id 'H-7' was first delivered in "
                          "fakturahaendelser_20250303.csv, line 2, with different Kommentar; the first one stays"),
        ("0304", 5, None, "wrong number of fields: 9 instead of 8"),
        ("0307", 5, "Kommentar", "unterminated quote: the quoted field in Kommentar is never closed, so the "
                                 "rest of the file was read as this one record"),
    ]
    assert conn.execute(
        "SELECT raw_text FROM raw.quarantine WHERE file_name LIKE '%0307.csv'"
    ).fetchone() == (
        'H-12;K-4;18-02-2025 10:00:00;MODTAGET;;;;"never closed\nH-13;K-4;18-02-2025 10:00:00;MODTAGET;;;;\n',
    )
    assert conn.execute(
        """SELECT "Kommentar" FROM raw.fakturahaendelser WHERE "Hændelses_id" IN ('H-2', 'H-8', 'H-9') ORDER BY 1"""
    ).fetchall() == [("Søren Å",), ("a\n\nb",), ("first\nsecond",)]


def test_entity_versions_in_one_call_load_as_one_call_per_file(conn, tmp_path):
    drop = write(tmp_path / "drop", BRUGERE_FILES)
    batch = results(load_source(conn, drop, "brugere"))
    expected, expected_results = one_call_per_file(tmp_path, "brugere", BRUGERE_FILES)
    assert batch == expected_results
    assert snapshot(conn, "brugere") == expected
    assert conn.execute(
        'SELECT "Bruger_id", "Navn", "Kvantum_adgang", _file_name[-8:-5], _line FROM raw.brugere '
        "ORDER BY _load_id, _line"
    ).fetchall() == [
        ("AB12", "Anna Berg", True, "0301", 2),
        ("AB12", "Anna Berg", True, "0302", 2), ("AB12", "Anna\nBerg", True, "0302", 4),
        ("EF56", "Eva", False, "0303", 2),
    ]
    assert conn.execute("SELECT file_name[-8:-5], line, column_name FROM raw.quarantine ORDER BY 1, 2").fetchall() == [
        ("0301", 3, "Kvantum_adgang"), ("0303", 3, "Forvaltning"),
    ]


def test_duplicate_and_conflict_across_files_of_one_batch(conn, tmp_path):
    drop = write(tmp_path / "drop", {
        "varemodtagelser_20250301.csv": (
            f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\nVM-2;IO-1;2;12-02-2025;5;AB12\nVM-3;IO-1;3;xx;1;AB12\n"
        ),
        "varemodtagelser_20250302.csv": (
            f"{VM}\n"
            "VM-2;IO-1;2;12-02-2025;5;AB12\n"    # identical to 0301 line 3: a duplicate
            "VM-1;IO-1;1;12-02-2025;41;AB12\n"   # different from 0301 line 2: a conflict
            "VM-3;IO-1;3;13-02-2025;1;AB12\n"    # 0301's VM-3 was quarantined: this one is the first
            "VM-3;IO-1;3;13-02-2025;2;AB12\n"    # and this one conflicts with it
        ),
    })
    result = load_source(conn, drop, "varemodtagelser")
    assert [(f.load_id, f.rows, f.rows_loaded, f.rows_duplicate, f.rows_quarantined) for f in result.files] == [
        (1, 3, 2, 0, 1), (2, 4, 2, 1, 2),
    ]
    assert conn.execute(
        'SELECT "Varemodtagelses_id", "Antal", _file_name, _line, _load_id FROM raw.varemodtagelser ORDER BY 1'
    ).fetchall() == [
        ("VM-1", Decimal("40"), "varemodtagelser_20250301.csv", 2, 1),
        ("VM-2", Decimal("5"), "varemodtagelser_20250301.csv", 3, 1),
        ("VM-3", Decimal("1"), "varemodtagelser_20250302.csv", 4, 2),
    ]
    assert conn.execute(
        "SELECT load_id, file_name, line, reason FROM raw.quarantine ORDER BY load_id, line"
    ).fetchall() == [
        (1, "varemodtagelser_20250301.csv", 4,
         "unparseable date: Modtaget_dato is 'xx', expected DD-MM-YYYY"),
        (2, "varemodtagelser_20250302.csv", 3,
         "conflicting duplicate event: Varemodtagelses_id 'VM-1' was first delivered in "
         "varemodtagelser_20250301.csv, line 2, with different Antal; the first one stays"),
        (2, "varemodtagelser_20250302.csv", 5,
         "conflicting duplicate event: Varemodtagelses_id 'VM-3' was first delivered in "
         "varemodtagelser_20250302.csv, line 4, with different Antal; the first one stays"),
    ]


def test_a_file_that_cannot_be_read_as_csv_is_rejected_alone(conn, tmp_path, monkeypatch):
    # DuckDB's reader stores bad records as rejects and does not fail on any content we found;
    # what makes it fail is a file it cannot read at all. Here the file disappears between its
    # inspection and the batch's read: the batch read fails, the batch is loaded file by file,
    # and that file alone is rejected with the message it gets when loaded alone.
    drop = write(tmp_path / "drop", {
        "varemodtagelser_20250301.csv": f"{VM}\nVM-1;IO-1;1;12-02-2025;40;AB12\n",
        "varemodtagelser_20250302.csv": f"{VM}\nVM-2;IO-1;1;12-02-2025;40;AB12\n",
        "varemodtagelser_20250303.csv": f"{VM}\nVM-3;IO-1;1;12-02-2025;40;AB12\nVM-3;IO-1;1;12-02-2025;40;AB12\n",
    })
    prepare = loader._prepare
    reads: list[list[str]] = []
    read_batch = loader._read_batch

    def prepare_then_lose_the_second(f, prior, copies, ahead):
        e = prepare(f, prior, copies, ahead)
        if f.name == "varemodtagelser_20250302.csv":
            f.path.unlink()
        return e

    def recording_read_batch(conn, batch, offsets):
        reads.append([e.f.name[-8:-4] for e in batch])
        return read_batch(conn, batch, offsets)

    monkeypatch.setattr(loader, "_prepare", prepare_then_lose_the_second)
    monkeypatch.setattr(loader, "_read_batch", recording_read_batch)
    result = load_source(conn, drop, "varemodtagelser")
    assert reads == [["0301", "0302", "0303"], ["0301"], ["0302"], ["0303"]]
    assert [(f.file_name, f.status, f.load_id, f.rows_loaded, f.rows_duplicate) for f in result.files] == [
        ("varemodtagelser_20250301.csv", "loaded", 1, 1, 0),
        ("varemodtagelser_20250302.csv", "rejected", 2, 0, 0),
        ("varemodtagelser_20250303.csv", "loaded", 3, 2, 1),
    ]
    error = result.files[1].error
    assert error.startswith("varemodtagelser_20250302.csv could not be read as CSV (IO Error: ")
    assert error.endswith("); nothing from it was loaded. Ask for a corrected export (see docs/loading.md)")
    assert conn.execute(
        'SELECT "Varemodtagelses_id", _line, _load_id FROM raw.varemodtagelser ORDER BY 1'
    ).fetchall() == [("VM-1", 2, 1), ("VM-3", 2, 3)]
    assert conn.execute("SELECT load_id, status, error FROM raw.load_log ORDER BY load_id").fetchall() == [
        (1, "loaded", None), (2, "rejected", error), (3, "loaded", None),
    ]


def test_line_numbers_over_several_files_read_together(conn, tmp_path):
    # Lines are counted per file: each file starts at line 1 (its header), whatever the files
    # before it in the batch hold (records over several lines, empty lines, a last line without
    # a line break).
    drop = write(tmp_path / "drop", {
        "varemodtagelser_20250301.csv": (
            f"{VM}\nVM-1;IO-1;1;12-02-2025;1;\"a\nb\nc\"\n\n"
            "VM-2;IO-1;1;12-02-2025;1;AB12\nVM-3;IO-1;1;12-02-2025;1;AB12"
        ),
        "varemodtagelser_20250302.csv": f"{VM}\n\n\nVM-4;IO-1;1;12-02-2025;1;\"x\n\"\nVM-5;IO-1;1;bad;1;AB12\n",
        "varemodtagelser_20250303.csv": f"{VM}\nVM-6;IO-1;1;12-02-2025;1;AB12\n",
    })
    result = load_source(conn, drop, "varemodtagelser")
    assert [(f.rows, f.rows_loaded) for f in result.files] == [(3, 3), (2, 1), (1, 1)]
    assert conn.execute(
        'SELECT "Varemodtagelses_id", _file_name[-8:-5], _line FROM raw.varemodtagelser ORDER BY 1'
    ).fetchall() == [
        ("VM-1", "0301", 2), ("VM-2", "0301", 6), ("VM-3", "0301", 7),
        ("VM-4", "0302", 4), ("VM-6", "0303", 2),
    ]
    assert conn.execute("SELECT file_name[-8:-5], line, raw_text FROM raw.quarantine").fetchall() == [
        ("0302", 6, "VM-5;IO-1;1;bad;1;AB12")
    ]


def test_line_numbers_in_large_files_read_together(conn, tmp_path):
    # Several files of several MB each, read in parallel by DuckDB: rows must still pair with
    # their lines file by file (multi-line records, empty lines and bad rows throughout).
    files, expected_good, expected_bad = {}, [], []
    for k in range(3):
        name = f"fakturahaendelser_2025030{k + 1}.csv"
        parts, line = [FH + "\n"], 2
        for i in range(k * 100_000, (k + 1) * 100_000):
            if i % 997 == 0:
                parts.append("\n")
                line += 1
            comment = '"first; line\nsecond ""line"""' if i % 101 == 0 else ("5\" rør" if i % 103 == 0 else "")
            when = "31-02-2025 06:12:00" if i % 1009 == 0 else "14-02-2025 06:12:00"
            event = "BOGUS" if i % 1013 == 0 else "GODKENDT"
            parts.append(f"H-{i:07d};K-{i // 5:06d};{when};{event};AB12;;;{comment}\n")
            bad = i % 1009 == 0 or i % 1013 == 0
            (expected_bad if bad else expected_good).append((f"H-{i:07d}", name, line))
            line += 2 if i % 101 == 0 else 1
        files[name] = "".join(parts)
    drop = write(tmp_path / "drop", files)
    result = load_source(conn, drop, "fakturahaendelser")
    assert [f.rows for f in result.files] == [100_000] * 3
    assert sum(f.rows_quarantined for f in result.files) == len(expected_bad)
    got = conn.execute(
        'SELECT "Hændelses_id", _file_name, _line FROM raw.fakturahaendelser ORDER BY "Hændelses_id"'
    ).fetchall()
    assert got == expected_good
    assert conn.execute(
        """SELECT q.file_name, q.line, split_part(q.raw_text, ';', 1) FROM raw.quarantine q ORDER BY 3"""
    ).fetchall() == [(name, line, hid) for hid, name, line in expected_bad]


def assert_loads_the_same_elsewhere(db: Path, drop: Path, conn, result: list[tuple]) -> None:
    """The events of `drop` loaded into a fresh warehouse `db` give `result` and leave behind what
    they left in `conn`."""
    c = duckdb.connect(str(db))
    try:
        assert results(load_source(c, drop, "fakturahaendelser")) == result
        assert snapshot(c, "fakturahaendelser") == snapshot(conn, "fakturahaendelser")
    finally:
        c.close()


def _clean_event_files(
    rows_per_file: int, multi_line: bool = False, bogus: bool = True
) -> tuple[dict[str, str], list[tuple]]:
    """Three files with no empty line and no extra or missing field, with `bogus` a few rows failing
    a SQL check (an event outside the code list); with `multi_line`, every 101st record runs over two
    or three lines (a comment with line breaks). The expected (id, file, line) of the rows loaded."""
    files, expected = {}, []
    for k in range(3):
        name = f"fakturahaendelser_2025030{k + 1}.csv"
        parts, line = [FH + "\n"], 2
        for i in range(k * rows_per_file, (k + 1) * rows_per_file):
            event = "BOGUS" if bogus and i % 1013 == 0 else "GODKENDT"
            comment = ""
            if multi_line and i % 101 == 0:
                comment = '"one; line\ntwo ""lines"""' if i % 202 else '"one\n\nthree; lines"'
            parts.append(f"H-{i:07d};K-{i // 5:06d};14-02-2025 06:12:00;{event};AB12;;;{comment}\n")
            if event != "BOGUS":
                expected.append((f"H-{i:07d}", name, line))
            line += 1 + comment.count("\n")
        files[name] = "".join(parts)
    return files, expected


@pytest.mark.parametrize("multi_line", [False, True], ids=["one line each", "some over several lines"])
def test_a_batch_of_records_as_rows_is_placed_without_pairing(conn, tmp_path, monkeypatch, multi_line):
    # The usual batch (_records_are_rows, nothing rejected by DuckDB) takes its records from the
    # rowids and their lines from the records over several lines before them
    # (loader._pair_by_position); the result must be what pairing rows with records gives.
    files, expected = _clean_event_files(40_000, multi_line)
    drop = write(tmp_path / "drop", files)
    short_way = []
    pair = loader._pair_by_position
    monkeypatch.setattr(loader, "_pair_by_position", lambda c, reads, *a: short_way.append(len(reads)) or pair(c, reads, *a))
    result = results(load_source(conn, drop, "fakturahaendelser"))
    assert short_way == [3]
    assert conn.execute(
        'SELECT "Hændelses_id", _file_name, _line FROM raw.fakturahaendelser ORDER BY "Hændelses_id"'
    ).fetchall() == expected
    # i = 0 and i = 118 * 1013 = 119,534, the third file's 39,535th row: on line 39,536, or with
    # the records over several lines before it in its file (the 391 multiples of 101 from 80,093
    # to 119,483: 196 over two lines, 195 over three), 586 lines further down
    last = 39_536 + (586 if multi_line else 0)
    assert conn.execute("SELECT count(*), min(line), max(line) FROM raw.quarantine").fetchone() == (119, 2, last)

    monkeypatch.setattr(loader, "_records_are_rows", lambda *a: False)
    monkeypatch.setattr(FileBytes, "one_record_per_line", lambda *a: False)
    assert_loads_the_same_elsewhere(tmp_path / "paired.duckdb", drop, conn, result)
    assert short_way == [3]


@pytest.mark.parametrize("crlf", [False, True], ids=["LF", "CRLF"])
@pytest.mark.parametrize("bogus", [False, True], ids=["nothing to quarantine", "rows to quarantine"])
def test_files_of_one_record_per_line_skip_the_line_scan(conn, tmp_path, monkeypatch, bogus, crlf):
    # The bytes show one record per line (files.FileBytes.one_record_per_line) and DuckDB rejects
    # nothing: no line scan, unless a record's text is needed for the quarantine. Either way the
    # result is what the line scan gives. (DuckDB reads the CRLF files as they are.)
    files, expected = _clean_event_files(1_000, bogus=bogus)
    if crlf:
        files = {name: text.replace("\n", "\r\n") for name, text in files.items()}
    drop = write(tmp_path / "drop", files)
    scans = []
    scan = records.map_records
    monkeypatch.setattr(records, "map_records", lambda c, paths: scans.append(len(paths)) or scan(c, paths))
    result = results(load_source(conn, drop, "fakturahaendelser"))
    assert scans == ([3] if bogus else [])
    assert conn.execute(
        'SELECT "Hændelses_id", _file_name, _line FROM raw.fakturahaendelser ORDER BY "Hændelses_id"'
    ).fetchall() == expected
    # i = 0, 1,013 and 2,026: the first file's line 2, the second's line 15 (its 14th row, i = 1,013),
    # the third's line 28 (i = 2,026)
    assert conn.execute("SELECT file_name[-5:-5], line, raw_text FROM raw.quarantine ORDER BY 1").fetchall() == (
        [("1", 2, "H-0000000;K-000000;14-02-2025 06:12:00;BOGUS;AB12;;;"),
         ("2", 15, "H-0001013;K-000202;14-02-2025 06:12:00;BOGUS;AB12;;;"),
         ("3", 28, "H-0002026;K-000405;14-02-2025 06:12:00;BOGUS;AB12;;;")] if bogus else []
    )
    monkeypatch.setattr(FileBytes, "one_record_per_line", lambda *a: False)
    assert_loads_the_same_elsewhere(tmp_path / "scanned.duckdb", drop, conn, result)
    assert scans == ([3, 3] if bogus else [3])


@pytest.mark.parametrize("odd_line", ["", "H-X;K-1;14-02-2025 06:12:00;GODKENDT;AB12;;;;"],
                         ids=["an empty line", "an extra empty field"])
def test_a_batch_with_a_line_that_is_not_one_record_is_paired(conn, tmp_path, monkeypatch, odd_line):
    files, expected = _clean_event_files(100)
    files["fakturahaendelser_20250302.csv"] += odd_line + "\n"
    short_way = []
    monkeypatch.setattr(loader, "_pair_by_position", lambda *a: short_way.append(1))
    load_source(conn, write(tmp_path / "drop", files), "fakturahaendelser")
    assert short_way == []
    assert conn.execute(
        'SELECT "Hændelses_id", _file_name, _line FROM raw.fakturahaendelser ORDER BY "Hændelses_id"'
    ).fetchall() == expected


def test_batches_split_by_size_load_as_one(conn, tmp_path, monkeypatch):
    # Batches are bounded (BATCH_MAX_FILES, BATCH_MAX_BYTES); split anywhere, the result is the same.
    drop = write(tmp_path / "drop", EVENT_FILES)
    expected, expected_results = one_call_per_file(tmp_path, "fakturahaendelser", EVENT_FILES)
    monkeypatch.setattr(loader, "BATCH_MAX_FILES", 2)
    assert results(load_source(conn, drop, "fakturahaendelser")) == expected_results
    assert snapshot(conn, "fakturahaendelser") == expected


def test_a_batch_is_loaded_when_the_next_files_inspection_is_not_done(conn, tmp_path, monkeypatch):
    # A batch of BATCH_READY_BYTES is loaded rather than wait for the next file's inspection (it runs
    # ahead in a thread): here each file's inspection waits until the file before it is loaded (for
    # at most a second), so every file read is a batch of its own, and the result is the same.
    # (0306 is rejected before reading: its batch holds nothing to read, so 0307 joins it.)
    drop = write(tmp_path / "drop", EVENT_FILES)
    expected, expected_results = one_call_per_file(tmp_path, "fakturahaendelser", EVENT_FILES)
    order = sorted(EVENT_FILES)
    loaded: list[str] = []
    inspect, load_batch = loader.inspect_bytes, loader._load_batch

    def inspect_after_the_files_before(path):
        deadline = time.monotonic() + 1
        while len(loaded) < order.index(path.name) and time.monotonic() < deadline:
            time.sleep(0.01)
        return inspect(path)

    def recording_load_batch(c, batch):
        load_batch(c, batch)
        loaded.extend(e.f.name for e in batch)
        batches.append([e.f.name[-8:-4] for e in batch])

    batches: list[list[str]] = []

    monkeypatch.setattr(loader, "BATCH_READY_BYTES", 1)
    monkeypatch.setattr(loader, "inspect_bytes", inspect_after_the_files_before)
    monkeypatch.setattr(loader, "_load_batch", recording_load_batch)
    assert results(load_source(conn, drop, "fakturahaendelser")) == expected_results
    assert snapshot(conn, "fakturahaendelser") == expected
    assert batches == [["0301"], ["0302"], ["0303"], ["0304"], ["0305"], ["0306", "0307"]]


def test_load_ids_follow_load_order_with_unchanged_and_rejected_files(conn, tmp_path):
    drop = write(tmp_path / "drop", {"brugere_20250302.csv": BRUGERE_FILES["brugere_20250302.csv"]})
    load_source(conn, drop, "brugere")
    write(drop, BRUGERE_FILES)
    (drop / "brugere_20250304.csv").write_text("Bruger_id\nAB12\n")
    shutil.copy(drop / "brugere_20250303.csv", drop / "brugere_20250305.csv")
    result = load_source(conn, drop, "brugere")
    assert [(f.file_name[-8:-4], f.status, f.load_id) for f in result.files] == [
        ("0301", "loaded", 2), ("0302", "unchanged", 3), ("0303", "loaded", 4), ("0304", "rejected", 5),
        ("0305", "loaded", 6),
    ]
    assert conn.execute("SELECT load_id, file_name[-8:-5], status FROM raw.load_log ORDER BY 1").fetchall() == [
        (1, "0302", "loaded"), (2, "0301", "loaded"), (3, "0302", "unchanged"), (4, "0303", "loaded"),
        (5, "0304", "rejected"), (6, "0305", "loaded"),
    ]
    assert conn.execute("SELECT DISTINCT _load_id, _extract_date FROM raw.brugere ORDER BY 1").fetchall() == [
        (1, date(2025, 3, 2)), (2, date(2025, 3, 1)), (4, date(2025, 3, 3)), (6, date(2025, 3, 5)),
    ]


def test_a_failure_in_a_batch_leaves_nothing_of_it(conn, tmp_path, monkeypatch):
    drop = write(tmp_path / "drop", BRUGERE_FILES)

    def broken_log(conn, *results):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_log", broken_log)
    with pytest.raises(RuntimeError, match="disk full"):
        load_source(conn, drop, "brugere")
    monkeypatch.undo()
    assert snapshot(conn, "brugere") == {"raw": [], "quarantine": [], "load_log": []}
    assert [f.status for f in load_source(conn, drop, "brugere").files] == ["loaded"] * 3


def big_events_file(rows: int) -> str:
    """A valid events file of `rows` MODTAGET events (about 50 bytes each)."""
    return FH + "\n" + "".join(f"H-{i};K-{i};14-02-2025 06:12:00;MODTAGET;;;;\n" for i in range(rows))


def test_a_file_larger_than_duckdbs_line_limit_loads_under_a_memory_limit(conn, tmp_path):
    """An 8 MB file (beyond DuckDB's 2 MB line limit, so the line scan raises it to the file's size)
    loads with 100 MB of memory: DuckDB's read buffer is no longer 16 times the line limit (128 MB,
    which failed before a byte was read: 10M-invoice benchmark, monthly extracts of 96 MB)."""
    drop = write(tmp_path / "drop", {"fakturahaendelser_20250301.csv": big_events_file(180_000)})
    assert (drop / "fakturahaendelser_20250301.csv").stat().st_size > 4 * 2_097_152
    conn.execute("SET memory_limit = '100MB'")
    [f] = load_source(conn, drop, "fakturahaendelser").files
    assert (f.status, f.rows, f.rows_loaded, f.rows_quarantined) == ("loaded", 180_000, 180_000, 0)


def test_a_file_without_the_memory_to_read_it_is_not_rejected_and_loads_next_time(conn, tmp_path):
    """Too little memory is not the file's fault: the load stops with what to change, nothing of
    the file is loaded or logged as rejected, and the next run (with memory) loads it."""
    drop = write(tmp_path / "drop", {"fakturahaendelser_20250301.csv": big_events_file(1_000)})
    conn.execute("SET memory_limit = '16MB'")  # below DuckDB's 32 MB read buffer
    with pytest.raises(loader.LoadOutOfMemory) as raised:
        load_source(conn, drop, "fakturahaendelser")
    assert str(raised.value).startswith("DuckDB ran out of memory reading fakturahaendelser_20250301.csv (memory limit ")
    assert str(raised.value).endswith(
        "Nothing of it was loaded and it is not rejected: the next run reads it again. Give the load more memory "
        "(RETTIDIG_MEMORY_LIMIT, docs/parameters.md) or fewer DuckDB threads (RETTIDIG_THREADS), and run again.")
    assert snapshot(conn, "fakturahaendelser") == {"raw": [], "quarantine": [], "load_log": []}
    conn.execute("SET memory_limit = '1GB'")
    [f] = load_source(conn, drop, "fakturahaendelser").files
    assert (f.status, f.rows_loaded) == ("loaded", 1_000)


@pytest.mark.parametrize(
    ("chunks", "lines", "separators", "one_record_per_line", "needs_copy"),
    [
        ([b"a;b;c\n1;2;3\n"], 2, 4, True, False),
        ([b"a;b;c\n1;2;3"], 2, 4, True, False),  # the last line without LF
        ([b"a;b;c\n1;2", b";3\n4;5;6\n"], 3, 6, True, False),  # a line across two chunks
        ([b"a;b;c\n1;2;3\n", b"\n4;5;6\n"], 4, 6, False, False),  # an empty line across two chunks
        ([b"a;b;c\n1;2;3\n\n"], 3, 4, False, False),  # an empty last line
        ([b"\na;b;c\n"], 2, 2, False, False),  # an empty first line
        # an empty field too many and one field too few: 6 = 3 x 2, so the bytes alone cannot tell;
        # DuckDB rejects the short line, and then the line scan decides (the test below)
        ([b"a;b;c\n1;2;3;\n4;5\n"], 3, 6, True, False),
        # two empty fields too many and an empty line, which DuckDB skips: the same
        ([b"a;b;c\n1;2;3;;\n\n"], 3, 6, True, False),
        ([b"a;b;c\n1;2;3;\n"], 2, 5, False, False),  # an empty field too many
        ([b'a;b;c\n1;"2";3\n'], 2, 0, False, False),  # a quote (nothing more is counted from its chunk on)
        # CRLF: DuckDB reads the file itself, as it would read its LF copy (the same lines) ...
        ([b"a;b;c\r\n1;2;3\r\n"], 2, 4, True, False),
        ([b"a;b;c\r", b"\n1;2;3\r\n"], 2, 4, True, False),  # a CRLF across two chunks
        ([b"a;b;c\r\n1;2;3\r\n\r\n4;5;6\r\n"], 4, 6, False, False),  # an empty line with CRLF
        ([b"a;b;c\r\n1;2;3\r\n", b"\r", b"\n4;5;6\r\n"], 4, 6, False, False),  # ... across three chunks
        ([b"\r\na;b;c\r\n"], 2, 2, False, False),  # an empty first line with CRLF
        # ... but a copy is made for a lone CR (a line more in the copy), or LF and CRLF mixed
        ([b"a;b;c\r\n1;2;3\r\n", b'4;"5";6\r\n'], 3, 4, False, False),  # a quote: not one record per line
        ([b'a;b;c\r\n1;"2\r\n2";3\r\n'], 3, 0, False, False),  # a CRLF in a quoted field (made an LF)
        ([b"a;b;c\r\n1;2;3\r4;5;6\r\n"], 2, 6, False, True),
        ([b"a;b;c\r\n1;2;3\n4;5;6\r\n"], 3, 6, True, True),
        ([b"a;b;c\n1;\xf8;3\n"], 2, 4, True, True),  # Windows-1252: the copy has the same lines and separators
    ],
)
def test_the_bytes_tell_one_record_per_line(chunks, lines, separators, one_record_per_line, needs_copy):
    info = files_module._inspect(chunks)
    assert (info.lines, info.separators) == (lines, separators)
    assert info.one_record_per_line(3) is one_record_per_line
    assert info.needs_copy is needs_copy


@pytest.mark.parametrize(
    ("other_line", "reason"),
    [("VM-2;IO-1;1;12-02-2025;1", "wrong number of fields: 5 instead of 6"), ("", None)],
    ids=["one too few", "an empty line"],
)
def test_a_field_too_many_and_one_too_few_are_both_quarantined(conn, tmp_path, other_line, reason):
    # Their separators add up as if every line had six fields (5 x 4 = 5 + 6 + 4 + 5, or with an
    # empty line and five fields too many, 5 + 10 + 0 + 5, as in the test above): DuckDB rejects
    # the short line, or reads a row less than there are lines, so the line scan is made and finds
    # the long one too.
    long_line = "VM-1;IO-1;1;12-02-2025;1;AB12" + (";" if other_line else ";;;;;")
    drop = write(tmp_path / "drop", {
        "varemodtagelser_20250301.csv": f"{VM}\n{long_line}\n{other_line}\nVM-3;IO-1;1;12-02-2025;1;AB12\n",
    })
    result = load_source(conn, drop, "varemodtagelser")
    assert [(f.rows, f.rows_loaded, f.rows_quarantined) for f in result.files] == (
        [(3, 1, 2)] if other_line else [(2, 1, 1)]
    )
    assert conn.execute("SELECT line, reason FROM raw.quarantine ORDER BY line").fetchall() == [
        (2, f"wrong number of fields: {7 if other_line else 11} instead of 6"),
    ] + ([(3, reason)] if other_line else [])
    assert conn.execute('SELECT "Varemodtagelses_id", _line FROM raw.varemodtagelser').fetchall() == [("VM-3", 4)]
