"""The one `DbtProject` of the code location, built here and imported everywhere else."""

import importlib.metadata
import os
import re
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject
from packaging import version

from orchestration.settings import DBT_PROJECT_DIR

# dbt beside this interpreter (the project's venv), found even when the venv is not activated
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


# A build's parameters reach dbt as environment variables (orchestration/resources.py,
# DbtCli.cli_with_parameters): the reporting date D and the months to close. What every build but
# the period close's passes for the close: no months to close.
NO_CLOSE = {"RETTIDIG_CLOSE_MONTH_FROM": "", "RETTIDIG_CLOSE_MONTH_TO": "", "RETTIDIG_FORCE_CLOSE": "false"}
# A plain build's: D is the data watermark, no month is closed. The manifest is parsed with these
# (ProjectPreparer), so that dbt's saved parse, which every invocation starts from, holds the values
# a daily build passes: dbt parses again the files whose environment variables changed since (two
# files, about 2.5 s of every run, when they were parsed with the variables unset).
PLAIN_BUILD_PARAMETERS = {"RETTIDIG_AS_OF_DATE": "", **NO_CLOSE}


@contextmanager
def dbt_parameters(parameters: Mapping[str, str]) -> Iterator[None]:
    """The parameters set in this process's environment while dbt is started (dagster-dbt copies
    the environment into dbt's process), and put back as they were afterwards."""
    saved = {name: os.environ.get(name) for name in parameters}
    os.environ.update(parameters)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# dagster-dbt gives every dbt invocation a folder of its own in the target folder, named
# <op>-<run id[:7]>-<random[:7]> (manifest, run results, compiled SQL, dbt.log: about 20 MB). The
# newest RUN_FOLDERS_KEPT stay for looking into a recent run; older ones go when a new one is made,
# so that daily runs do not fill the disk (7 GB a year).
RUN_FOLDERS_KEPT = 20
RUN_FOLDER = re.compile(r"^[A-Za-z0-9_]+-[0-9a-f]{7}-[0-9a-f]{7}$")


def prune_run_folders(target_dir: Path, keep: int = RUN_FOLDERS_KEPT) -> list[Path]:
    """Delete all but the `keep` newest run folders of `target_dir` (by modification time); the
    saved parse, the manifest and anything else there stay. The deleted folders."""
    if not target_dir.is_dir():
        return []
    runs = [p for p in target_dir.iterdir() if p.is_dir() and RUN_FOLDER.match(p.name)]
    runs.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return runs[keep:]


class VenvDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource for the venv's dbt (DBT_EXECUTABLE)."""

    def _get_unique_target_path(self, *, context) -> Path:  # extends dagster-dbt
        """dagster-dbt's folder for this invocation; the oldest run folders beside it are pruned,
        so that it is among the newest RUN_FOLDERS_KEPT."""
        path = super()._get_unique_target_path(context=context)
        # relative (DBT_TARGET_PATH unset: "target"): to the project folder, where dbt runs
        folder = path.parent if path.is_absolute() else Path(self.project_dir) / path.parent
        prune_run_folders(folder, keep=RUN_FOLDERS_KEPT - 1)
        return path

    @cached_property
    def _cli_version(self) -> version.Version:  # overrides dagster-dbt
        """The dbt-core installed beside this interpreter, which DBT_EXECUTABLE runs. dagster-dbt
        asks `dbt --version` before every invocation instead: a second dbt start-up (about 5 s)
        that also looks up the latest release on the internet."""
        return version.parse(importlib.metadata.version("dbt-core"))


class ProjectPreparer(DagsterDbtProjectPreparer):
    """`dbt parse` into the manifest, with the venv's dbt rather than whichever dbt is on PATH, and
    with a plain build's parameters (PLAIN_BUILD_PARAMETERS)."""

    def _prepare_manifest(self, project: DbtProject) -> None:
        with dbt_parameters(PLAIN_BUILD_PARAMETERS):
            VenvDbtCli(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
                self._prepare_project_cli_args, target_path=project.target_path
            ).wait()


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# `dagster dev` (and `rettidig ui`) parse the dbt project on start; elsewhere the manifest is
# prepared explicitly (`rettidig prepare`, which the Makefile and the test session run).
ProjectPreparer().prepare_if_dev(dbt_project)
