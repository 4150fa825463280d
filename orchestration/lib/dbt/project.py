"""The one `DbtProject` of the code location, built here and imported everywhere else."""

import importlib.metadata
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject
from packaging import version

from orchestration.settings import DBT_PROJECT_DIR

# dbt beside this interpreter (the project's venv), found even when the venv is not activated
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


class VenvDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource for the venv's dbt (DBT_EXECUTABLE)."""

    @cached_property
    def _cli_version(self) -> version.Version:  # overrides dagster-dbt
        """The dbt-core installed beside this interpreter, which DBT_EXECUTABLE runs. dagster-dbt
        asks `dbt --version` before every invocation instead: a second dbt start-up (about 5 s)
        that also looks up the latest release on the internet."""
        return version.parse(importlib.metadata.version("dbt-core"))


class ProjectPreparer(DagsterDbtProjectPreparer):
    """`dbt parse` into the manifest, with the venv's dbt rather than whichever dbt is on PATH."""

    def _prepare_manifest(self, project: DbtProject) -> None:
        VenvDbtCli(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            self._prepare_project_cli_args, target_path=project.target_path
        ).wait()


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# `dagster dev` (and `rettidig ui`) parse the dbt project on start; elsewhere the manifest is
# prepared explicitly (`rettidig prepare`, which the Makefile and the test session run).
ProjectPreparer().prepare_if_dev(dbt_project)
