"""A dbt build that fails, through the real Dagster job: what dbt built is still recorded, and the
step fails with one message naming the failed node, dbt's reason and the log to read."""

from __future__ import annotations

import re
from pathlib import Path

from dagster import AssetKey, DagsterInstance


def test_a_model_that_cannot_be_built_is_named_and_what_was_built_is_kept(pipeline_paths):
    from orchestration.cli import run_problems
    from orchestration.definitions import defs

    departments = AssetKey(["reference", "departments"])
    aging = AssetKey(["marts", "aging_by_department"])  # its input, marts.invoice_status, was never built
    job = defs.resolve_job_def("load_and_build")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, asset_selection=[departments, aging], raise_on_error=False)
    assert not result.success
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {departments}
    [problem] = run_problems(result)
    # the model first, with DuckDB's reason; then the tests of the marts it would have fed
    match = re.fullmatch(
        r"dbt_models: dbt failed on (?P<count>\d+) node\(s\): model aging_by_department: Catalog Error: Table with name "
        r'"intermediate\.int_invoice_state_as_of" does not exist because schema "intermediate" does not exist\.; '
        r"test (?P<tests>.*)\. A model that failed keeps its last good table, and what depends on it was not built\. "
        r"Fix the cause \(dbt's log: (?P<log>\S+)\) and run again\.",
        problem,
    )
    assert match, problem
    assert int(match["count"]) > 1 and "model" not in match["tests"]
    log = Path(match["log"]).read_text()
    assert Path(match["log"]).name == "dbt.log" and "aging_by_department" in log
    # the error is there, with dbt's reason, but not every statement: RETTIDIG_LOG_LEVEL is not DEBUG
    # (resources.dbt_file_log_level; tests/test_pipeline_e2e.py runs with DEBUG)
    assert '"level": "error"' in log and "Catalog Error" in log and '"level": "debug"' not in log
