"""The serving file: marts only, replaced atomically, never blocking or half-visible to a reader."""

from __future__ import annotations

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
