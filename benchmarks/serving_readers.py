"""A BI reader in a loop on the serving file while `rettidig materialize` runs twice.

Shows that the reader never errs, never blocks the pipeline, and only ever sees complete
publications (every mart of one publication agrees on its as-of date and row counts match the
row counts recorded for that publication). Prints what it saw.

    python benchmarks/serving_readers.py --exports var/sample_exports
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb


def reader(serving: Path, stop: threading.Event, seen: list, errors: list) -> None:
    while not stop.is_set():
        if not serving.exists():
            time.sleep(0.05)
            continue
        try:
            with duckdb.connect(str(serving), read_only=True) as bi:
                status = bi.execute("select count(*), min(as_of_date), max(as_of_date) from marts.invoice_status").fetchone()
                aging = bi.execute("select sum(invoices) from marts.aging_by_department").fetchone()[0]
                in_process = bi.execute("select count(*) from marts.invoice_status where is_in_process").fetchone()[0]
                seen.append((status, aging, in_process))
        except Exception as exc:  # noqa: BLE001 - every error counts against the serving contract
            errors.append(repr(exc))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exports", required=True)
    parser.add_argument("--as-of", nargs=2, default=["", ""], help="as-of dates of the two runs (default: watermark twice)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="serving_readers_"))
    env = {**os.environ, "RETTIDIG_VAR_DIR": str(work), "RETTIDIG_EXPORTS_DIR": str(Path(args.exports).resolve())}
    rettidig = [sys.executable, "-m", "orchestration.cli"]
    serving = work / "serving.duckdb"
    seen: list = []
    errors: list = []
    stop = threading.Event()
    thread = threading.Thread(target=reader, args=(serving, stop, seen, errors))
    thread.start()
    codes = []
    try:
        for as_of in args.as_of:
            command = rettidig + ["materialize"] + (["--as-of", as_of] if as_of else [])
            started = time.perf_counter()
            codes.append(subprocess.run(command, env=env, capture_output=True, text=True).returncode)
            print(f"materialize {as_of or '(watermark)'}: exit {codes[-1]} in {time.perf_counter() - started:.0f} s")
    finally:
        stop.set()
        thread.join()
    states = {s[0] for s in seen}
    incomplete = [s for s in seen if s[1] != s[2] or s[0][1] != s[0][2]]
    print(f"reads: {len(seen)}, errors: {len(errors)}, distinct publications seen: {len(states)}, "
          f"incomplete or mixed states: {len(incomplete)}")
    for error in errors[:5]:
        print("  error:", error)
    return 0 if codes == [0, 0] and not errors and not incomplete and seen else 1


if __name__ == "__main__":
    sys.exit(main())
