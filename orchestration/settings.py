"""Every setting of the pipeline, in one place.

Each comes from an environment variable so that the CLI (`rettidig ...`) and the Dagster UI
(`rettidig ui` / `dagster dev`) agree. Defaults put everything under `var/` in the project.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def _location(var: str, default: Path) -> str:
    """A folder, or an object-store URL (s3://...) kept as written."""
    value = os.environ.get(var, "")
    return value if "://" in value else str(_path(var, default))


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    exports_dir: Path
    warehouse: Path
    serving: Path
    reports_dir: Path
    dagster_home: Path
    as_of_date: str | None
    ducklake: str | None = None  # a DuckLake catalog URL: the warehouse is then that lake (orchestration/warehouse.py)
    ducklake_data_path: str | None = None  # the DuckLake's data files (a folder, or an object-store URL)

    @classmethod
    def from_env(cls) -> "Settings":
        var_dir = _path("RETTIDIG_VAR_DIR", PROJECT_ROOT / "var")
        return cls(
            var_dir=var_dir,
            exports_dir=_path("RETTIDIG_EXPORTS_DIR", var_dir / "sample_exports"),
            warehouse=_path("RETTIDIG_WAREHOUSE", var_dir / "warehouse.duckdb"),
            serving=_path("RETTIDIG_SERVING", var_dir / "serving.duckdb"),
            reports_dir=_path("RETTIDIG_REPORTS_DIR", var_dir / "reports"),
            dagster_home=_path("DAGSTER_HOME", PROJECT_ROOT),
            as_of_date=os.environ.get("RETTIDIG_AS_OF_DATE") or None,
            ducklake=os.environ.get("RETTIDIG_DUCKLAKE") or None,
            ducklake_data_path=_location("RETTIDIG_DUCKLAKE_DATA_PATH", var_dir / "ducklake"),
        )


    def export(self) -> "Settings":
        """Put the settings into the environment, so that the Dagster instance, the code location,
        dbt's profiles.yml and any subprocess (the UI) all see the same values."""
        os.environ.update(
            {
                "RETTIDIG_EXPORTS_DIR": str(self.exports_dir),
                "RETTIDIG_WAREHOUSE": str(self.warehouse),
                "RETTIDIG_SERVING": str(self.serving),
                "RETTIDIG_REPORTS_DIR": str(self.reports_dir),
                "DAGSTER_HOME": str(self.dagster_home),
            }
        )
        os.environ.setdefault("RETTIDIG_DAGSTER_STORAGE", str(self.var_dir / "dagster" / "storage"))
        os.environ.setdefault("RETTIDIG_DAGSTER_COMPUTE_LOGS", str(self.var_dir / "dagster" / "logs"))
        if self.as_of_date:
            os.environ["RETTIDIG_AS_OF_DATE"] = self.as_of_date
        if self.ducklake:
            os.environ["RETTIDIG_DUCKLAKE"] = self.ducklake
            os.environ["RETTIDIG_DUCKLAKE_DATA_PATH"] = self.ducklake_data_path
        # dbt runs as a subprocess: find it beside this interpreter even when the venv is not activated
        bin_dir = str(Path(sys.executable).parent)
        if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        return self


# Environment variables a user may set, with what they mean (printed by `rettidig settings`).
ENVIRONMENT = {
    "RETTIDIG_EXPORTS_DIR": "the drop folder with the Kvantum exports (default var/sample_exports)",
    "RETTIDIG_WAREHOUSE": "the DuckDB file the pipeline writes (default var/warehouse.duckdb)",
    "RETTIDIG_SERVING": "the DuckDB file BI tools read, marts only (default var/serving.duckdb)",
    "RETTIDIG_REPORTS_DIR": "where follow-up reports are written (default var/reports)",
    "RETTIDIG_AS_OF_DATE": "compute the marts as of this date (YYYY-MM-DD); default the data watermark",
    "RETTIDIG_DUCKLAKE": "a DuckLake instead of the DuckDB file: ducklake:postgres:dbname=... host=... (docs/scale.md)",
    "RETTIDIG_DUCKLAKE_DATA_PATH": "the DuckLake's Parquet files (default var/ducklake)",
    "RETTIDIG_DUCKLAKE_KEEP_DAYS": "DuckLake snapshots younger than this are kept by the maintenance job (default 7)",
    "RETTIDIG_DAGSTER_POSTGRES_URL": "Dagster's storage in PostgreSQL, with DAGSTER_HOME=deploy/dagster-postgres",
    "RETTIDIG_VAR_DIR": "the folder for all of the above defaults (default var/)",
    "DAGSTER_HOME": "the folder holding dagster.yaml; default the project folder",
    "RETTIDIG_DAGSTER_STORAGE": "Dagster's run history and event log (default var/dagster/storage)",
    "RETTIDIG_DAGSTER_COMPUTE_LOGS": "Dagster's captured step logs (default var/dagster/logs)",
}
