"""Benchmarks (issue 8): the full run against the pandas baseline, the load against DuckDB's own
typed read, and daily extracts against monthly ones, on generated drop folders. Each phase runs
in a fresh process; the script reports seconds, peak memory and the ratios, writes
benchmarks/results/<size>.json and a chart per figure, and a per-model breakdown of the dbt build.

    python benchmarks/run.py                        # 1 million invoices (55,556 a month x 18)
    python benchmarks/run.py --invoices-per-month 5000 --months 6   # a quick one
    python benchmarks/run.py --no-daily --no-pandas  # only the monthly drop folder

Figures (the goals of issue 8):
  pandas ratio   `rettidig materialize` (end to end, Dagster start-up included) / the pandas
                 baseline ../shared/bench/pandas_baseline.py on the same files (goal <= 0.5)
  load ratio     the loader / DuckDB reading the same files with the contract's types into a
                 DuckDB file, `read_csv` per source (goal <= 1.5)
  daily ratio    `rettidig materialize` on daily extracts / on monthly extracts of the same
                 invoices, also per row (the generator writes more versions in daily extracts)
                 (goal <= 1.5)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTHON = sys.executable
PANDAS_BASELINE = REPO.parent / "shared" / "bench" / "pandas_baseline.py"

# Each phase reports its own peak resident memory, and that of the largest process it started
# (dbt), at exit.
PEAK_PROBE = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('PEAK_RSS_KIB', max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), file=sys.stderr))\n"
)


def run_phase(name: str, code: str | None = None, argv: list[str] | None = None, env: dict | None = None) -> dict:
    """Run `code` (or a script `argv`) in a fresh Python process; wall seconds and peak RSS (MiB)."""
    if argv is not None:
        code = f"import runpy, sys; sys.argv = {argv!r}; runpy.run_path(sys.argv[0], run_name='__main__')"
    start = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "-c", PEAK_PROBE + code], env={**os.environ, **(env or {})}, text=True, capture_output=True,
        cwd=REPO,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        raise SystemExit(f"benchmark phase {name} failed")
    peak_kib = max(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_RSS_KIB"))
    result = {"seconds": round(seconds, 2), "peak_rss_mib": round(peak_kib / 1024, 1)}
    print(f"  {name:<34}{result['seconds']:>9.1f} s   peak {result['peak_rss_mib']:,.0f} MiB", flush=True)
    return result


def typed_read_code(drop: Path, db: Path) -> str:
    """DuckDB alone: `read_csv` per source over its files, with the contract's types, into a file."""
    return (
        "import duckdb; from orchestration.loading.contract import SOURCES, Kind, DATE_FORMAT, TIMESTAMP_FORMAT\n"
        f"c = duckdb.connect({str(db)!r})\n"
        "for s in SOURCES.values():\n"
        "    cols = ', '.join(f\"'{col.name}': '\" + ('VARCHAR' if col.kind is Kind.FLAG else col.duckdb_type) + \"'\" "
        "for col in s.columns)\n"
        f"    c.execute(f\"CREATE TABLE {{s.name}} AS SELECT * FROM read_csv('{drop}/{{s.name}}_*.csv', "
        "columns={{{cols}}}, header=true, auto_detect=false, delim=';', quote='\\\"', escape='\\\"', "
        "dateformat='{DATE_FORMAT}', timestampformat='{TIMESTAMP_FORMAT}', decimal_separator=',')\")\n"
    )


def generate(drop: Path, per_month: int, months: int, extracts: str) -> tuple[dict, dict]:
    phase = run_phase(
        f"generate ({extracts})",
        "import json, datetime as dt; from pathlib import Path; from orchestration.generator import generate; "
        f"s = generate(Path({str(drop)!r}), invoices_per_month={per_month}, months={months}, "
        f"start=dt.date(2023, 1, 1), extracts={extracts!r}, progress=False); "
        f"Path({str(drop / '_summary.json')!r}).write_text(json.dumps(s.files))",
    )
    files = json.loads((drop / "_summary.json").read_text())
    (drop / "_summary.json").unlink()
    return phase, files


