"""`rettidig materialize` on a messy drop folder, end to end through the Dagster job: bad rows, a
Windows-1252 file, an unknown column, an identical re-delivery and a changed re-delivery. The right
file is rejected, the bad rows are quarantined with reasons, every file reconciles, nothing else is
lost, and the exit code says what happened."""

from __future__ import annotations

import shutil

import duckdb

from tests.conftest import EXAMPLES


def _rows(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_materialize_a_messy_drop_folder(pipeline_paths, capsys):
    from orchestration.cli import main

    drop, warehouse = pipeline_paths.exports_dir, pipeline_paths.warehouse
    for example in EXAMPLES.glob("*.csv"):
        shutil.copy(example, drop / example.name)
    # a later users extract re-saved in Excel: Windows-1252, with an unknown extra column
    (drop / "brugere_20250315.csv").write_bytes(
        "Bruger_id;Navn;Forvaltning;Enhed;Leder_id;Kvantum_adgang;Ændret;Bemærkning\r\n"
        "GH78;Gitte Holm;TMF;Vej og Park;IJ90;J;14-03-2025 08:00:00;genåbnet\r\n".encode("cp1252")
    )
    # a later events extract with two bad rows among good ones
    (drop / "fakturahaendelser_20250315.csv").write_text(
        "\ufeffHændelses_id;Bilagsnummer;Tidspunkt;Hændelse;Fra_bruger;Til_bruger;Årsagskode;Kommentar\r\n"
        "H-5500203;K2025-0107730;10-03-2025 09:00:00;GODKENDT;GH78;;;\r\n"
        "H-5500204;K2025-0107730;31-02-2025 09:00:00;BOGFØRT;;;;\r\n"          # no 31 February
        "H-5500205;K2025-0107730;11-03-2025 09:00:00;GODKENDET;;;;\r\n"        # not an event type
        "H-5500206;K2025-0107730;12-03-2025 09:00:00;BOGFØRT;;;;\r\n",
        encoding="utf-8", newline="",
    )
    (drop / "noter.txt").write_text("not an export")

    assert main(["materialize"]) == 0
    first = capsys.readouterr()
    assert "Quarantined rows by reason" in first.out

    log = _rows(warehouse, "select file_name, status, encoding, rows, rows_loaded, rows_quarantined, warnings "
                           "from raw.load_log where source is not null order by file_name")
    by_name = {row[0]: row[1:] for row in log}
    assert by_name["brugere_20250315.csv"][:5] == ("loaded", "windows-1252", 1, 1, 0)
    warnings = " ".join(by_name["brugere_20250315.csv"][5])
    assert "Windows-1252" in warnings and "Bemærkning" in warnings
    assert by_name["fakturahaendelser_20250315.csv"][:5] == ("loaded", "utf-8-sig", 4, 2, 2)
    assert all(rows == loaded + quarantined for _, _, _, rows, loaded, quarantined, _ in log)
    [(line_a, column_a, reason_a), (line_b, column_b, reason_b)] = _rows(
        warehouse, "select line, column_name, reason from raw.quarantine order by line")
    assert (line_a, column_a, line_b, column_b) == (3, "Tidspunkt", 4, "Hændelse")
    assert "31-02-2025" in reason_a and "GODKENDET" in reason_b
    # the Windows-1252 text arrived intact, and the unknown file is recorded as ignored
    assert _rows(warehouse, "select Navn from raw.brugere where _file_name = 'brugere_20250315.csv'") == [("Gitte Holm",)]
    assert _rows(warehouse, "select status from raw.load_log where file_name = 'noter.txt'") == [("ignored",)]

    # Second delivery: the same events file again (identical bytes), and the first invoices file
    # re-delivered with a changed amount.
    invoices = drop / "fakturaer_20250301.csv"
    invoices.write_bytes(invoices.read_bytes().replace(b"2223,75;DKK;2223,75", b"2223,76;DKK;2223,76"))
    before = _rows(warehouse, "select count(*) from raw.fakturaer")
    assert main(["materialize"]) == 1
    second = capsys.readouterr()
    assert "REJECTED fakturaer_20250301.csv" in second.out
    assert "no_rejected_files" in second.err and "fakturaer_20250301.csv" in second.err
    latest = dict(_rows(warehouse, """
        select file_name, status from raw.load_log where source is not null
        qualify row_number() over (partition by file_name order by load_id desc) = 1"""))
    assert latest["fakturaer_20250301.csv"] == "rejected"
    assert latest["fakturahaendelser_20250315.csv"] == "unchanged"
    # nothing of the changed file was loaded, nothing else lost
    assert _rows(warehouse, "select count(*) from raw.fakturaer") == before
    assert _rows(warehouse, "select count(*) from raw.fakturahaendelser") == [(11 + 2,)]


def test_too_little_memory_stops_the_load_with_what_to_change_and_rejects_nothing(pipeline_paths, capsys, monkeypatch):
    from orchestration.cli import main

    drop, warehouse = pipeline_paths.exports_dir, pipeline_paths.warehouse
    shutil.copy(EXAMPLES / "brugere_20250301.csv", drop / "brugere_20250301.csv")
    monkeypatch.setenv("RETTIDIG_MEMORY_LIMIT", "16MB")  # below DuckDB's 32 MB read buffer
    assert main(["materialize"]) == 1
    failed = capsys.readouterr().err
    assert (
        "  - raw__brugere: DuckDB ran out of memory reading brugere_20250301.csv (memory limit 15.2 MiB: "
        "Out of Memory Error: could not allocate block of size 30.5 MiB"
    ) in failed, failed
    assert "Give the load more memory (RETTIDIG_MEMORY_LIMIT, docs/parameters.md)" in failed
    assert "Traceback" not in failed
    assert _rows(warehouse, "select count(*) from raw.load_log where file_name = 'brugere_20250301.csv'") == [(0,)]
    # with the memory it needs, the next run loads the file
    monkeypatch.delenv("RETTIDIG_MEMORY_LIMIT")
    assert main(["materialize"]) == 0
    assert _rows(warehouse, "select status from raw.load_log where file_name = 'brugere_20250301.csv'") == [("loaded",)]
