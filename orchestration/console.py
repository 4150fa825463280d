"""What a person sees on the console while a `rettidig` command runs a Dagster job.

One progress line per phase (load per source, the dbt build with a count of nodes done, the
publication, the close, the report), written to the terminal; everything else (Dagster's event log
at DEBUG, dbt's own lines, the compute logs) goes to one log file per command under
RETTIDIG_LOG_DIR, whose path the command prints. `--verbose` streams everything to the console as
Dagster and dbt write it. The run's events stay in the Dagster UI either way.

The progress comes from Dagster's own event stream: the job runs with the `rettidig` logger below
(Definitions-level, used only when a run's config names it, so UI runs keep Dagster's console logger).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from dagster import DagsterEventType, Field, logger

LOGGER_NAME = "rettidig"
# A step's log message that starts with this is also a progress line on the terminal (for work inside
# a step that no Dagster event marks, e.g. the chain a forced re-close builds first)
PROGRESS_PREFIX = "progress: "
# the terminal stream of this process while a run writes its log file (set by `to_log_file`)
_terminal: list[IO[str]] = []


def terminal() -> IO[str]:
    return _terminal[-1] if _terminal else sys.stderr


@contextmanager
def to_log_file(path: Path) -> Iterator[IO[str]]:
    """Send everything this process and its children write to stdout/stderr into `path` (also what
    Dagster's compute-log tail mirrors and what dbt prints); yield the terminal for progress lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    log = path.open("a", buffering=1, encoding="utf-8")
    original_out, original_err = sys.stdout, sys.stderr
    for stream in (original_out, original_err):
        stream.flush()
    if _is_fd(original_err, 2):
        term: IO[str] = os.fdopen(os.dup(2), "w", buffering=1, encoding=original_err.encoding or "utf-8")
    else:  # already captured (pytest), keep writing to the capture
        term = original_err
    saved = [os.dup(1), os.dup(2)]
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log
    _terminal.append(term)
    try:
        yield term
    finally:
        _terminal.pop()
        log.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)
        sys.stdout, sys.stderr = original_out, original_err
        if term is not original_err:
            term.close()
        log.close()


def _is_fd(stream, fd: int) -> bool:
    try:
        return stream.fileno() == fd
    except (AttributeError, OSError, ValueError):
        return False


def log_file_path(log_dir: Path, command: str) -> Path:
    return log_dir / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{command}-{os.getpid()}.log"


