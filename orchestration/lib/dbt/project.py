"""The one `DbtProject` of the code location, built here and imported everywhere else."""

import sys
from pathlib import Path

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject

from orchestration.settings import DBT_PROJECT_DIR

# dbt beside this interpreter (the project's venv), found even when the venv is not activated
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


class ProjectPreparer(DagsterDbtProjectPreparer):
    """`dbt parse` into the manifest, with the venv's dbt rather than whichever dbt is on PATH."""

    def _prepare_manifest(self, project: DbtProject) -> None:
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            self._prepare_project_cli_args, target_path=project.target_path
        ).wait()


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# `dagster dev` (and `rettidig ui`) parse the dbt project on start; elsewhere the manifest is
# prepared explicitly (`rettidig prepare`, which the Makefile and the test session run).
ProjectPreparer().prepare_if_dev(dbt_project)
