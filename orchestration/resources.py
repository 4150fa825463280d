"""The resources every asset uses, built without side effects.

Locations are not fixed when the definitions load: each resource reads the settings
(orchestration/settings.py) when a run starts, so the CLI, the UI and the tests each point the same
definitions at their own files. The warehouse resource also records which process executes the
run and reaps runs whose process died (orchestration/runs.py) before this run waits for the
warehouse.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, Failure, InitResourceContext
from dagster_dbt import DbtCliInvocation
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration.lib.dbt.project import DBT_EXECUTABLE, VenvDbtCli, dbt_parameters, dbt_project
from orchestration.settings import Settings


class SettingsResource(ConfigurableResource):
    """The pipeline's settings (RETTIDIG_* environment variables), read and validated when used."""

    @property
    def current(self) -> Settings:
        return Settings.from_env()


class DropFolder(ConfigurableResource):
    """The folder the ERP drops its exports into (EXPORTS.md). Empty: RETTIDIG_EXPORTS_DIR."""

    path: str = Field(default="", description="The drop folder; empty = the setting RETTIDIG_EXPORTS_DIR.")

    @property
    def folder(self) -> Path:
        return Path(self.path) if self.path else Settings.from_env().exports_dir


LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>\S+) \(PID (?P<pid>\d+)\)")


class WarehouseResource(DuckDBResource):
    """The warehouse DuckDB file. Empty `database`: the setting RETTIDIG_WAREHOUSE."""

    database: str = Field(default="", description="The DuckDB file; empty = the setting RETTIDIG_WAREHOUSE.")

    @property
    def path(self) -> Path:
        return Path(self.database) if self.database else Settings.from_env().warehouse

    def setup_for_execution(self, context: InitResourceContext) -> None:
        """Every run that writes the warehouse starts here: it records which process executes it,
        hands the settings to the processes it starts (dbt reads the warehouse from its environment,
        with this process's token so that an orphan can be found), and reaps runs whose process died
        so that their pool slots are free before this run waits for one."""
        from orchestration import runs

        os.environ.update({**Settings.from_env().environment(), **runs.owner_environment()})
        run = context.dagster_run
        if context.instance is None or run is None:
            return
        if run.tags.get(runs.PID_TAG) != str(os.getpid()):
            context.instance.add_run_tags(run.run_id, runs.owner_tags())
        for line in runs.reap_dead_runs(context.instance, exclude=[run.run_id]):
            context.log.warning(line)

    @contextmanager
    def get_connection(self, checkpoint: bool = False):
        """A connection to the warehouse. The DuckDB file's connection leaves what it wrote in DuckDB's
        write-ahead log (the file's `.wal`, as durable as the file) when it closes, unless
        `checkpoint`: a checkpoint rewrites the metadata of every table written, about 0.3 s per
        connection at 10M invoices whatever it wrote (2.2 s for a day's seven raw loads;
        docs/architecture.md, "Checkpoints"). The run's dbt build and its publication (the last
        writer, `checkpoint=True`) checkpoint once for all, and leave the file without a log."""
        from orchestration.warehouse import Warehouse, WarehouseError, connect

        warehouse = Warehouse.from_env()
        if warehouse.is_ducklake and not self.database:  # the lake, attached as `lake` and in use
            try:
                conn = connect(warehouse=warehouse)
            except WarehouseError as exc:
                raise Failure(description=str(exc)) from None
            try:
                yield conn
            finally:
                conn.close()
            return
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = duckdb.connect(
                str(path),
                config={"custom_user_agent": "rettidig", **Settings.from_env().duckdb_config(), **self.connection_config},
            )
        except duckdb.IOException as exc:
            holder = LOCK_HOLDER.search(str(exc))
            who = f"process {holder['pid']} ({Path(holder['program']).name})" if holder else "another process"
            raise Failure(
                description=(
                    f"The warehouse {path} is in use by {who}: a DuckDB file has one writer. If it is a BI "
                    "tool or a notebook, point it at the serving file instead (docs/bi.md) and run again; "
                    "if it is another run, wait for it to finish."
                )
            ) from None
        try:
            if not checkpoint:
                conn.execute("pragma disable_checkpoint_on_shutdown")
            yield conn
        finally:
            conn.close()


class DbtCli(VenvDbtCli):
    """dagster-dbt's dbt resource without its in-process dbt adapter handle.

    The project reads row counts and column docs itself after dbt exits (lib/dbt/metadata.py), so
    the handle is not needed; making it imports dbt into the run's process for seconds, and
    dagster-dbt wraps that in a bare `except:` that swallows the interrupt of a Ctrl-C or SIGTERM
    arriving meanwhile (the run would then go on to the end)."""

    def _initialize_dbt_core_adapter(self, args):  # noqa: D401 - overrides dagster-dbt
        return None

    def cli_with_parameters(self, args: list[str], parameters: Mapping[str, str], *, context) -> DbtCliInvocation:
        """`dbt <args>` with the run's parameters (the reporting date, the months to close) given to
        dbt as environment variables, the defaults of the dbt vars that read them.

        Not as `--vars`: dbt keys its partial parsing on the command-line vars, so a run with other
        vars than the prepared manifest's would parse the whole project again (about 10 s more per
        invocation); an environment variable reparses only the models that read it. dagster-dbt
        copies this process's environment when it starts dbt, so the parameters are set for that
        moment only.

        dbt's own log file (dbt.log in the invocation's target folder) holds what dbt prints (each
        node's start and result, errors) and, with RETTIDIG_LOG_LEVEL=DEBUG, every statement it
        sends to DuckDB (dbt_file_log_level).

        RETTIDIG_DBT_THREADS, when set, replaces the profile's two dbt threads (`--threads`, which
        dbt does not key its parsing on): one thread gives each model the whole memory limit, for
        a large warehouse under a small limit (docs/parameters.md)."""
        settings = Settings.from_env()
        if settings.dbt_threads:
            args = [*args, "--threads", str(settings.dbt_threads)]
        with dbt_parameters({**parameters, "DBT_LOG_LEVEL_FILE": dbt_file_log_level(settings)}):
            return self.cli(args, context=context)


def dbt_file_log_level(settings: Settings) -> str:
    """dbt's log file level: `debug` (every statement dbt sends to DuckDB, with its SQL) only when
    RETTIDIG_LOG_LEVEL is DEBUG, else `info`. At debug, formatting and writing those events took
    about a tenth of dbt's own CPU in a daily run (10 MB of log, the size at which dbt starts
    another file); the compiled SQL of every node is in the invocation's folder either way."""
    return "debug" if settings.log_level == "DEBUG" else "info"


def build_resources() -> dict:
    return {
        "settings": SettingsResource(),
        "duckdb": WarehouseResource(),
        "drop_folder": DropFolder(),
        # dbt is found beside this interpreter (the project's venv) even when the venv is not
        # activated; its profiles.yml reads the warehouse setting from the environment.
        "dbt": DbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
