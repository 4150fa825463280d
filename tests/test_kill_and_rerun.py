"""A run killed hard (SIGKILL: an out-of-memory kill, a reboot, a closed SSH session) never wedges
the next one, and a reader of the serving file never sees an error or a half state.

`rettidig materialize` is killed during the load and during the dbt build, a publication is killed
while it writes, `rettidig close` is killed during the close; each next command finds the dead run,
says so in one line, frees what it held and finishes. The marts it leaves equal, cell by cell, those
of a warehouse built without interruption from the same files; the load log counts every file once.
SIGTERM cancels a run within seconds; a second command waits for a live run, saying for which, or
with --no-wait refuses at once, naming it.

Real processes, real kills: each command runs as its own `python -m orchestration.cli` process.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

MARTS = ("aging_by_department", "department_status", "escalation_list", "invoice_status", "manual_handling",
         "return_rate", "return_reasons", "supplier_errors", "timely_payment")


class Command:
    """A `rettidig` command in its own process, its console lines collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", *args], env=env, cwd=REPO,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None:
                self._reader.join(5)
                if text in self.output:
                    return
                pytest.fail(f"the command ended (exit {self.process.returncode}) before printing {text!r}:\n{self.output}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {text!r} within {timeout} s:\n{self.output}")
            time.sleep(0.05)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self._reader.join(5)

    def finish(self, timeout: float = 900) -> int:
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code


def run(args: list[str], env: dict[str, str]) -> Command:
    command = Command(args, env)
    command.finish()
    return command