def materialize(work: Path, drop: Path, label: str) -> tuple[dict, dict]:
    """`rettidig materialize` end to end; the dbt build's run_results for the breakdown."""
    target = work / f"dbt_target_{label}"
    phase = run_phase(
        f"rettidig materialize ({label})",
        "import sys; from orchestration.cli import main; "
        f"sys.exit(main(['materialize', '--exports', {str(drop)!r}, '--warehouse', {str(work / (label + '.duckdb'))!r}, "
        f"'--serving', {str(work / (label + '_serving.duckdb'))!r}]))",
        env={"RETTIDIG_VAR_DIR": str(work / f"var_{label}"), "DBT_TARGET_PATH": str(target)},
    )
    return phase, dbt_breakdown(target)


def dbt_breakdown(target: Path) -> dict:
    """Per-node seconds of the dbt build (run_results.json), by kind, and the slowest models."""
    runs = sorted(target.glob("dbt_models-*/run_results.json"))
    if not runs:
        return {}
    results = json.loads(runs[-1].read_text())
    by_kind: dict[str, float] = {}
    models = []
    for r in results["results"]:
        kind = r["unique_id"].split(".")[0]
        by_kind[kind] = round(by_kind.get(kind, 0) + r["execution_time"], 2)
        if kind == "model":
            models.append((r["unique_id"].split(".")[-1], round(r["execution_time"], 2)))
    models.sort(key=lambda m: -m[1])
    return {
        "dbt_elapsed_seconds": round(results["elapsed_time"], 2),
        "node_seconds_by_kind": by_kind,
        "unit_tests_run": sum(1 for r in results["results"] if r["unique_id"].startswith("unit_test.")),
        "slowest_models": models[:10],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices-per-month", type=int, default=55_556)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--work", default=str(REPO / "var" / "bench"))
    parser.add_argument("--no-daily", action="store_true", help="skip the daily-extracts drop folder")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--note", default="", help="a note recorded with the results (e.g. 'shared machine')")
    args = parser.parse_args()

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    invoices = args.invoices_per_month * args.months
    print(f"Benchmark: {invoices:,} invoices ({args.invoices_per_month:,} a month x {args.months})")
    results: dict = {
        "invoices": invoices, "months": args.months,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
                   f"{platform.python_version()}, load average at start {os.getloadavg()[0]:.1f}",
        "note": args.note, "drops": {},
    }

    for extracts in ("monthly",) + (() if args.no_daily else ("daily",)):
        print(f"{extracts} extracts:")
        drop = work / f"drop_{extracts}"
        phases: dict = {}
        phases["generate"], files = generate(drop, args.invoices_per_month, args.months, extracts)
        csv = list(drop.glob("*.csv"))
        phases["duckdb_typed_read"] = run_phase("duckdb read_csv, typed", typed_read_code(drop, work / f"typed_{extracts}.duckdb"))
        phases["load_raw"] = run_phase(
            "load (raw, loader only)",
            "import duckdb; from pathlib import Path; from orchestration.loading.loader import load_drop_folder\n"
            f"c = duckdb.connect({str(work / f'load_{extracts}.duckdb')!r}); load_drop_folder(c, Path({str(drop)!r}))",
        )
        if not args.no_pandas and extracts == "monthly":
            phases["pandas_baseline"] = run_phase(
                "pandas baseline", argv=[str(PANDAS_BASELINE), "--exports", str(drop), "--out", str(work / "pandas_out")]
            )
        phases["materialize"], breakdown = materialize(work, drop, extracts)
        results["drops"][extracts] = {
            "files": len(csv), "rows": sum(files.values()), "csv_mib": round(sum(p.stat().st_size for p in csv) / 2**20, 1),
            "phases": phases, "dbt": breakdown,
        }
        for p in (work / f"typed_{extracts}.duckdb", work / f"load_{extracts}.duckdb"):
            p.unlink(missing_ok=True)

    m = results["drops"]["monthly"]
    ratios = {"load_vs_duckdb_typed_read": round(m["phases"]["load_raw"]["seconds"] / m["phases"]["duckdb_typed_read"]["seconds"], 2)}
    if "pandas_baseline" in m["phases"]:
        ratios["materialize_vs_pandas"] = round(m["phases"]["materialize"]["seconds"] / m["phases"]["pandas_baseline"]["seconds"], 2)
    if "daily" in results["drops"]:
        d = results["drops"]["daily"]
        ratios["daily_vs_monthly_materialize"] = round(d["phases"]["materialize"]["seconds"] / m["phases"]["materialize"]["seconds"], 2)
        ratios["daily_vs_monthly_load"] = round(d["phases"]["load_raw"]["seconds"] / m["phases"]["load_raw"]["seconds"], 2)
        ratios["daily_vs_monthly_rows"] = round(d["rows"] / m["rows"], 2)
        ratios["daily_vs_monthly_materialize_per_row"] = round(ratios["daily_vs_monthly_materialize"] / ratios["daily_vs_monthly_rows"], 2)
    dbt = m["dbt"]
    if dbt:
        kinds = dbt["node_seconds_by_kind"]
        ratios["data_tests_share_of_dbt_node_time"] = round(kinds.get("test", 0) / max(sum(kinds.values()), 1e-9), 2)
    results["ratios"] = ratios
    goals = {"materialize_vs_pandas": 0.5, "load_vs_duckdb_typed_read": 1.5, "daily_vs_monthly_materialize": 1.5}
    print("Figures (goal):")
    for key, value in ratios.items():
        goal = f"  (goal <= {goals[key]}: {'met' if value <= goals[key] else 'NOT met'})" if key in goals else ""
        print(f"  {key:<40}{value:>8}{goal}")
    if dbt:
        print(f"  dbt build (monthly): {dbt['dbt_elapsed_seconds']} s; node seconds by kind {dbt['node_seconds_by_kind']}; "
              f"unit tests run: {dbt['unit_tests_run']}")
        print("  slowest models: " + ", ".join(f"{n} {s}s" for n, s in dbt["slowest_models"][:6]))

    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stem = f"{invoices // 1000}k_invoices"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2))
    charts(results, out, stem)
    print(f"Results: {out / (stem + '.json')} and the charts {out / stem}_*.png")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def charts(results: dict, out: Path, stem: str) -> None:
    """One chart per figure: the two times each ratio compares, and the phases per drop folder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = results["drops"]["monthly"]["phases"]
    figures = {"load_ratio": ("load vs DuckDB's typed read", [("DuckDB read_csv, typed", m["duckdb_typed_read"]), ("loader", m["load_raw"])])}
    if "pandas_baseline" in m:
        figures["pandas_ratio"] = ("full run vs pandas baseline", [("pandas baseline", m["pandas_baseline"]), ("rettidig materialize", m["materialize"])])
    if "daily" in results["drops"]:
        d = results["drops"]["daily"]
        figures["daily_ratio"] = (
            f"daily ({d['files']} files) vs monthly ({results['drops']['monthly']['files']} files) extracts",
            [("load, monthly", m["load_raw"]), ("load, daily", d["phases"]["load_raw"]),
             ("materialize, monthly", m["materialize"]), ("materialize, daily", d["phases"]["materialize"])],
        )
    for name, (title, bars) in figures.items():
        fig, ax = plt.subplots(figsize=(8, 0.6 * len(bars) + 1.4))
        drawn = ax.barh([b[0] for b in bars], [b[1]["seconds"] for b in bars], color=["#888", "#4c72b0", "#dd8452", "#55a868"][: len(bars)])
        ax.bar_label(drawn, fmt="%.1f s", padding=3)
        ax.invert_yaxis()
        ax.set_xlabel(f"seconds ({os.cpu_count()} cores; {results['note'] or 'see README'})")
        ax.set_title(f"{results['invoices']:,} invoices: {title}")
        fig.tight_layout()
        fig.savefig(out / f"{stem}_{name}.png", dpi=110)
        plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
