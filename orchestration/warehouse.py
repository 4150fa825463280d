"""The warehouse: which engine holds the pipeline's tables, and the one way to open it (`connect()`).

Two engines, chosen by one setting:

- a **DuckDB file** (`RETTIDIG_WAREHOUSE`, the default): one file, one writer at a time;
- a **DuckLake** (`RETTIDIG_DUCKLAKE=ducklake:postgres:dbname=... host=...`, data files under
  `RETTIDIG_DUCKLAKE_DATA_PATH`): the catalog in PostgreSQL, the data as Parquet files; many
  readers beside one writer, every commit a snapshot, time travel.

On a DuckLake, `connect()` returns an in-memory DuckDB with the lake attached as `lake` and made
the default catalog (`USE lake`), so the loader, the checks, the period close and the report run
their SQL (`raw.load_log`, `marts.invoice_status`, `current_database()`) unchanged. The DuckLake
and PostgreSQL extensions are LOADed from the files their PyPI packages ship
(`duckdb-extension-ducklake`, `duckdb-extension-postgres-scanner`); autoinstall is off, so nothing
is ever downloaded at run time.

Publication for BI on a DuckLake (`publish_snapshot`): after a build whose blocking checks passed,
the views `serving.<mart>` are pointed at that snapshot (`AT (VERSION => n)`) in one commit, and the
snapshot is recorded in `serving.publications`. Closes are recorded there too (`record_close`), so
`marts.period_close AT (VERSION => n)` reads a month as it was at any close. `expire_snapshots`
drops the snapshots nobody needs any more and deletes their files (the maintenance job).
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.settings import Settings

LAKE = "lake"  # the catalog alias of the DuckLake, in the pipeline and in dbt (profiles.yml)
SERVING_SCHEMA = "serving"  # the views BI reads, pinned to the published snapshot
PUBLICATIONS = f"{SERVING_SCHEMA}.publications"
MARTS_SCHEMA = "marts"
DUCKLAKE_PREFIX = "ducklake:postgres:"

# extension name -> the PyPI package that ships its binary (built for exactly one DuckDB version)
EXTENSION_PACKAGES = {
    "postgres_scanner": "duckdb-extension-postgres-scanner",
    "ducklake": "duckdb-extension-ducklake",
}
# Never download an extension: the pinned wheels are the only source.
NO_DOWNLOADS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


class WarehouseError(RuntimeError):
    """A warehouse that cannot be opened; the message says in one line what to do."""


@dataclass(frozen=True)
class Warehouse:
    file: Path  # the DuckDB file (used when no DuckLake is set)
    ducklake: str | None = None  # ducklake:postgres:<libpq connection string>
    data_path: str | None = None  # where the DuckLake's Parquet files go (a folder or a URL)

    @classmethod
    def from_env(cls) -> "Warehouse":
        settings = Settings.from_env()
        return cls(settings.warehouse, settings.ducklake or None, settings.ducklake_data_path)

    @property
    def is_ducklake(self) -> bool:
        return bool(self.ducklake)

    def describe(self) -> str:
        """Where the warehouse is, with any password hidden (for messages and logs)."""
        if not self.is_ducklake:
            return str(self.file)
        return f"DuckLake {_redact(self.ducklake)} (data {self.data_path})"

    def exists(self) -> bool:
        """Whether there can be anything to read yet (a DuckLake is asked when connecting)."""
        return self.is_ducklake or self.file.exists()

    def attach_sql(self, alias: str = LAKE, read_only: bool = False, snapshot: int | None = None) -> str:
        options = []
        if self.data_path and not read_only:
            options.append(f"DATA_PATH {_quote(self.data_path)}")
        if read_only:
            options.append("READ_ONLY")
        if snapshot is not None:
            options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
        return f"ATTACH {_quote(self.ducklake)} AS {alias}" + (f" ({', '.join(options)})" if options else "")


def extension_path(name: str) -> Path:
    """The extension binary shipped by its PyPI package, for the running DuckDB version.

    The packages lay their file out as `<package>/extensions/v<duckdb version>/<name>.duckdb_extension`.
    """
    package = EXTENSION_PACKAGES[name]
    try:
        root = importlib.resources.files(package.replace("-", "_"))
    except ModuleNotFoundError:
        raise WarehouseError(
            f"The DuckDB extension {name} is not installed: run `make prepare` (it installs {package} "
            f"from requirements.lock)."
        ) from None
    path = Path(str(root)) / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        shipped = sorted(p.name for p in (Path(str(root)) / "extensions").glob("v*"))
        raise WarehouseError(
            f"{package} has no build for DuckDB {duckdb.__version__} (it ships {', '.join(shipped) or 'none'}): "
            f"install {package}=={duckdb.__version__} (`make prepare`)."
        )
    return path


def load_extensions(conn: duckdb.DuckDBPyConnection) -> None:
    """LOAD the PostgreSQL and DuckLake extensions from the installed wheels (never the network)."""
    for name in EXTENSION_PACKAGES:
        conn.execute(f"LOAD {_quote(str(extension_path(name)))}")


def check_url(url: str) -> None:
    if not url.startswith(DUCKLAKE_PREFIX) or "dbname=" not in url:
        raise WarehouseError(
            f"RETTIDIG_DUCKLAKE={_redact(url)!r} is not a DuckLake on PostgreSQL: write it as "
            "'ducklake:postgres:dbname=rettidig host=db.example port=5432 user=rettidig' "
            "(or unset it to use the DuckDB file)."
        )


def _resource_config(read_only: bool) -> dict[str, str]:
    """The settings' memory limit, temp folder and threads for a connection that writes; a reader
    (the report, `rettidig status`) keeps DuckDB's defaults."""
    from orchestration.settings import Settings

    return {} if read_only else Settings.from_env().duckdb_config()


