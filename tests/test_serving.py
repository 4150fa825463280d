"""The serving file: marts only, replaced atomically, never blocking or half-visible to a reader."""

from __future__ import annotations

import os
import shutil
import threading

import duckdb
import pytest

from orchestration.serving import publish_marts


def _warehouse(path, version: int, rows: int) -> None:
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists marts")
        conn.execute("create schema if not exists raw")
        conn.execute("create or replace table raw.secret as select 'personal' as name")
        # two marts that must always be seen from the same publication
        conn.execute(f"create or replace table marts.a as select {version} as version, range as i from range({rows})")
        conn.execute(f"create or replace table marts.b as select {version} as version, range as i from range({rows})")
        conn.execute("comment on table marts.a is 'Mart A, described'")
        conn.execute("comment on column marts.a.version is 'Which publication'")
        conn.execute("create or replace view marts.v as select count(*) as n from marts.a")


def test_publish_copies_the_marts_schema_only_with_its_descriptions(tmp_path):
    warehouse, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    _warehouse(warehouse, 1, 10)
    with duckdb.connect(str(warehouse)) as conn:
        assert publish_marts(conn, serving) == {"a": 10, "b": 10, "v": 1}
    with duckdb.connect(str(serving), read_only=True) as bi:
        assert bi.execute(
            "select schema_name, table_name from duckdb_tables() order by all"
        ).fetchall() == [("marts", "a"), ("marts", "b"), ("marts", "v")]
        assert bi.execute("select comment from duckdb_tables() where table_name = 'a'").fetchone() == ("Mart A, described",)
        assert bi.execute(
            "select comment from duckdb_columns() where table_name = 'a' and column_name = 'version'"
        ).fetchone() == ("Which publication",)
    assert not list(tmp_path.glob(".s.duckdb.*"))  # no leftovers


def test_a_reader_never_blocks_publishing_and_never_sees_a_mixed_state(tmp_path):
    warehouse, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    _warehouse(warehouse, 0, 50_000)
    with duckdb.connect(str(warehouse)) as conn:
        publish_marts(conn, serving)

    seen: list[tuple] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def bi_tool() -> None:
        while not stop.is_set():
            try:
                with duckdb.connect(str(serving), read_only=True) as bi:
                    # a BI session holds the file open across several queries
                    a = bi.execute("select min(version), max(version), count(*) from marts.a").fetchone()
                    b = bi.execute("select min(version), max(version), count(*) from marts.b").fetchone()
                    seen.append((a, b))
            except BaseException as exc:  # noqa: BLE001 - any error is a failure of the contract
                errors.append(exc)

    reader = threading.Thread(target=bi_tool)
    reader.start()
    try:
        for version in range(1, 6):
            _warehouse(warehouse, version, 50_000 + version)
            with duckdb.connect(str(warehouse)) as conn:
                publish_marts(conn, serving)
    finally:
        stop.set()
        reader.join()

    assert errors == []
    assert len(seen) > 5
    for a, b in seen:
        version = a[0]
        assert a == b == (version, version, 50_000 + version)  # one publication, complete
    with duckdb.connect(str(serving), read_only=True) as bi:
        assert bi.execute("select max(version) from marts.a").fetchone() == (5,)


