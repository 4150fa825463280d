"""The resources every asset uses. Locations are read from the environment when a run starts
(`EnvVar`), so the CLI, the UI and the tests each point the same definitions at their own files;
orchestration/settings.py fills in the defaults.
"""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource

from orchestration.lib.dbt.project import dbt_project
from orchestration.settings import Settings
from orchestration.warehouse_dagster import WarehouseResource


class DropFolder(ConfigurableResource):
    """The folder the ERP drops its exports into (EXPORTS.md)."""

    path: str

    @property
    def folder(self) -> Path:
        return Path(self.path)


def build_resources() -> dict:
    # Make sure every variable has a value (the defaults under var/) before a run resolves them.
    Settings.from_env().export()
    return {
        # the DuckDB file, or the DuckLake when RETTIDIG_DUCKLAKE is set (orchestration/warehouse.py)
        "duckdb": WarehouseResource(database=EnvVar("RETTIDIG_WAREHOUSE")),
        "drop_folder": DropFolder(path=EnvVar("RETTIDIG_EXPORTS_DIR")),
        # dbt's profiles.yml reads RETTIDIG_WAREHOUSE too: one setting, two readers.
        "dbt": DbtCliResource(project_dir=dbt_project),
    }
