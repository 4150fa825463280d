"""Every setting of the pipeline, read and validated in one place.

Each comes from an environment variable (`RETTIDIG_*`) so that the CLI (`rettidig ...`), the Dagster
UI (`dagster dev` / `rettidig ui`), the daemon and the tests agree. `Settings.from_env()` reads them
all and refuses a bad value with a `SettingsError` whose message is one line saying what was
expected; it changes nothing (no environment variable set, no folder made). Dagster assets get the
settings through the `settings` resource (orchestration/resources.py), schedules and sensors call
`Settings.from_env()` when they are evaluated.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(ValueError):
    """A setting has a value the pipeline cannot use. The message is one line for the user."""


@dataclass(frozen=True)
class Setting:
    name: str
    meaning: str
    default: str  # how the default reads in `rettidig settings`


# Every environment variable a user may set (printed by `rettidig settings`, documented in the README).
SETTINGS: tuple[Setting, ...] = (
    Setting("RETTIDIG_VAR_DIR", "the folder for every default below", "var/ in the project"),
    Setting("RETTIDIG_EXPORTS_DIR", "the drop folder Kvantum exports into", "<var>/sample_exports"),
    Setting("RETTIDIG_EINVOICES_DIR", "the e-invoice inbox (OIOUBL/Peppol XML from NemHandel)", "<drop folder>/einvoices"),
    Setting("RETTIDIG_WAREHOUSE", "the DuckDB file the pipeline writes", "<var>/warehouse.duckdb"),
    Setting("RETTIDIG_SERVING", "the DuckDB file BI tools read (marts only)", "<var>/serving.duckdb"),
    Setting("RETTIDIG_REPORTS_DIR", "where follow-up reports are written", "<var>/reports"),
    Setting("RETTIDIG_LOG_DIR", "one log file per command run (full dbt and Dagster logs)", "<var>/logs"),
    Setting("RETTIDIG_AS_OF_DATE", "compute the marts as of this date, YYYY-MM-DD", "the data watermark"),
    Setting("RETTIDIG_PERIOD_CLOSE_START", "the first month the period close offers, YYYY-MM", "2024-01"),
    Setting("RETTIDIG_CLOSE_WORKING_DAY", "the month-end close runs on this Danish working day, 1-10", "2"),
    Setting("RETTIDIG_LOG_LEVEL", "what the console shows with --verbose: DEBUG, INFO, WARNING or ERROR; DEBUG also logs dbt's SQL to its dbt.log", "INFO"),
    Setting("RETTIDIG_DUCKLAKE", "a DuckLake instead of the DuckDB file: ducklake:postgres:dbname=... host=... (docs/scale.md)", "none: the DuckDB file"),
    Setting("RETTIDIG_DUCKLAKE_DATA_PATH", "the DuckLake's Parquet files (a folder or an object-store URL)", "<var>/ducklake"),
    Setting("RETTIDIG_DUCKLAKE_KEEP_DAYS", "DuckLake snapshots younger than this are kept by the maintenance job", "7"),
    Setting("RETTIDIG_MEMORY_LIMIT", "DuckDB's memory limit for the load and each dbt connection, e.g. 2GB (docs/parameters.md)", "DuckDB's own: 80% of RAM"),
    Setting("RETTIDIG_TEMP_DIR", "where DuckDB spills what does not fit in the memory limit", "<var>/duckdb_tmp"),
    Setting("RETTIDIG_THREADS", "DuckDB's threads for the load and each dbt connection", "DuckDB's own: the cores"),
    Setting("RETTIDIG_DBT_THREADS", "how many dbt models build at once; they share one memory limit", "2 (dbt_project/profiles.yml)"),
    Setting("DAGSTER_HOME", "the folder holding dagster.yaml (deploy/dagster-postgres for Dagster on PostgreSQL)", "the project folder"),
    Setting("RETTIDIG_DAGSTER_STORAGE", "Dagster's run history and event log", "<var>/dagster/storage"),
    Setting("RETTIDIG_DAGSTER_COMPUTE_LOGS", "Dagster's captured step logs", "<var>/dagster/logs"),
)
ENVIRONMENT = {s.name: s.meaning for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    exports_dir: Path
    einvoices_dir: Path
    warehouse: Path
    serving: Path
    reports_dir: Path
    log_dir: Path
    as_of_date: str | None
    period_close_start: dt.date
    close_working_day: int
    log_level: str
    dagster_home: Path
    dagster_storage: Path
    dagster_compute_logs: Path
    ducklake: str | None = None  # a DuckLake catalog URL: the warehouse is then that lake (orchestration/warehouse.py)
    ducklake_data_path: str | None = None  # the DuckLake's data files (a folder, or an object-store URL)
    ducklake_keep_days: int = 7  # the maintenance job keeps snapshots younger than this
    memory_limit: str | None = None  # DuckDB's memory_limit (e.g. "2GB"); None: DuckDB's default
    temp_dir: Path | None = None  # DuckDB's temp_directory, where it spills beyond memory_limit
    threads: int | None = None  # DuckDB's threads; None: DuckDB's default (the cores)
    dbt_threads: int | None = None  # dbt's --threads; None: the profile's (2)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        var_dir = _path(env, "RETTIDIG_VAR_DIR", PROJECT_ROOT / "var")
        exports_dir = _path(env, "RETTIDIG_EXPORTS_DIR", var_dir / "sample_exports")
        return cls(
            var_dir=var_dir,
            exports_dir=exports_dir,
            einvoices_dir=_path(env, "RETTIDIG_EINVOICES_DIR", exports_dir / "einvoices"),
            warehouse=_path(env, "RETTIDIG_WAREHOUSE", var_dir / "warehouse.duckdb"),
            serving=_path(env, "RETTIDIG_SERVING", var_dir / "serving.duckdb"),
            reports_dir=_path(env, "RETTIDIG_REPORTS_DIR", var_dir / "reports"),
            log_dir=_path(env, "RETTIDIG_LOG_DIR", var_dir / "logs"),
            as_of_date=_as_of(env),
            period_close_start=parse_month(env.get("RETTIDIG_PERIOD_CLOSE_START") or "2024-01", "RETTIDIG_PERIOD_CLOSE_START"),
            close_working_day=_working_day(env),
            log_level=_log_level(env),
            dagster_home=_path(env, "DAGSTER_HOME", PROJECT_ROOT),
            dagster_storage=_path(env, "RETTIDIG_DAGSTER_STORAGE", var_dir / "dagster" / "storage"),
            dagster_compute_logs=_path(env, "RETTIDIG_DAGSTER_COMPUTE_LOGS", var_dir / "dagster" / "logs"),
            ducklake=_ducklake(env),
            ducklake_data_path=_location(env, "RETTIDIG_DUCKLAKE_DATA_PATH", var_dir / "ducklake"),
            ducklake_keep_days=_whole_number(env, "RETTIDIG_DUCKLAKE_KEEP_DAYS", 7, "days of DuckLake snapshots to keep"),
            memory_limit=_memory_limit(env),
            temp_dir=_path(env, "RETTIDIG_TEMP_DIR", var_dir / "duckdb_tmp"),
            threads=_whole_number(env, "RETTIDIG_THREADS", 0, "DuckDB threads") if env.get("RETTIDIG_THREADS") else None,
            dbt_threads=_whole_number(env, "RETTIDIG_DBT_THREADS", 0, "dbt threads") if env.get("RETTIDIG_DBT_THREADS") else None,
        )

    def environment(self) -> dict[str, str]:
        """The settings as the environment variables that Dagster's instance (dagster.yaml), dbt's
        profiles.yml and the processes a run starts read."""
        values = {
            "RETTIDIG_VAR_DIR": str(self.var_dir),
            "RETTIDIG_EXPORTS_DIR": str(self.exports_dir),
            "RETTIDIG_WAREHOUSE": str(self.warehouse),
            "RETTIDIG_SERVING": str(self.serving),
            "RETTIDIG_REPORTS_DIR": str(self.reports_dir),
            "RETTIDIG_LOG_DIR": str(self.log_dir),
            "RETTIDIG_PERIOD_CLOSE_START": f"{self.period_close_start:%Y-%m}",
            "RETTIDIG_CLOSE_WORKING_DAY": str(self.close_working_day),
            "RETTIDIG_LOG_LEVEL": self.log_level,
            "DAGSTER_HOME": str(self.dagster_home),
            "RETTIDIG_DAGSTER_STORAGE": str(self.dagster_storage),
            "RETTIDIG_DAGSTER_COMPUTE_LOGS": str(self.dagster_compute_logs),
            "RETTIDIG_TEMP_DIR": str(self.temp_dir),
        }
        if self.memory_limit:
            values["RETTIDIG_MEMORY_LIMIT"] = self.memory_limit
        if self.threads:
            values["RETTIDIG_THREADS"] = str(self.threads)
        if self.dbt_threads:
            values["RETTIDIG_DBT_THREADS"] = str(self.dbt_threads)
        if self.as_of_date:
            values["RETTIDIG_AS_OF_DATE"] = self.as_of_date
        if self.ducklake:  # dbt's profiles.yml attaches the lake from these
            values["RETTIDIG_DUCKLAKE"] = self.ducklake
            values["RETTIDIG_DUCKLAKE_DATA_PATH"] = self.ducklake_data_path
        return values

    def duckdb_config(self) -> dict[str, str]:
        """DuckDB's resource settings for every connection that writes the warehouse (the loader's,
        the period close's, the publication's and, through the dbt plugin, dbt's): the config of
        `duckdb.connect`. The temp folder is made here, when a connection is about to use it."""
        config: dict[str, str] = {}
        if self.temp_dir is not None:
            self.temp_dir.mkdir(parents=True, exist_ok=True)
            config["temp_directory"] = str(self.temp_dir)
        if self.memory_limit:
            config["memory_limit"] = self.memory_limit
        if self.threads:
            config["threads"] = str(self.threads)
        return config

    def export(self) -> "Settings":
        """Put the settings into this process's environment. Only entry points call this (the CLI
        and the tests), never an import: the in-process Dagster instance and dbt then see them."""
        os.environ.update(self.environment())
        return self


def parse_month(value: str, name: str = "the month") -> dt.date:
    """`YYYY-MM` (or a date `YYYY-MM-DD` in the month) -> the month's first day."""
    text = value.strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    try:
        if not match:
            raise ValueError
        day = dt.date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        raise SettingsError(f"{name}={value!r} is not a month: write it as YYYY-MM, e.g. 2024-01.") from None
    return day.replace(day=1)