class ProgressHandler(logging.Handler):
    """Turns Dagster events into one line per phase on the terminal."""

    def __init__(self, dbt_nodes: dict[str, int]):
        super().__init__(level=logging.DEBUG)
        self.dbt_nodes = dbt_nodes  # step key -> nodes (models, seeds, tests) the step builds
        self.done: dict[str, int] = {}
        self.started: dict[str, float] = {}
        self.reported: dict[str, int] = {}
        self.printed: set[tuple[str | None, str]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            meta = getattr(record, "dagster_meta", None) or {}
            event = meta.get("dagster_event")
            step_key = meta.get("step_key")
            if event is None:
                message = meta.get("orig_message") or ""
                if not (step_key and message.startswith(PROGRESS_PREFIX)):
                    return
                line = f"{time.strftime('%H:%M:%S')}  {phase(step_key)}: {message.removeprefix(PROGRESS_PREFIX)}"
            else:
                line = self.line_for(event, step_key)
            # a partitioned step materializes once per partition with the same summary: print it once
            if line and (step_key, line[10:]) not in self.printed:
                self.printed.add((step_key, line[10:]))
                out = terminal()
                out.write(f"{line}\n")
                out.flush()
        except Exception:  # progress must never break a run
            pass

    def line_for(self, event, step_key: str | None) -> str | None:
        kind = event.event_type
        stamp = time.strftime("%H:%M:%S")
        if kind == DagsterEventType.STEP_START and step_key:
            self.started[step_key] = time.monotonic()
            if step_key in self.dbt_nodes:
                return f"{stamp}  {phase(step_key)}: {self.dbt_nodes[step_key]} nodes to build and test ..."
            return None
        if kind in (DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_CHECK_EVALUATION) and step_key:
            if step_key in self.dbt_nodes:
                return self.dbt_progress(step_key, stamp)
            if kind == DagsterEventType.ASSET_MATERIALIZATION:
                return materialization_line(event, stamp)
            return None
        if kind == DagsterEventType.STEP_SUCCESS and step_key in self.dbt_nodes:
            seconds = time.monotonic() - self.started.get(step_key, time.monotonic())
            return f"{stamp}  {phase(step_key)}: done, {self.done.get(step_key, 0)} nodes in {seconds:.0f} s"
        if kind == DagsterEventType.STEP_FAILURE and step_key:
            return f"{stamp}  {phase(step_key)}: FAILED (the summary below says why)"
        return None

    def dbt_progress(self, step_key: str, stamp: str) -> str | None:
        done = self.done[step_key] = self.done.get(step_key, 0) + 1
        total = max(self.dbt_nodes[step_key], done)
        if total < 100:  # a small build (the close) gets its start and end lines only
            return None
        # a line at each quarter (the end is the step's own line)
        quarter = 4 * done // total
        if quarter > self.reported.get(step_key, 0) and done < total:
            self.reported[step_key] = quarter
            return f"{stamp}  {phase(step_key)}: {done}/{total} nodes done"
        return None


PHASES = {
    "dbt_models": "dbt build",
    "period_close_models": "period close (dbt)",
    "serving__bi_marts": "publish",
    "reports__follow_up_report": "report",
}


def phase(step_key: str) -> str:
    if step_key.startswith("raw__"):
        return f"load {step_key.removeprefix('raw__')}"
    return PHASES.get(step_key, step_key)


def materialization_line(event, stamp: str) -> str | None:
    materialization = event.event_specific_data.materialization
    meta = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
    path = materialization.asset_key.path
    if path[0] == "raw" and "files_read" in meta:  # the e-invoices: one line for their five tables
        return (
            f"{stamp}  load {'e-invoices':<20} {meta.get('files_read', 0):>4} new file(s) read, "
            f"{meta.get('files_quarantined', 0)} quarantined, {meta.get('files_duplicate', 0)} duplicate(s)"
        )
    if path[0] == "raw":
        quarantined = meta.get("rows_quarantined", 0)
        rejected = meta.get("files_rejected", 0)
        return (
            f"{stamp}  load {path[-1]:<20} {meta.get('files_loaded', 0):>4} new file(s) of {meta.get('files_seen', 0)}, "
            f"{meta.get('rows_loaded', 0):,} rows loaded, {quarantined:,} quarantined"
            + (f", {rejected} file(s) REJECTED" if rejected else "")
        )
    if path == ["serving", "bi_marts"]:
        tables = meta.get("tables") or {}
        if "snapshot_id" in meta:  # a DuckLake: the views serving.* now read that snapshot
            return f"{stamp}  publish: {len(tables)} marts as serving.* at snapshot {meta['snapshot_id']}"
        return f"{stamp}  publish: {len(tables)} marts to {meta.get('serving_file')}"
    if path == ["reports", "follow_up_report"]:
        return f"{stamp}  report: written to {meta.get('folder')}"
    if path == ["marts", "period_close"] and "months_taken" in meta:
        taken = meta.get("months_taken") or []
        return f"{stamp}  period close: {len(taken)} month(s) taken" + (f" ({taken[0]} to {taken[-1]})" if taken else "")
    return None


@logger(
    config_schema={
        "log_file": Field(str, description="Where the full log goes (DEBUG)."),
        "dbt_nodes": Field(dict, is_required=False, default_value={}, description="Nodes per dbt step, for the count."),
        "progress": Field(bool, is_required=False, default_value=True, description="Progress lines on the terminal."),
    },
    description="rettidig's console: progress lines on the terminal, the full event log in a file.",
)
def rettidig_console(init_context) -> logging.Logger:
    config = init_context.logger_config
    log = logging.Logger(LOGGER_NAME, level=logging.DEBUG)
    file_handler = logging.FileHandler(config["log_file"], encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s"))
    log.addHandler(file_handler)
    if config["progress"]:
        log.addHandler(ProgressHandler({k: int(v) for k, v in config["dbt_nodes"].items()}))
    return log
