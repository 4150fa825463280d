"""Runs that died, and runs that are alive: what keeps one killed run from wedging the next.

Every run records which process executes it (run tags `rettidig/pid`, `rettidig/process_start`,
`rettidig/host`), from the `settings` resource when the run starts, whether the CLI, the UI or the
daemon launched it. A run still marked in progress whose process is gone died without a word
(SIGKILL, out of memory, power loss): `reap_dead_runs` marks it failed with the reason, frees the
pool slots it held (Dagster's concurrency API) and ends what it left running (a dbt process that
outlived it and would hold the DuckDB file's lock). Every `rettidig` command, every run (when its
resources start) and every schedule and sensor evaluation reaps first, so nothing stays stuck.

Plain functions around the Dagster instance; no module state.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

PID_TAG = "rettidig/pid"
PROCESS_START_TAG = "rettidig/process_start"
HOST_TAG = "rettidig/host"
# Inherited by every process a run starts (dbt): how an orphan is recognised after a hard kill.
OWNER_ENV = "RETTIDIG_RUN_OWNER"
# Runs that are in progress but have not started executing (queued, starting) have no owner yet.
WAITING_STATUSES = (DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING)


def process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), which tells a
    live process from a later one that reuses its pid. None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its closing ')'
    return stat[stat.rindex(")") + 2 :].split()[19]


def owner_token(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{process_start(pid)}"


def owner_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), PROCESS_START_TAG: str(process_start(os.getpid())), HOST_TAG: socket.gethostname()}


def owner_environment() -> dict[str, str]:
    """Set in the run's process so that the processes it starts carry the owner's token."""
    return {OWNER_ENV: owner_token()}


@dataclass(frozen=True)
class RunLiveness:
    run_id: str
    job_name: str
    status: str
    alive: bool | None  # None: executed on another host, or not started yet: cannot tell here
    pid: int | None
    started: float | None

    def describe(self) -> str:
        when = time.strftime("%H:%M:%S", time.localtime(self.started)) if self.started else "not started yet"
        where = f", process {self.pid}" if self.pid else ""
        return f"run {self.run_id[:8]} ({self.job_name}, {self.status.lower()} since {when}{where})"


def liveness(instance: DagsterInstance, run) -> RunLiveness:
    tags = run.tags
    pid = int(tags[PID_TAG]) if tags.get(PID_TAG, "").isdigit() else None
    record = instance.get_run_record_by_id(run.run_id)
    started = record.start_time if record else None
    if pid is None or tags.get(HOST_TAG) != socket.gethostname():
        alive = None
    else:
        alive = process_start(pid) == tags.get(PROCESS_START_TAG)
    return RunLiveness(run.run_id, run.job_name, run.status.value, alive, pid, started)


def runs_in_progress(instance: DagsterInstance, exclude: Iterable[str] = ()) -> list[RunLiveness]:
    skip = set(exclude)
    runs = instance.get_runs(filters=RunsFilter(statuses=list(IN_PROGRESS_RUN_STATUSES)))
    return [liveness(instance, run) for run in runs if run.run_id not in skip]


def kill_orphans(token: str) -> list[int]:
    """End the processes a dead run left behind (they carry its owner token in their environment)."""
    needle = f"{OWNER_ENV}={token}".encode()
    killed = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            try:
                os.kill(int(proc.name), signal.SIGKILL)
                killed.append(int(proc.name))
            except ProcessLookupError:
                pass
    return killed


def free_slots_of_finished_runs(instance: DagsterInstance) -> list[str]:
    """Pool slots still claimed by runs that are no longer in progress (a run whose process died
    after it was marked failed or canceled): free them."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    freed = []
    for run_id in storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run is None or run.status not in IN_PROGRESS_RUN_STATUSES:
            storage.free_concurrency_slots_for_run(run_id)
            freed.append(run_id)
    return freed


def reap_dead_runs(instance: DagsterInstance, exclude: Iterable[str] = ()) -> list[str]:
    """Mark every run whose process is gone as failed, free its pool slots and end its orphans.
    Returns one line per run reaped, for the user."""
    lines = []
    for run in runs_in_progress(instance, exclude):
        if run.alive is not False:
            continue
        dagster_run = instance.get_run_by_id(run.run_id)
        token = f"{run.pid}:{dagster_run.tags.get(PROCESS_START_TAG)}"
        orphans = kill_orphans(token)
        instance.report_run_failed(
            dagster_run,
            message=(
                f"The process that executed this run ({run.pid}) ended without finishing it (killed, out of "
                "memory or a power loss). Marked failed by rettidig; its pool slots were freed. Run the job "
                "again: loads are idempotent and nothing half-built was published."
            ),
        )
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        extra = f"; ended {len(orphans)} process(es) it left running" if orphans else ""
        lines.append(f"Found {run.describe()} whose process is gone: marked it failed and freed the warehouse{extra}.")
    freed = free_slots_of_finished_runs(instance)
    if freed:
        lines.append(f"Freed the warehouse pool slot(s) still held by {len(freed)} finished run(s).")
    return lines


def live_runs(instance: DagsterInstance, exclude: Iterable[str] = ()) -> list[RunLiveness]:
    """Runs in progress that are (or may be) alive: the ones a new run has to wait for."""
    return [run for run in runs_in_progress(instance, exclude) if run.alive is not False]


def cancel_own_runs(instance: DagsterInstance) -> list[str]:
    """After an in-process run ended: if it is still marked in progress (it was interrupted by
    Ctrl-C or SIGTERM), mark it canceled and free its pool slots."""
    me = owner_tags()
    lines = []
    # Dagster ends an interrupted run as FAILURE ("interrupted unexpectedly") or leaves it STARTED
    statuses = [*IN_PROGRESS_RUN_STATUSES, DagsterRunStatus.FAILURE]
    for run in instance.get_runs(filters=RunsFilter(statuses=statuses, tags={PID_TAG: me[PID_TAG]})):
        if run.tags.get(PROCESS_START_TAG) != me[PROCESS_START_TAG] or run.tags.get(HOST_TAG) != me[HOST_TAG]:
            continue
        if run.status == DagsterRunStatus.FAILURE and not _interrupted(instance, run.run_id):
            continue
        instance.report_run_canceled(run, message="Interrupted (Ctrl-C or SIGTERM): canceled by rettidig; nothing half-built was published.")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        lines.append(f"Run {run.run_id[:8]} ({run.job_name}) was interrupted: marked canceled, the warehouse is free again.")
    # a run that ended normally has released its slots; one that failed mid-step may not have
    free_slots_of_finished_runs(instance)
    return lines


def _interrupted(instance: DagsterInstance, run_id: str) -> bool:
    from dagster import DagsterEventType

    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_FAILURE).records
    return any("interrupted" in (r.event_log_entry.dagster_event.message or "") for r in records)


def reap_on_evaluation(context) -> None:
    """From a schedule or sensor evaluation: reap dead runs before asking for a new one (a context
    built without an instance, as in a unit test, has nothing to reap)."""
    from dagster._core.errors import DagsterInvariantViolationError

    try:
        instance = context.instance
    except DagsterInvariantViolationError:
        return
    for line in reap_dead_runs(instance):
        context.log.warning(line)