def parse_date(value: str, name: str) -> str:
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise SettingsError(f"{name}={value!r} is not a date: write it as YYYY-MM-DD, e.g. 2025-03-31.") from None


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    if not value:
        return default
    path = Path(value).expanduser()
    if "\x00" in value:
        raise SettingsError(f"{name} is not a usable path: remove the NUL character from it.")
    return path.resolve()


def _location(env: Mapping[str, str], name: str, default: Path) -> str:
    """A folder, or an object-store URL (s3://...) kept as written."""
    value = env.get(name, "")
    return value if "://" in value else str(_path(env, name, default))


def _ducklake(env: Mapping[str, str]) -> str | None:
    value = (env.get("RETTIDIG_DUCKLAKE") or "").strip()
    if value and not value.startswith("ducklake:postgres:"):
        raise SettingsError(
            f"RETTIDIG_DUCKLAKE={value!r} is not a DuckLake on PostgreSQL: write it as "
            "ducklake:postgres:dbname=... host=... (docs/scale.md), or leave it empty for the DuckDB file."
        )
    return value or None


def _whole_number(env: Mapping[str, str], name: str, default: int, meaning: str) -> int:
    value = (env.get(name) or str(default)).strip()
    if not value.isdigit() or int(value) < 1:
        raise SettingsError(f"{name}={env.get(name)!r} is not a number of {meaning}: give a whole number of at least 1.")
    return int(value)


