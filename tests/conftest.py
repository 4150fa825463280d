"""Shared fixtures: the dbt manifest is prepared once per session; every test that runs the
pipeline gets its own drop folder, warehouse and serving file under tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = SHARED / "contract" / "examples"


# Three tiers (Makefile):
# - `make test-quick` (pytest -m "not dbt and not slow"): the loader, the generator, the settings,
#   the calendar, the e-invoice reader, the definitions; nothing that starts dbt or runs the
#   pipeline. The inner loop, about a minute.
# - `make test` (pytest -m "not slow"): that plus what needs dbt (DBT_MODULES and tests marked
#   `dbt`): the report on hand-made marts, dbt's unit tests, and one whole run of the pipeline on a
#   small drop folder (materialize, close, report). About 5 minutes.
# - `make test-all` (everything; CI runs it): that plus the modules that run the pipeline many
#   times or start the UI or PostgreSQL (SLOW_MODULES), and the tests marked `slow`.
DBT_MODULES = {"test_pipeline_e2e", "test_report"}
SLOW_MODULES = {"test_ui", "test_cli_messy_drop", "test_rules_r14_r16_e2e", "test_einvoices_pipeline",
                "test_kill_and_rerun", "test_einvoices_e2e", "test_incremental",
                "test_ducklake", "test_dbt_failures"}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if module in DBT_MODULES:
            item.add_marker(pytest.mark.dbt)
        if module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def project_environment(tmp_path_factory) -> None:
    """Point every setting at a session folder before anything imports the Dagster definitions,
    and make sure the dbt manifest exists (`dbt parse`)."""
    var = tmp_path_factory.mktemp("var")
    os.environ["RETTIDIG_VAR_DIR"] = str(var)
    for name in ("RETTIDIG_EXPORTS_DIR", "RETTIDIG_WAREHOUSE", "RETTIDIG_SERVING", "RETTIDIG_REPORTS_DIR", "RETTIDIG_AS_OF_DATE",
                 "RETTIDIG_DUCKLAKE", "RETTIDIG_DUCKLAKE_DATA_PATH"):  # the DuckLake tests set their own
        os.environ.pop(name, None)
    os.environ["RETTIDIG_DAGSTER_STORAGE"] = str(var / "dagster" / "storage")
    os.environ["RETTIDIG_DAGSTER_COMPUTE_LOGS"] = str(var / "dagster" / "logs")
    Settings.from_env().export()
    from orchestration.cli import prepare_dbt_manifest

    prepare_dbt_manifest()


@pytest.fixture
def pipeline_paths(tmp_path, monkeypatch) -> Settings:
    """A drop folder, warehouse, serving file and reports folder of the test's own."""
    monkeypatch.setenv("RETTIDIG_EXPORTS_DIR", str(tmp_path / "drop"))
    monkeypatch.setenv("RETTIDIG_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("RETTIDIG_SERVING", str(tmp_path / "serving.duckdb"))
    monkeypatch.setenv("RETTIDIG_REPORTS_DIR", str(tmp_path / "reports"))
    (tmp_path / "drop").mkdir()
    return Settings.from_env().export()
