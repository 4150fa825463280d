"""dbt-duckdb plugin for both targets (dbt_project/profiles.yml, `plugins:`).

- The warehouse target: the profile names only the file (dbt's catalog name); the plugin points
  dbt at the file RETTIDIG_WAREHOUSE (Settings.warehouse) just before dbt-duckdb opens it, so that
  the profile, on which dbt keys its partial parsing, is the same for every warehouse folder.
- Every target: DuckDB's memory limit, temp folder and threads from the settings
  (RETTIDIG_MEMORY_LIMIT, RETTIDIG_TEMP_DIR, RETTIDIG_THREADS; Settings.duckdb_config), so that
  dbt's connections obey the same limits as the loader's.
- The DuckLake target (`config: {ducklake: true}`): before dbt-duckdb attaches the lake,
  autoinstall off and the DuckLake and PostgreSQL extensions LOADed from the files their PyPI
  packages ship (orchestration/warehouse.py), so dbt never downloads an extension either.
"""

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.settings import Settings
from orchestration.warehouse import NO_DOWNLOADS, load_extensions


class Plugin(BasePlugin):
    def initialize(self, plugin_config):
        self.ducklake = bool(plugin_config.get("ducklake"))

    def update_connection_config(self, creds, config):
        settings = Settings.from_env()
        config.update(settings.duckdb_config())
        if self.ducklake:
            config.update(NO_DOWNLOADS)
        else:
            creds.path = str(settings.warehouse)

    def configure_connection(self, conn):
        if self.ducklake:
            load_extensions(conn)
