"""The one `DbtProject` of the code location, built here and imported everywhere else."""

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# `dagster dev` (and `rettidig ui`) parse the dbt project on start; elsewhere the manifest is
# prepared explicitly (`rettidig prepare`, which the Makefile and the test session run).
dbt_project.prepare_if_dev()
