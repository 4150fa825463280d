"""The run summary that `rettidig materialize` prints: the marts' row counts are exact.

A mart kept across runs (invoice_status, the incremental marts) deletes the rows it recomputes and
inserts them again; DuckDB's `duckdb_tables().estimated_size` still counts the deleted rows, so the
summary once showed invoice_status with 55,025 rows where it had 54,000.
"""

from __future__ import annotations

import duckdb

from orchestration.cli import print_load_summary
from orchestration.loading.loader import ensure_raw_schema


def test_the_summary_counts_the_rows_a_mart_has_after_deletes(pipeline_paths, capsys) -> None:
    with duckdb.connect(str(pipeline_paths.warehouse)) as conn:
        ensure_raw_schema(conn)
        conn.execute("create schema marts")
        conn.execute("create table marts.invoice_status as select 'F' || range as invoice_id from range(200000)")
        conn.execute("checkpoint")
        # a daily run: 1,000 rows recomputed, deleted and inserted again
        conn.execute("delete from marts.invoice_status where invoice_id in (select 'F' || range from range(1000))")
        conn.execute("insert into marts.invoice_status select 'F' || range from range(1000)")
        conn.execute("create table marts.timely_payment as select range as month from range(3)")
    with duckdb.connect(str(pipeline_paths.warehouse), read_only=True) as conn:
        # the premise: DuckDB's estimate counts the deleted rows
        assert conn.execute(
            "select estimated_size from duckdb_tables() where table_name = 'invoice_status'"
        ).fetchone()[0] == 201000

    print_load_summary(pipeline_paths)

    out = capsys.readouterr().out
    assert "Marts (schema marts): invoice_status (200,000), timely_payment (3)" in out
