"""dbt-duckdb plugin for the DuckLake target (dbt_project/profiles.yml, `plugins:`).

It runs before dbt-duckdb attaches the lake: autoinstall off and the DuckLake and PostgreSQL
extensions LOADed from the files their PyPI packages ship (orchestration/warehouse.py), so dbt
never downloads an extension either.
"""

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.warehouse import NO_DOWNLOADS, load_extensions


class Plugin(BasePlugin):
    def update_connection_config(self, creds, config):
        config.update(NO_DOWNLOADS)

    def configure_connection(self, conn):
        load_extensions(conn)
