"""The resources every asset uses, built from orchestration.settings."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.lib.dbt.project import dbt_project
from orchestration.settings import Settings


class DropFolder(ConfigurableResource):
    """The folder the ERP drops its exports into (EXPORTS.md)."""

    path: str

    @property
    def folder(self) -> Path:
        return Path(self.path)


def build_resources(settings: Settings | None = None) -> dict:
    settings = settings or Settings.from_env()
    # dbt's profiles.yml reads the warehouse path from the environment: one setting, two readers.
    os.environ["RETTIDIG_WAREHOUSE"] = str(settings.warehouse)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return {
        "duckdb": DuckDBResource(database=str(settings.warehouse)),
        "drop_folder": DropFolder(path=str(settings.exports_dir)),
        "dbt": DbtCliResource(project_dir=dbt_project),
    }