def test_publishing_nothing_says_what_to_do(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        with pytest.raises(RuntimeError, match="build the dbt models first"):
            publish_marts(conn, tmp_path / "s.duckdb")


def _kept_warehouse(path, rows: list[tuple], written_in: dict[str, int]) -> None:
    """A warehouse with a mart kept across runs (serving.KEPT_MARTS: invoice_status) and the number
    of the build that wrote each of its rows."""
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists marts; create schema if not exists incremental")
        conn.execute("create or replace table marts.invoice_status "
                     "(invoice_id varchar, state varchar, as_of_date date, data_watermark date)")
        conn.executemany("insert into marts.invoice_status values (?, ?, ?, ?)", rows)
        conn.execute("create or replace table incremental.invoice_status_stamps "
                     "(invoice_id varchar, stamp ubigint, written_in bigint)")
        conn.executemany("insert into incremental.invoice_status_stamps values (?, null, ?)",
                         [(row[0], written_in[row[0]]) for row in rows])
        conn.execute("create or replace table marts.small as select 1 as n")


def _served(serving) -> list[tuple]:
    with duckdb.connect(str(serving), read_only=True) as bi:
        return bi.execute("select * from marts.invoice_status order by invoice_id").fetchall()


def test_a_kept_mart_is_published_from_the_last_publication(tmp_path):
    import datetime as dt

    d1, d2, d3 = dt.date(2025, 1, 10), dt.date(2025, 1, 11), dt.date(2025, 1, 12)
    warehouse, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    # build 1 wrote every row: A-F and H-M
    settled = [(k, k.lower(), d1, d1) for k in "HIJKLM"]
    _kept_warehouse(warehouse, [(k, k.lower(), d1, d1) for k in "ABCDEF"] + settled, dict.fromkeys("ABCDEFHIJKLM", 1))
    with duckdb.connect(str(warehouse)) as conn:
        assert publish_marts(conn, serving) == {"invoice_status": 12, "small": 1}
    assert _served(serving) == [(k, k.lower(), d1, d1) for k in "ABCDEF"] + settled

    # the next day, build 2 rewrote B (a new final state), D and E (not settled) and wrote G (new);
    # D is stamped on every row. A's row is changed behind its build number, which only a copy of
    # the last publication keeps (4 of 13 rows to replace: under serving.MAX_CHANGED_SHARE)
    day2 = [("A", "a, not rewritten", d2, d1), ("B", "b2", d2, d1), ("C", "c", d2, d1), ("D", "d", d2, d1),
            ("E", "e2", d2, d1), ("F", "f", d2, d1), ("G", "g", d2, d1)]
    _kept_warehouse(warehouse, day2 + [(k, s, d2, w) for k, s, _, w in settled],
                    {**dict.fromkeys("ACFHIJKLM", 1), **dict.fromkeys("BDEG", 2)})
    with duckdb.connect(str(warehouse)) as conn:
        assert publish_marts(conn, serving) == {"invoice_status": 13, "small": 1}
    assert _served(serving) == [("A", "a", d2, d1)] + day2[1:] + [(k, s, d2, w) for k, s, _, w in settled]

    # build 3: F is gone (e.g. its load undone), D rewritten. The copy would keep F: a row too many,
    # so the mart is copied whole (A's row shows it)
    day3 = [(k, s, d3, w) for k, s, _, w in day2 if k != "F"]
    _kept_warehouse(warehouse, day3 + [(k, s, d3, w) for k, s, _, w in settled],
                    {**dict.fromkeys("ACHIJKLM", 1), **dict.fromkeys("BEG", 2), "D": 3})
    with duckdb.connect(str(warehouse)) as conn:
        assert publish_marts(conn, serving) == {"invoice_status": 12, "small": 1}
    assert _served(serving) == day3 + [(k, s, d3, w) for k, s, _, w in settled]
    assert _served(serving)[0] == ("A", "a, not rewritten", d3, d1)

    # the next build rewrites A: published from the copy of the last (whole) publication
    _kept_warehouse(warehouse, [("A", "a4", d3, d1)] + day3[1:] + [(k, s, d3, w) for k, s, _, w in settled],
                    {**dict.fromkeys("CHIJKLM", 1), **dict.fromkeys("BEG", 2), "D": 3, "A": 4})
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("update marts.invoice_status set state = 'c, not rewritten' where invoice_id = 'C'")
        publish_marts(conn, serving)
    assert _served(serving)[:3] == [("A", "a4", d3, d1), ("B", "b2", d3, d1), ("C", "c", d3, d1)]

    # a serving file that is not the one last published (here: a copy put in its place) is not
    # trusted: every row is copied from the warehouse
    shutil.copyfile(serving, tmp_path / "copy.duckdb")
    os.replace(tmp_path / "copy.duckdb", serving)
    with duckdb.connect(str(warehouse)) as conn:
        publish_marts(conn, serving)
    assert _served(serving)[2] == ("C", "c, not rewritten", d3, d1)

    # nor is it when the mart's columns changed
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("update marts.invoice_status set state = 'a again' where invoice_id = 'A'")
        conn.execute("alter table marts.invoice_status add column extra integer")
        publish_marts(conn, serving)
    assert _served(serving)[0] == ("A", "a again", d3, d1, None)
    assert not list(tmp_path.glob(".s.duckdb.*"))  # no leftovers


@pytest.mark.parametrize("setting, value", [("MAX_CHANGED_SHARE", 0.0), ("MAX_GROWTH", 0.5)],
                         ids=["too many rows changed", "the copy has grown"])
def test_a_kept_mart_is_copied_whole_when_a_copy_is_not_worth_it(tmp_path, monkeypatch, setting, value):
    import datetime as dt

    import orchestration.serving as serving

    d1, d2 = dt.date(2025, 1, 10), dt.date(2025, 1, 11)
    warehouse, serving_file = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    _kept_warehouse(warehouse, [("A", "a", d1, d1), ("B", "b", d1, d1)], {"A": 1, "B": 1})
    with duckdb.connect(str(warehouse)) as conn:
        publish_marts(conn, serving_file)
    # A's row changed behind its build number: only a mart copied whole shows it
    _kept_warehouse(warehouse, [("A", "a2", d2, d1), ("B", "b2", d2, d1)], {"A": 1, "B": 2})
    monkeypatch.setattr(serving, setting, value)
    with duckdb.connect(str(warehouse)) as conn:
        publish_marts(conn, serving_file)
    assert _served(serving_file) == [("A", "a2", d2, d1), ("B", "b2", d2, d1)]


def test_a_publication_that_dies_before_its_record_is_followed_by_a_whole_copy(tmp_path, monkeypatch):
    # The record of a publication (the serving file's signature, the build numbers published) is written
    # after the new file is in place. A run that dies in between leaves the old record, which no
    # longer matches the file: the next publication must not trust the file and copies it whole.
    import datetime as dt

    import orchestration.serving as serving

    d1, d2 = dt.date(2025, 1, 10), dt.date(2025, 1, 11)
    warehouse, serving_file = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    rows = [(k, k.lower(), d1, d1) for k in "ABCD"]
    _kept_warehouse(warehouse, rows, dict.fromkeys("ABCD", 1))
    with duckdb.connect(str(warehouse)) as conn:
        publish_marts(conn, serving_file)
    _kept_warehouse(warehouse, [("A", "a2", d2, d1), *[(k, s, d2, w) for k, s, _, w in rows[1:]]],
                    {**dict.fromkeys("ABC", 1), "D": 2})

    def dies(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(serving, "_record_publication", dies)
    with duckdb.connect(str(warehouse)) as conn, pytest.raises(KeyboardInterrupt):
        publish_marts(conn, serving_file)
    assert _served(serving_file)[0] == ("A", "a", d2, d1)  # published from the copy, not recorded
    monkeypatch.undo()
    with duckdb.connect(str(warehouse)) as conn:
        publish_marts(conn, serving_file)
    assert _served(serving_file)[0] == ("A", "a2", d2, d1)
