"""Benchmarks: generation, loading and the full pipeline on a generated drop folder, against the
time DuckDB alone needs to read the same CSV files. Reports seconds, ratios and peak memory
(each phase runs as its own process), writes benchmarks/results/<size>.json and a chart.

    python benchmarks/run.py                        # 1 million invoices (55,556 a month x 18)
    python benchmarks/run.py --invoices-per-month 5000 --months 6   # a quick one
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable


# Each phase reports its own peak resident memory, and that of the processes it started (dbt), at exit.
PEAK_PROBE = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('PEAK_RSS_KIB', max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), file=sys.stderr))\n"
)


def run_phase(name: str, code: str, env: dict | None = None) -> dict:
    """Run `code` in a fresh Python process; return wall seconds and its peak RSS (MiB)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "-c", PEAK_PROBE + code], env={**os.environ, **(env or {})}, text=True, capture_output=True
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        raise SystemExit(f"benchmark phase {name} failed")
    peak_kib = max(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_RSS_KIB"))
    result = {"seconds": round(seconds, 2), "peak_rss_mib": round(peak_kib / 1024, 1)}
    print(f"{name:<28}{result['seconds']:>10.1f} s   peak {result['peak_rss_mib']:,.0f} MiB", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices-per-month", type=int, default=55_556)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--extracts", default="monthly")
    parser.add_argument("--work", default=str(HERE.parent / "var" / "bench"))
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    drop, warehouse = work / "drop", work / "warehouse.duckdb"
    invoices = args.invoices_per_month * args.months
    print(f"Benchmark: {invoices:,} invoices ({args.invoices_per_month:,} a month x {args.months}), {args.extracts} extracts")

    results: dict = {"invoices": invoices, "extracts": args.extracts, "phases": {}}
    phases = results["phases"]
    phases["generate"] = run_phase(
        "generate",
        "import datetime as dt; from pathlib import Path; from orchestration.generator import generate; "
        f"generate(Path({str(drop)!r}), invoices_per_month={args.invoices_per_month}, months={args.months}, "
        f"extracts={args.extracts!r}, progress=False)",
    )
    csv_bytes = sum(p.stat().st_size for p in drop.glob("*.csv"))
    results["csv_mib"] = round(csv_bytes / 2**20, 1)
    # DuckDB alone: read every file of every source into a table, all columns as text.
    phases["duckdb_read_csv"] = run_phase(
        "duckdb read_csv only",
        "import duckdb; from orchestration.loading.contract import SOURCES\n"
        f"c = duckdb.connect({str(work / 'plain.duckdb')!r})\n"
        "for s in SOURCES:\n"
        f"    c.execute(f\"create table {{s}} as select * from read_csv('{drop}/{{s}}_*.csv', delim=';', quote='\\\"', "
        "escape='\\\"', header=true, all_varchar=true, union_by_name=true)\")\n",
    )
    phases["load_raw"] = run_phase(
        "load (raw, loader only)",
        "import duckdb; from pathlib import Path; from orchestration.loading.loader import load_drop_folder\n"
        f"c = duckdb.connect({str(work / 'load_only.duckdb')!r}); load_drop_folder(c, Path({str(drop)!r}))",
    )
    phases["materialize"] = run_phase(
        "rettidig materialize (all)",
        "import sys; from orchestration.cli import main; "
        f"sys.exit(main(['materialize', '--exports', {str(drop)!r}, '--warehouse', {str(warehouse)!r}, "
        f"'--serving', {str(work / 'serving.duckdb')!r}]))",
        env={"RETTIDIG_VAR_DIR": str(work / "var")},
    )
    read = phases["duckdb_read_csv"]["seconds"]
    results["ratios"] = {
        "load_vs_duckdb_read": round(phases["load_raw"]["seconds"] / read, 2),
        "materialize_vs_duckdb_read": round(phases["materialize"]["seconds"] / read, 2),
    }
    print(json.dumps(results["ratios"]))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stem = f"{invoices // 1000}k_invoices"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2))
    chart(results, out / f"{stem}.png")
    print(f"Results: {out / (stem + '.json')} and {out / (stem + '.png')}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["phases"])
    seconds = [results["phases"][n]["seconds"] for n in names]
    fig, ax = plt.subplots(figsize=(8, 3.2))
    bars = ax.barh(names, seconds, color=["#888", "#4c72b0", "#dd8452", "#55a868"][: len(names)])
    ax.bar_label(bars, fmt="%.1f s", padding=3)
    ax.invert_yaxis()
    ax.set_xlabel("seconds (2 cores)")
    ax.set_title(f"{results['invoices']:,} invoices, {results['csv_mib']} MiB of CSV")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
