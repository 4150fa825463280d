"""Publishing the marts to the serving DuckDB file that BI tools read.

A DuckDB file has one writer, and a BI tool holding the pipeline's file would block the next run.
So BI tools get a file of their own: the `marts` schema (and nothing else: no raw data, no personal
data) is copied into a new file beside the serving file, which then replaces it with one atomic
rename. A reader that has the old file open keeps reading the old, complete state; the next
connection sees the new one. Nothing ever sees a half-written file.

A mart kept across runs in the warehouse (KEPT_MARTS: `invoice_status`, whose rows mostly change
only in the reporting date stamped on them) is not copied row by row every time: the new file
starts as a copy of the last publication, and only its rows written since then (the build number
kept beside each row, above the one this publication recorded) are replaced; the rest get the new
reporting date in place. This is done only when the serving file is the very file the last
publication wrote (its size, times and inode, as the warehouse recorded them) and the mart's
columns are unchanged; else, and when the copy has grown well beyond a fresh one (deleted rows
leave space behind), the mart is copied whole (docs/architecture.md, "The serving file").
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.loading.files import file_stat

SERVED_SCHEMA = "marts"
BOOKKEEPING_SCHEMA = "incremental"
PUBLICATION_TABLE = f"{BOOKKEEPING_SCHEMA}.publication"  # the last publication: its file and size
# per kept mart, the last build number (written_in) whose rows the last publication holds
PUBLISHED_TABLE = f"{BOOKKEEPING_SCHEMA}.published_marts"


@dataclass(frozen=True)
class KeptMart:
    """A mart kept across runs by key, with the number of the build that wrote each row in the
    warehouse, and columns that every row carries the same value of (the reporting date)."""

    key: str
    stamps: str  # the warehouse's table of (key, ..., written_in), one row per row of the mart
    stamped_columns: tuple[str, ...]


KEPT_MARTS = {
    "invoice_status": KeptMart("invoice_id", f"{BOOKKEEPING_SCHEMA}.invoice_status_stamps", ("as_of_date", "data_watermark")),
}
# a copy of the last publication is used while it is at most this much larger than the last fresh one
MAX_GROWTH = 1.5
# and while at most this share of a kept mart's rows changed (else copying it whole is as quick)
MAX_CHANGED_SHARE = 0.5


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
    kept = {name: KEPT_MARTS[name] for name, _ in relations
            if name in KEPT_MARTS and _has_column(conn, KEPT_MARTS[name].stamps, "written_in")}
    full_bytes = _last_publication(conn, serving_path) if kept else None
    from_copy = full_bytes is not None
    if from_copy:
        shutil.copyfile(serving_path, staging_path)
    rows: dict[str, int] = {}
    copied_whole: list[str] = []
    updated: list[str] = []  # kept marts updated in the copy (their changes in _changes(name))
    conn.execute(f"attach '{staging_path}' as publishing")
    try:
        conn.execute(f"create schema if not exists publishing.{SERVED_SCHEMA}")
        if from_copy:  # marts gone from the warehouse go from the copy too
            names = {name for name, _ in relations}
            for (old,) in conn.execute(
                "select table_name from duckdb_tables() where database_name = 'publishing' and schema_name = ?",
                [SERVED_SCHEMA],
            ).fetchall():
                if old not in names:
                    conn.execute(f'drop table publishing.{SERVED_SCHEMA}."{old}"')
        for name, comment in relations:
            if from_copy and name in kept and _update_kept_mart(conn, name, kept[name]):
                updated.append(name)
            else:
                conn.execute(
                    f'create or replace table publishing.{SERVED_SCHEMA}."{name}" as select * from {SERVED_SCHEMA}."{name}"'
                )
                copied_whole.append(name)
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
    try:
        _record_publication(conn, serving_path, kept, fresh=bool(set(kept) & set(copied_whole)),
                            full_bytes=full_bytes)
    finally:
        for name in updated:
            conn.execute(f"drop table if exists {_changes(name)}")
    return rows


def _changes(name: str) -> str:
    """The temp table of a kept mart's keys whose rows a publication replaced."""
    return f"temp.main._publication_changes_{name}"


def _exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(conn.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() and schema_name = ? "
        "and table_name = ?", [schema, name]).fetchone()[0])