def connect(*, read_only: bool = False, snapshot: int | None = None,
            warehouse: Warehouse | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse: the DuckDB file, or the DuckLake attached as `lake` and in use.

    `snapshot` (DuckLake only) opens the lake as it was at that snapshot, read-only.
    A DuckDB file that another process is writing raises duckdb.IOException, as before.
    """
    warehouse = warehouse or Warehouse.from_env()
    if not warehouse.is_ducklake:
        if snapshot is not None:
            raise WarehouseError("Snapshots need a DuckLake (RETTIDIG_DUCKLAKE); the DuckDB file keeps none.")
        return duckdb.connect(str(warehouse.file), read_only=read_only, config=_resource_config(read_only))
    check_url(warehouse.ducklake)
    if warehouse.data_path and "://" not in warehouse.data_path and not read_only:
        Path(warehouse.data_path).mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(config={**NO_DOWNLOADS, **_resource_config(read_only)})
    try:
        load_extensions(conn)
        conn.execute(warehouse.attach_sql(read_only=read_only or snapshot is not None, snapshot=snapshot))
        conn.execute(f"USE {LAKE}")
    except duckdb.Error as exc:
        conn.close()
        raise WarehouseError(_explain(exc, warehouse)) from None
    except WarehouseError:
        conn.close()
        raise
    return conn


def _explain(exc: duckdb.Error, warehouse: Warehouse) -> str:
    """One line saying what went wrong opening a DuckLake and what to do."""
    text = " ".join(str(exc).split())
    where = _redact(warehouse.ducklake.removeprefix(DUCKLAKE_PREFIX))
    if re.search(r"database \S+ does not exist", text):
        return (f"The DuckLake catalog database does not exist in PostgreSQL ({where}): create it "
                "(`createdb`), then run again; the pipeline creates the tables.")
    if "password authentication failed" in text or "no password supplied" in text:
        return f"PostgreSQL refused the login ({where}): check user and password in RETTIDIG_DUCKLAKE (or ~/.pgpass)."
    if "connect" in text.lower() and ("postgres" in text.lower() or "server" in text.lower()):
        return (f"Cannot reach the DuckLake catalog in PostgreSQL ({where}): start PostgreSQL or correct "
                "host/port in RETTIDIG_DUCKLAKE.")
    if "snapshot" in text.lower():
        return f"The DuckLake has no such snapshot ({text[:200]}): list them with `select * from lake.snapshots()`."
    return f"Cannot open the DuckLake {where}: {text[:300]}"


def _redact(url: str) -> str:
    return re.sub(r"(password=)\S+", r"\1***", url)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# Publication for BI, and the period close's snapshots (DuckLake only)

@dataclass(frozen=True)
class Publication:
    snapshot_id: int
    rows: dict[str, int]  # rows per published mart, at that snapshot


def current_snapshot(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute(f"select id from {LAKE}.current_snapshot()").fetchone()[0]


def _ensure_publications(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"create schema if not exists {SERVING_SCHEMA}")
    conn.execute(
        f"create table if not exists {PUBLICATIONS} (snapshot_id bigint, kind varchar, months varchar, "
        "run_id varchar, recorded_at timestamp with time zone)"
    )


def publish_snapshot(conn: duckdb.DuckDBPyConnection, run_id: str | None = None) -> Publication:
    """Pin the views `serving.<mart>` to the lake's current snapshot (the one the run's build and
    blocking checks just produced) and record it, in one commit. Readers see the old publication
    until that commit and the new one after it; never a half-built mart."""
    snapshot = current_snapshot(conn)
    marts = [name for (name,) in conn.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ? "
        "union select view_name from duckdb_views() where database_name = ? and schema_name = ? order by 1",
        [LAKE, MARTS_SCHEMA, LAKE, MARTS_SCHEMA],
    ).fetchall()]
    if not marts:
        raise RuntimeError("The DuckLake has no marts to publish: build the dbt models first (`rettidig materialize`).")
    _ensure_publications(conn)
    conn.execute("begin transaction")
    try:
        stale = {name for (name,) in conn.execute(
            "select view_name from duckdb_views() where database_name = ? and schema_name = ?",
            [LAKE, SERVING_SCHEMA],
        ).fetchall()} - set(marts)
        for name in sorted(stale):
            conn.execute(f'drop view {SERVING_SCHEMA}."{name}"')
        for name in marts:
            conn.execute(
                f'create or replace view {SERVING_SCHEMA}."{name}" as '
                f'select * from {MARTS_SCHEMA}."{name}" at (version => {snapshot})'
            )
        conn.execute(f"insert into {PUBLICATIONS} values (?, 'build', null, ?, now())", [snapshot, run_id])
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    rows = {
        name: conn.execute(f'select count(*) from {MARTS_SCHEMA}."{name}" at (version => {snapshot})').fetchone()[0]
        for name in marts
    }
    return Publication(snapshot, rows)


def published_snapshot(conn: duckdb.DuckDBPyConnection) -> int | None:
    """The snapshot BI reads (the latest publication), or None before the first."""
    if not _has_publications(conn):
        return None
    row = conn.execute(
        f"select snapshot_id from {PUBLICATIONS} where kind = 'build' order by recorded_at desc, snapshot_id desc limit 1"
    ).fetchone()
    return row[0] if row else None


def record_close(conn: duckdb.DuckDBPyConnection, months: list[dt.date], run_id: str | None = None) -> int:
    """Record the snapshot that holds the period close just taken (kind 'close')."""
    snapshot = current_snapshot(conn)
    _ensure_publications(conn)
    conn.execute(
        f"insert into {PUBLICATIONS} values (?, 'close', ?, ?, now())",
        [snapshot, ",".join(f"{m:%Y-%m}" for m in months), run_id],
    )
    return snapshot


def close_snapshots(conn: duckdb.DuckDBPyConnection) -> list[tuple[int, str, dt.datetime]]:
    """Every close taken: (snapshot, months 'YYYY-MM,...', when), oldest first.
    Read a close as it was with `select * from marts.period_close at (version => snapshot)`."""
    if not _has_publications(conn):
        return []
    return conn.execute(
        f"select snapshot_id, months, recorded_at from {PUBLICATIONS} where kind = 'close' order by snapshot_id"
    ).fetchall()


def _has_publications(conn: duckdb.DuckDBPyConnection) -> bool:
    return bool(conn.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = 'publications'",
        [LAKE, SERVING_SCHEMA],
    ).fetchone()[0])


# ---------------------------------------------------------------------------------------------
# Maintenance (DuckLake only)

@dataclass(frozen=True)
class Maintenance:
    expired: list[int]
    kept: list[int]
    files_deleted: int


def expire_snapshots(conn: duckdb.DuckDBPyConnection, keep_days: int) -> Maintenance:
    """Expire every snapshot older than `keep_days` except the current one, the one BI reads and
    the closes' (time travel on period_close needs them), then delete the files no snapshot uses."""
    published = published_snapshot(conn)
    keep = {current_snapshot(conn), *(s for s, _, _ in close_snapshots(conn))}
    if published is not None:
        keep.add(published)
    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=keep_days)
    snapshots = conn.execute(f"select snapshot_id, snapshot_time from {LAKE}.snapshots() order by 1").fetchall()
    kept = [s for s, at in snapshots if s in keep or at >= cutoff]
    expired = [s for s, _ in snapshots if s not in kept]
    if expired:
        conn.execute(f"call ducklake_expire_snapshots('{LAKE}', versions => {expired})")
        if _has_publications(conn):
            conn.execute(f"delete from {PUBLICATIONS} where list_contains(?, snapshot_id)", [expired])
    deleted = conn.execute(f"select count(*) from ducklake_cleanup_old_files('{LAKE}', cleanup_all => true)").fetchone()[0]
    return Maintenance(expired, kept, deleted)
