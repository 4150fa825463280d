"""Publishing the marts to the serving DuckDB file that BI tools read.

A DuckDB file has one writer, and a BI tool holding the pipeline's file would block the next run.
So BI tools get a file of their own: the `marts` schema (and nothing else: no raw data, no personal
data) is copied into a new file beside the serving file, which then replaces it with one atomic
rename. A reader that has the old file open keeps reading the old, complete state; the next
connection sees the new one. Nobody ever sees a half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

SERVED_SCHEMA = "marts"


def publish_marts(conn: duckdb.DuckDBPyConnection, serving_path: Path) -> dict[str, int]:
    """Copy every table and view of the warehouse's `marts` schema into `serving_path` as tables.

    Returns rows per published table.
    """
    serving_path = Path(serving_path)
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    staging_path = serving_path.with_name(f".{serving_path.name}.{os.getpid()}.publishing")
    _remove_abandoned_publications(serving_path)
    relations = conn.execute(
        """
        select table_name, comment from duckdb_tables() where schema_name = ? and database_name = current_database()
        union all
        select view_name, comment from duckdb_views() where schema_name = ? and database_name = current_database()
        order by 1
        """,
        [SERVED_SCHEMA, SERVED_SCHEMA],
    ).fetchall()
    if not relations:
        raise RuntimeError(
            "The warehouse has no marts to publish: build the dbt models first (`rettidig materialize`)."
        )
    rows: dict[str, int] = {}
    conn.execute(f"attach '{staging_path}' as publishing")
    try:
        conn.execute(f"create schema publishing.{SERVED_SCHEMA}")
        for name, comment in relations:
            conn.execute(f'create table publishing.{SERVED_SCHEMA}."{name}" as select * from {SERVED_SCHEMA}."{name}"')
            if comment:
                conn.execute(f'comment on table publishing.{SERVED_SCHEMA}."{name}" is {_quote(comment)}')
            for column, column_comment in conn.execute(
                "select column_name, comment from duckdb_columns() where schema_name = ? and table_name = ? "
                "and database_name = current_database() and comment is not null",
                [SERVED_SCHEMA, name],
            ).fetchall():
                conn.execute(
                    f'comment on column publishing.{SERVED_SCHEMA}."{name}"."{column}" is {_quote(column_comment)}'
                )
            rows[name] = conn.execute(f'select count(*) from publishing.{SERVED_SCHEMA}."{name}"').fetchone()[0]
    finally:
        conn.execute("detach publishing")
    os.replace(staging_path, serving_path)  # atomic on one file system
    return rows


def _remove_abandoned_publications(serving_path: Path) -> None:
    """A publication killed while it wrote leaves its new file behind (never the serving file): remove
    those whose process is gone, and this process's own."""
    for path in serving_path.parent.glob(f".{serving_path.name}.*.publishing*"):
        pid = path.name.removeprefix(f".{serving_path.name}.").split(".")[0]
        if pid.isdigit() and (int(pid) == os.getpid() or not Path(f"/proc/{pid}").exists()):
            path.unlink(missing_ok=True)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