def environment(root: Path, drop: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETTIDIG_")}
    env.update({
        "RETTIDIG_VAR_DIR": str(root),
        "RETTIDIG_EXPORTS_DIR": str(drop),
        "RETTIDIG_DAGSTER_STORAGE": str(root / "dagster" / "storage"),
        "RETTIDIG_DAGSTER_COMPUTE_LOGS": str(root / "dagster" / "logs"),
        "DAGSTER_HOME": str(REPO),
    })
    return env


def marts(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = {t: conn.execute(f"select * from marts.{t} order by all").fetchall() for t in MARTS}
        tables["period_close"] = conn.execute(
            "select * exclude (taken_at) from marts.period_close order by all").fetchall()
    return tables


def published_marts(serving: Path) -> list[str]:
    with duckdb.connect(str(serving), read_only=True) as bi:
        return [t for (t,) in bi.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()]


class ServingReader(threading.Thread):
    """Reads the serving file in a loop: every read either finds no file yet (nothing published) or
    a whole publication (every mart there, the invoice_status rows adding up)."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.stop, self.errors, self.reads, self.states = path, threading.Event(), [], 0, set()

    def run(self) -> None:
        while not self.stop.is_set():
            if not self.path.exists():
                time.sleep(0.05)
                continue
            try:
                with duckdb.connect(str(self.path), read_only=True) as bi:
                    tables = {r[0] for r in bi.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
                    missing = set(MARTS) - tables
                    if missing:
                        self.errors.append(f"half state: {sorted(missing)} missing")
                    rows = bi.execute("select count(*) from marts.invoice_status").fetchone()[0]
                    by_department = bi.execute("select sum(in_process) from marts.department_status").fetchone()[0]
                    self.states.add((rows, by_department))
                self.reads += 1
            except duckdb.Error as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.02)


@pytest.fixture(scope="module")
def drop(tmp_path_factory) -> Path:
    from orchestration.generator import generate

    # the data starts in 2023, before the period close's default first month (2024-01)
    folder = tmp_path_factory.mktemp("kill") / "drop"
    generate(folder, invoices_per_month=40, months=3, start=dt.date(2023, 11, 1), extracts="monthly", seed=3,
             progress=False)
    return folder


@pytest.fixture(scope="module")
def reference(tmp_path_factory, drop) -> dict[str, list[tuple]]:
    """The same files, built and closed without interruption."""
    root = tmp_path_factory.mktemp("reference")
    env = environment(root, drop)
    assert run(["materialize"], env).process.returncode == 0
    close = run(["close", "--all"], env)
    assert close.process.returncode == 0, close.output
    # closed from the data's first month all the same, saying which setting offers those months in the UI
    assert "Set RETTIDIG_PERIOD_CLOSE_START=2023-11 so that the UI and the schedule offer those months too." in close.output
    tables = marts(root / "warehouse.duckdb")
    assert sorted({row[0] for row in tables["period_close"]})[0] == dt.date(2023, 11, 1)
    return tables


def test_killed_runs_are_reaped_and_the_rerun_equals_an_uninterrupted_run(tmp_path, drop, reference):
    env = environment(tmp_path, drop)
    reader = ServingReader(tmp_path / "serving.duckdb")
    reader.start()
    try:
        # 1. killed during the load: one source loaded, the others not yet
        first = Command(["materialize"], env)
        first.wait_for("load brugere")
        first.kill()

        # 2. the next one finds the dead run, frees the warehouse, and is killed during the dbt build
        second = Command(["materialize"], env)
        second.wait_for("nodes to build and test")
        time.sleep(3)
        second.kill()
        assert "whose process is gone: marked it failed and freed the warehouse" in second.output

        # 3. the next one goes through
        third = run(["materialize"], env)
        assert third.process.returncode == 0, third.output
        assert "whose process is gone" in third.output
        assert f"publish: {len(published_marts(tmp_path / 'serving.duckdb'))} marts to" in third.output

        # 4. the close killed halfway, then taken again
        close = Command(["close", "--all"], env)
        close.wait_for("period close (dbt)")
        time.sleep(2)
        close.kill()
        again = run(["close", "--all"], env)
        assert again.process.returncode == 0, again.output
        assert "whose process is gone" in again.output
    finally:  # a failed step must not leave the reader running into interpreter exit
        reader.stop.set()
        reader.join(10)
    assert reader.errors == []
    assert reader.reads > 0

    assert marts(tmp_path / "warehouse.duckdb") == reference
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        # every export file loaded exactly once, whatever the kills interrupted
        assert conn.execute(
            "select count(*) filter (where n <> 1) from (select file_name, count(*) as n from raw.load_log "
            "where status = 'loaded' group by file_name)").fetchone() == (0,)
        assert conn.execute("select count(distinct file_name) from raw.load_log where status = 'loaded'").fetchone() == (
            len(list(drop.glob("*.csv"))),)
    # nothing the killed runs started is still running
    leftovers = subprocess.run(["pgrep", "-f", f"RETTIDIG_RUN_OWNER"], capture_output=True, text=True).stdout
    assert str(first.process.pid) not in leftovers and str(second.process.pid) not in leftovers


def test_a_publication_killed_while_it_writes_leaves_the_serving_file_as_it_was(tmp_path):
    """The publication writes a new file beside the serving file and renames it over; killed while
    it writes, the serving file is the previous publication and the next publication succeeds."""
    warehouse, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema marts")
        conn.execute("create table marts.small as select 1 as version")
    script = (
        "import duckdb, sys; from orchestration.serving import publish_marts; "
        "conn = duckdb.connect(sys.argv[1]); print(publish_marts(conn, sys.argv[2]), flush=True)"
    )
    subprocess.run([sys.executable, "-c", script, str(warehouse), str(serving)], check=True, cwd=REPO)
    with duckdb.connect(str(warehouse)) as conn:  # a new state, large enough to take a while to copy
        conn.execute("create or replace table marts.small as select 2 as version")
        conn.execute("create table marts.large as select range as i, md5(range::varchar) as h from range(8000000)")
    publishing = subprocess.Popen([sys.executable, "-c", script, str(warehouse), str(serving)], cwd=REPO)
    deadline = time.monotonic() + 300
    while not list(tmp_path.glob(".s.duckdb.*.publishing")):
        assert publishing.poll() is None, "the publication ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.5)
    publishing.send_signal(signal.SIGKILL)
    publishing.wait(30)
    with duckdb.connect(str(serving), read_only=True) as bi:
        assert bi.execute("select version from marts.small").fetchall() == [(1,)]
        assert bi.execute("select count(*) from duckdb_tables() where table_name = 'large'").fetchone() == (0,)
    # the next publication succeeds and clears what the killed one left
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("drop table marts.large")
    subprocess.run([sys.executable, "-c", script, str(warehouse), str(serving)], check=True, cwd=REPO)
    with duckdb.connect(str(serving), read_only=True) as bi:
        assert bi.execute("select version from marts.small").fetchall() == [(2,)]
    assert not list(tmp_path.glob(".s.duckdb.*.publishing"))


def test_sigterm_cancels_a_run_and_a_second_command_waits_or_refuses(tmp_path, drop, reference):
    env = environment(tmp_path, drop)
    assert run(["materialize"], env).process.returncode == 0

    # a close in progress: --no-wait refuses at once, naming it; without it, the command waits
    busy = Command(["close", "--all", "--force"], env)
    busy.wait_for("period close (dbt)")
    refused = run(["materialize", "--no-wait"], env)
    assert refused.process.returncode == 3, refused.output
    assert "period_close" in refused.output and "is writing the warehouse" in refused.output
    waiting = Command(["close", "--month", "2023-12"], env)
    waiting.wait_for("Waiting for run")
    assert busy.finish() == 0, busy.output
    assert waiting.finish() == 0, waiting.output

    # SIGTERM during the dbt build: canceled within seconds, the warehouse free for the next run
    term = Command(["materialize"], env)
    term.wait_for("nodes to build and test")
    time.sleep(2)
    started = time.monotonic()
    term.process.send_signal(signal.SIGTERM)
    assert term.finish(120) == 130, term.output
    assert time.monotonic() - started < 60
    assert "was interrupted: marked canceled" in term.output
    assert "Interrupted" in term.output
    after = run(["materialize", "--no-wait"], env)
    assert after.process.returncode == 0, after.output
    assert "whose process is gone" not in after.output
    assert marts(tmp_path / "warehouse.duckdb")["invoice_status"] == reference["invoice_status"]