MEMORY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)


def _memory_limit(env: Mapping[str, str]) -> str | None:
    value = (env.get("RETTIDIG_MEMORY_LIMIT") or "").strip()
    if not value:
        return None
    match = MEMORY.fullmatch(value)
    if not match or float(match[1]) <= 0:
        raise SettingsError(
            f"RETTIDIG_MEMORY_LIMIT={value!r} is not an amount of memory: write a number and a unit, "
            "e.g. 2GB or 1500MiB (or leave it empty for DuckDB's default, 80% of RAM)."
        )
    return f"{match[1]}{match[2].upper().replace('I', 'i')}"


def _as_of(env: Mapping[str, str]) -> str | None:
    value = env.get("RETTIDIG_AS_OF_DATE")
    return parse_date(value, "RETTIDIG_AS_OF_DATE") if value else None


def _working_day(env: Mapping[str, str]) -> int:
    value = env.get("RETTIDIG_CLOSE_WORKING_DAY") or "2"
    if not value.strip().isdigit() or not 1 <= int(value) <= 10:
        raise SettingsError(
            f"RETTIDIG_CLOSE_WORKING_DAY={value!r} is not a working day of the month: give a whole number "
            "from 1 to 10 (2 = the second Danish working day)."
        )
    return int(value)


def _log_level(env: Mapping[str, str]) -> str:
    value = (env.get("RETTIDIG_LOG_LEVEL") or "INFO").strip().upper()
    if value not in LOG_LEVELS:
        raise SettingsError(f"RETTIDIG_LOG_LEVEL={env.get('RETTIDIG_LOG_LEVEL')!r} is not a log level: use one of {', '.join(LOG_LEVELS)}.")
    return value