def _has_column(conn: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    schema, name = table.split(".")
    return bool(conn.execute(
        "select count(*) from duckdb_columns() where database_name = current_database() and schema_name = ? "
        "and table_name = ? and column_name = ?", [schema, name, column]).fetchone()[0])


def _last_publication(conn: duckdb.DuckDBPyConnection, serving_path: Path) -> int | None:
    """The size of the last fresh publication, if the serving file is still the very file the last
    publication wrote and has not grown beyond MAX_GROWTH times that; else None (copy every mart)."""
    if not _exists(conn, PUBLICATION_TABLE) or not serving_path.exists():
        return None
    row = conn.execute(f"select file_stat, full_bytes from {PUBLICATION_TABLE} where serving_path = ?",
                       [str(serving_path.resolve())]).fetchone()
    if row is None or row[0] != file_stat(serving_path) or serving_path.stat().st_size > MAX_GROWTH * row[1]:
        return None
    return row[1]


def _update_kept_mart(conn: duckdb.DuckDBPyConnection, name: str, mart: KeptMart) -> bool:
    """In the copy of the last publication: replace the rows written since then (or that have none)
    with the warehouse's, and stamp the rest with the warehouse's reporting date.
    Their keys stay in _changes(name) for _record_publication. False (nothing done) when that is
    not possible or not worth it: copy the mart whole."""
    columns = ("select column_name, data_type from duckdb_columns() where database_name = ? and schema_name = ? "
               "and table_name = ? order by column_index")
    here = conn.execute("select current_database()").fetchone()[0]
    if (conn.execute(columns, ["publishing", SERVED_SCHEMA, name]).fetchall()
            != conn.execute(columns, [here, SERVED_SCHEMA, name]).fetchall()
            or not _exists(conn, PUBLISHED_TABLE)):
        return False
    published = conn.execute(f"select written_through from {PUBLISHED_TABLE} where mart = ?", [name]).fetchone()
    stamped = conn.execute(
        f'select distinct {", ".join(mart.stamped_columns)} from {SERVED_SCHEMA}."{name}"').fetchall()
    if published is None or published[0] is None or len(stamped) > 1:
        return False
    key, changes, target, source = mart.key, _changes(name), f'publishing.{SERVED_SCHEMA}."{name}"', f'{SERVED_SCHEMA}."{name}"'
    conn.execute(f"create or replace temp table {changes} as select {key} from {mart.stamps} where written_in > ?",
                 [published[0]])
    changed = conn.execute(f"select count(*) from {changes}").fetchone()[0]
    total = conn.execute(f"select count(*) from {source}").fetchone()[0]
    if changed <= MAX_CHANGED_SHARE * total:
        conn.execute(f"delete from {target} where {key} in (select {key} from {changes})")
        # the changed rows by their row ids: the semi-join reads the key column only, and the rows'
        # other columns are then read for those rows alone (at 10M: 0.25 s instead of 1.5 s)
        conn.execute(f"insert into {target} select * from {source} where rowid in "
                     f"(select rowid from {source} where {key} in (select {key} from {changes}))")
        if stamped:
            sets = ", ".join(f"{c} = ?" for c in mart.stamped_columns)
            differs = " or ".join(f"{c} is distinct from ?" for c in mart.stamped_columns)
            conn.execute(f"update {target} set {sets} where {differs}", [*stamped[0], *stamped[0]])
        # the copy must now hold exactly the warehouse's rows: every row not written since the last
        # publication was published by it, so a row too many is one deleted since (a document
        # gone, an earlier D), which only a whole copy removes
        if conn.execute(f"select count(*) from {target}").fetchone()[0] == total:
            return True
        conn.execute(f"delete from {target}")
    conn.execute(f"drop table {changes}")
    return False


def _record_publication(conn: duckdb.DuckDBPyConnection, serving_path: Path, kept: dict[str, KeptMart],
                        fresh: bool, full_bytes: int | None) -> None:
    """What the next publication checks: the serving file's signature, the size of the last fresh
    publication, and per kept mart the last build number whose rows it holds. After the serving
    file is in place: should this not happen, the signature differs next time and every mart is
    copied whole."""
    if not kept:
        return
    size = serving_path.stat().st_size if fresh or full_bytes is None else full_bytes
    conn.execute(f"create schema if not exists {BOOKKEEPING_SCHEMA}")
    conn.execute(f"create table if not exists {PUBLICATION_TABLE} (serving_path varchar, file_stat varchar, full_bytes bigint)")
    conn.execute(f"create table if not exists {PUBLISHED_TABLE} (mart varchar, written_through bigint)")
    conn.execute("begin transaction")
    try:
        for name, mart in kept.items():
            conn.execute(f"delete from {PUBLISHED_TABLE} where mart = ?", [name])
            conn.execute(f"insert into {PUBLISHED_TABLE} select ?, max(written_in) from {mart.stamps}", [name])
            # the stamps published, kept by the publications before session 17
            conn.execute(f"drop table if exists {BOOKKEEPING_SCHEMA}.published_{name}_stamps")
        conn.execute(f"delete from {PUBLICATION_TABLE}")
        conn.execute(f"insert into {PUBLICATION_TABLE} values (?, ?, ?)",
                     [str(serving_path.resolve()), file_stat(serving_path), size])
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def _remove_abandoned_publications(serving_path: Path) -> None:
    """A publication killed while it wrote leaves its new file behind (never the serving file): remove
    those whose process is gone, and this process's own."""
    for path in serving_path.parent.glob(f".{serving_path.name}.*.publishing*"):
        pid = path.name.removeprefix(f".{serving_path.name}.").split(".")[0]
        if pid.isdigit() and (int(pid) == os.getpid() or not Path(f"/proc/{pid}").exists()):
            path.unlink(missing_ok=True)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
