"""The real Dagster UI: `rettidig ui` (= `dagster dev -m orchestration.definitions`) as a subprocess
on a small generated drop folder, asked through the webserver's own GraphQL endpoint what the
browser shows: one asset lineage from raw to serving, the checks on their assets, the sensor and
schedules, the monthly partitions of the period close, and a run of `load_and_build` launched the
way the Launchpad launches it (with an as-of date in its run config), which must succeed and fill
the warehouse.

One server for the module (starting it costs most of the time); the run test comes last.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

PER_MONTH, MONTHS = 60, 3
AS_OF = "2024-03-15"  # given in the run config, as a user types it into the Launchpad
SERVER_TIMEOUT = 300  # seconds until /server_info answers and the code location is loaded (dagster dev parses
# the dbt project first: a minute on a busy 2-core machine)
RUN_TIMEOUT = 240  # seconds for the launched run to finish
LOCATION = "rettidig"  # the code location name in pyproject.toml ([tool.dagster]), as plain `dagster dev` loads it
REPOSITORY = "__repository__"
GROUPS = {"raw", "reference", "staging", "intermediate", "marts", "reporting", "serving", "reports"}
RAW_SOURCES = {"fakturaer", "fakturahaendelser", "brugere", "indkoebsordrer", "leverandoerer", "varemodtagelser", "udlaeg"}
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ui_command(port: int) -> list[str]:
    """`dagster dev` itself, as a Dagster user types it in the project folder: the code location
    comes from pyproject.toml, the instance from dagster.yaml and `.env` (no variable set by hand)."""
    return [sys.executable, "-m", "dagster", "dev", "-h", "127.0.0.1", "-p", str(port)]


class DagsterUI:
    def __init__(self, port: int, process: subprocess.Popen, log: Path, warehouse: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.process, self.log, self.warehouse = process, log, warehouse

    def output(self, chars: int = 8000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def get(self, path: str, timeout: float = 10) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            return response.read()

    def gql(self, query: str, variables: dict | None = None, timeout: float = 120) -> dict:
        """POST a GraphQL query to the webserver; its `data`, or fail with its errors."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            self.url + "/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = json.load(response)
        except urllib.error.HTTPError as error:
            raise AssertionError(f"GraphQL HTTP {error.code}: {error.read()[:2000]!r}") from None
        assert not payload.get("errors"), payload["errors"]
        return payload["data"]

    def stop(self) -> None:
        """End the whole process group (rettidig, dagster dev, webserver, daemon, code server, runs)."""
        if self.process.poll() is None or _group_alive(self.process.pid):
            for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + grace
                while time.monotonic() < deadline and _group_alive(self.process.pid):
                    time.sleep(0.2)
                if not _group_alive(self.process.pid):
                    break
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a group whose only members are zombies of ours still answers; reap what we can
    try:
        os.waitpid(-pgid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def wait_until_ready(ui: DagsterUI) -> None:
    """/server_info answers, then the code location is loaded (dagster dev loads it on start)."""
    deadline = time.monotonic() + SERVER_TIMEOUT
    while True:
        if ui.process.poll() is not None:
            pytest.fail(f"`rettidig ui` exited with {ui.process.returncode}:\n{ui.output()}")
        try:
            info = json.loads(ui.get("/server_info", timeout=5))
            status = ui.gql("{ locationStatusesOrError { __typename ... on WorkspaceLocationStatusEntries "
                            "{ entries { name loadStatus } } } }", timeout=10)
            entries = status["locationStatusesOrError"].get("entries", [])
            if any(e["name"] == LOCATION and e["loadStatus"] == "LOADED" for e in entries):
                assert info.get("dagster_webserver_version"), info
                return
        except (OSError, AssertionError, ValueError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the Dagster UI did not answer within {SERVER_TIMEOUT} s:\n{ui.output()}")
        time.sleep(1)


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    from orchestration.generator import generate

    root = tmp_path_factory.mktemp("ui")
    generate(root / "drop", invoices_per_month=PER_MONTH, months=MONTHS, start=dt.date(2024, 1, 1), progress=False)
    env = dict(os.environ)  # the session's settings (conftest): DAGSTER_HOME, RETTIDIG_VAR_DIR, ...
    env.update(
        RETTIDIG_EXPORTS_DIR=str(root / "drop"),
        RETTIDIG_WAREHOUSE=str(root / "warehouse.duckdb"),
        RETTIDIG_SERVING=str(root / "serving.duckdb"),
        RETTIDIG_REPORTS_DIR=str(root / "reports"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("RETTIDIG_AS_OF_DATE", None)
    # Dagster's own instance settings come from the project's .env, as for a user in this folder
    for name in ("DAGSTER_HOME", "RETTIDIG_DAGSTER_STORAGE", "RETTIDIG_DAGSTER_COMPUTE_LOGS"):
        env.pop(name, None)
    env["PWD"] = str(REPO)  # as a shell sets it in the project folder (.env reads it)
    port = free_port()
    log = root / "ui.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ui_command(port), env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,  # its own process group, ended below
        )
    server = DagsterUI(port, process, log, root / "warehouse.duckdb")
    try:
        wait_until_ready(server)
        yield server
    finally:
        server.stop()


ASSET_NODES = """
{ assetNodes { assetKey { path } groupName isAutoCreatedStub dependencyKeys { path } jobNames
    isPartitioned partitionDefinition { type description } partitionKeys
    assetChecksOrError { __typename ... on AssetChecks { checks { name blocking } } } } }
"""


@pytest.fixture(scope="module")
def asset_nodes(ui) -> dict[str, dict]:
    nodes = ui.gql(ASSET_NODES)["assetNodes"]
    return {"/".join(node["assetKey"]["path"]): node for node in nodes}


def upstream(nodes: dict[str, dict], key: str) -> set[str]:
    seen, todo = set(), [key]
    while todo:
        for dep in nodes[todo.pop()]["dependencyKeys"]:
            name = "/".join(dep["path"])
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def check_names(node: dict) -> set[str]:
    checks = node["assetChecksOrError"]
    assert checks["__typename"] == "AssetChecks", checks
    return {check["name"] for check in checks["checks"]}


# ---------------------------------------------------------------------------------------------
def test_server_answers(ui):
    info = json.loads(ui.get("/server_info"))
    assert info["dagster_webserver_version"] and info["dagster_version"]
    # the app itself (what the browser loads) is served too
    assert b"<html" in ui.get("/").lower()


def test_code_location_loads_with_its_jobs(ui):
    data = ui.gql("""{ repositoriesOrError { __typename ... on PythonError { message }
        ... on RepositoryConnection { nodes { name location { name } jobs { name } } } } }""")
    repositories = data["repositoriesOrError"]
    assert repositories["__typename"] == "RepositoryConnection", repositories
    (repository,) = repositories["nodes"]
    assert (repository["name"], repository["location"]["name"]) == (REPOSITORY, LOCATION)
    jobs = {job["name"] for job in repository["jobs"]}
    assert {"load_and_build", "month_end_close", "period_close", "follow_up_report"} <= jobs


def test_asset_graph_is_one_lineage(asset_nodes):
    nodes = asset_nodes
    groups = {node["groupName"] for node in nodes.values()}
    assert GROUPS <= groups, f"groups in the UI: {sorted(groups)}"
    for source in RAW_SOURCES:
        assert nodes[f"raw/{source}"]["groupName"] == "raw"
    assert "raw/fakturahaendelser" in {
        "/".join(d["path"]) for d in nodes["staging/stg_kvantum__invoice_events"]["dependencyKeys"]
    }
    assert nodes["staging/stg_kvantum__invoice_events"]["groupName"] == "staging"
    # every dependency is a defined asset (no stray source/stub nodes beside the raw layer)
    stubs = [key for key, node in nodes.items() if node["isAutoCreatedStub"]]
    assert not stubs, f"auto-created stub assets: {stubs}"
    dangling = {
        "/".join(dep["path"]) for node in nodes.values() for dep in node["dependencyKeys"]
    } - set(nodes)
    assert not dangling, f"dependencies that are not assets of the code location: {sorted(dangling)}"
    # the marts are downstream of staging, and staging of raw: raw -> staging -> intermediate -> marts
    invoice_status = upstream(nodes, "marts/invoice_status")
    assert nodes["marts/invoice_status"]["groupName"] == "marts"
    assert {"staging/stg_kvantum__invoices", "staging/stg_kvantum__invoice_events", "raw/fakturaer",
            "raw/fakturahaendelser"} <= invoice_status
    assert any(key.startswith("intermediate/") for key in invoice_status)
    assert {"marts/invoice_status", "marts/period_close"} <= upstream(nodes, "serving/bi_marts")
    assert nodes["serving/bi_marts"]["groupName"] == "serving"
    assert "marts/invoice_status" in upstream(nodes, "reports/follow_up_report")
    # ONE lineage: the graph (edges taken both ways) is connected
    neighbours = {key: set() for key in nodes}
    for key, node in nodes.items():
        for dep in node["dependencyKeys"]:
            neighbours[key].add("/".join(dep["path"]))
            neighbours["/".join(dep["path"])].add(key)
    reached, todo = {"raw/fakturaer"}, ["raw/fakturaer"]
    while todo:
        for other in neighbours[todo.pop()] - reached:
            reached.add(other)
            todo.append(other)
    assert reached == set(nodes), f"not connected to raw/fakturaer: {sorted(set(nodes) - reached)}"
    assert "load_and_build" in nodes["marts/invoice_status"]["jobNames"]


def test_asset_checks_are_attached(asset_nodes):
    raw_checks = check_names(asset_nodes["raw/fakturaer"])
    assert {"files_reconcile", "no_rejected_files", "no_quarantined_rows"} <= raw_checks
    for source in RAW_SOURCES:
        assert "files_reconcile" in check_names(asset_nodes[f"raw/{source}"])
    # dbt tests are asset checks on the models they test
    mart_checks = check_names(asset_nodes["marts/invoice_status"])
    assert any(name.startswith("accepted_values_invoice_status_") for name in mart_checks), mart_checks
    assert any(name.startswith("unique") and "invoice_status" in name for name in mart_checks), mart_checks
    # staging and intermediate tests are the development tier (tag:development): they run in
    # `make test`, not in production builds, so they are not checks in the UI
    assert check_names(asset_nodes["staging/stg_kvantum__invoice_events"]) == set()


def test_sensor_and_schedules_are_listed(ui):
    selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}
    data = ui.gql(
        """query($selector: RepositorySelector!) { repositoryOrError(repositorySelector: $selector) {
            __typename ... on PythonError { message }
            ... on Repository {
              sensors { name minIntervalSeconds defaultStatus sensorState { status } targets { pipelineName } }
              schedules { name cronSchedule executionTimezone pipelineName scheduleState { status }
                          futureTicks(limit: 2) { results { timestamp } } } } } }""",
        {"selector": selector},
    )
    repository = data["repositoryOrError"]
    assert repository["__typename"] == "Repository", repository
    sensors = {sensor["name"]: sensor for sensor in repository["sensors"]}
    sensor = sensors["drop_folder_sensor"]
    assert [t["pipelineName"] for t in sensor["targets"]] == ["load_and_build"]
    assert sensor["defaultStatus"] == "STOPPED" and sensor["sensorState"]["status"] == "STOPPED"
    schedules = {schedule["name"]: schedule for schedule in repository["schedules"]}
    assert schedules["month_end_close_schedule"]["pipelineName"] == "month_end_close"
    assert schedules["follow_up_report_schedule"]["pipelineName"] == "follow_up_report"
    now = time.time()
    for name in ("month_end_close_schedule", "follow_up_report_schedule"):
        schedule = schedules[name]
        assert schedule["executionTimezone"] == "Europe/Copenhagen"
        ticks = [tick["timestamp"] for tick in schedule["futureTicks"]["results"]]
        assert len(ticks) == 2 and now < ticks[0] < ticks[1], (name, ticks, now)
        assert ticks[0] - now < 35 * 86400, (name, ticks)  # both tick at least monthly


def test_period_close_is_partitioned_monthly(asset_nodes):
    node = asset_nodes["marts/period_close"]
    assert node["isPartitioned"]
    assert node["partitionDefinition"]["type"] == "TIME_WINDOW"
    assert node["partitionDefinition"]["description"].startswith("Monthly"), node["partitionDefinition"]
    months = [dt.date.fromisoformat(key) for key in node["partitionKeys"]]
    assert len(months) >= 2 and all(month.day == 1 for month in months)
    for earlier, later in zip(months, months[1:]):
        assert (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) == 1
    assert not asset_nodes["marts/invoice_status"]["isPartitioned"]


RUN_STATUS = """query($runId: ID!) { runOrError(runId: $runId) { __typename
    ... on Run { status jobName } ... on PythonError { message } ... on RunNotFoundError { message } } }"""

RUN_FAILURES = """query($runId: ID!) { logsForRun(runId: $runId, limit: 5000) { __typename
    ... on EventConnection { events { __typename
      ... on ExecutionStepFailureEvent { stepKey message error { message causes { message } } }
      ... on RunFailureEvent { message } } } } }"""


def test_launchpad_run_of_load_and_build_succeeds(ui):
    """What the Launchpad's "Launch run" button does: the `launchRun` mutation, here with the as-of
    date in the run config (docs/ui.md)."""
    params = {
        "selector": {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "jobName": "load_and_build"},
        "runConfigData": {"ops": {"dbt_models": {"config": {"as_of_date": AS_OF}}}},
        "executionMetadata": {"tags": [{"key": "rettidig/test", "value": "test_ui"}]},
    }
    launched = ui.gql(
        """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
            ... on LaunchRunSuccess { run { runId status } }
            ... on RunConfigValidationInvalid { errors { message } }
            ... on PythonError { message stack } ... on InvalidSubsetError { message }
            ... on PipelineNotFoundError { message } ... on UnauthorizedError { message } } }""",
        {"params": params},
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]

    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run = ui.gql(RUN_STATUS, {"runId": run_id})["runOrError"]
        assert run["__typename"] == "Run", run
        if run["status"] in TERMINAL:
            break
        assert time.monotonic() < deadline, f"run {run_id} still {run['status']} after {RUN_TIMEOUT} s:\n{ui.output()}"
        time.sleep(2)
    if run["status"] != "SUCCESS":
        events = ui.gql(RUN_FAILURES, {"runId": run_id})["logsForRun"].get("events", [])
        failures = [json.dumps(e, ensure_ascii=False) for e in events if e.get("__typename", "").endswith("FailureEvent")]
        pytest.fail(f"run {run_id} ended {run['status']}:\n" + "\n".join(failures) + f"\n{ui.output(4000)}")
    assert run["jobName"] == "load_and_build"

    # the raw checks ran in that run and the UI shows their result
    checks = ui.gql(
        """{ assetNodeOrError(assetKey: {path: ["raw", "fakturaer"]}) { ... on AssetNode {
            assetCheckOrError(checkName: "files_reconcile") { __typename
              ... on AssetCheck { executionForLatestMaterialization { runId status } } } } } }"""
    )["assetNodeOrError"]["assetCheckOrError"]
    assert checks["executionForLatestMaterialization"] == {"runId": run_id, "status": "SUCCEEDED"}, checks

    # the warehouse file the UI's run wrote holds the marts
    deadline = time.monotonic() + 30
    while True:  # the run worker may hold the file a moment after reporting success
        try:
            with duckdb.connect(str(ui.warehouse), read_only=True) as conn:
                rows, invoices = conn.execute(
                    "select count(*), count(distinct invoice_id) from marts.invoice_status"
                ).fetchone()
                as_of_dates = conn.execute("select distinct as_of_date from marts.invoice_status").fetchall()
            break
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    assert rows > 0 and invoices > 0
    assert as_of_dates == [(dt.date.fromisoformat(AS_OF),)]  # the Launchpad's as-of date reached dbt
