"""The loader against DuckDB's own typed read of the same drop folder (issue 8, load ratio).

    python benchmarks/loader.py DROP [DROP ...] [--repeat 2] [--threads N] [--loader-src DIR] [--baseline-src DIR] [--work DIR] [--json OUT]

For each drop folder, each phase runs in a fresh process (`--repeat` times, alternating):

  typed read   DuckDB alone: `read_csv` per source over its files with the contract's types into
               a DuckDB file (benchmarks/run.py `typed_read_code`): the floor for the load
  loader       `load_drop_folder` into an empty DuckDB file (typing, line mapping, checks,
               quarantine, duplicate events, load log)

It prints wall seconds and CPU seconds (user + system of the child process, from
resource.getrusage), and the loader / typed-read ratios of both. On a shared machine the CPU
figure is the steadier one: other jobs stretch wall time, much less the CPU time used; with
`--threads 1` (DuckDB's threads, both phases) it is steadier still. `--loader-src DIR` runs the
loader from another checkout (e.g. `git archive main | tar -x -C DIR`); `--baseline-src DIR` runs
a second loader from another checkout in the same alternation (typed read, loader, baseline, ...),
for before/after numbers on a machine whose speed drifts between runs.
Generate drop folders outside the repository, e.g.

    rettidig generate --out /tmp/bench/m60k --invoices-per-month 10000 --months 6 --extracts monthly --quiet
    rettidig generate --out /tmp/bench/d60k --invoices-per-month 10000 --months 6 --extracts daily --quiet
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from run import typed_read_code  # noqa: E402


def loader_code(drop: Path, db: Path) -> str:
    return (
        "import duckdb; from pathlib import Path; from orchestration.loading.loader import load_drop_folder\n"
        f"c = duckdb.connect({str(db)!r})\n"
        f"rs = load_drop_folder(c, Path({str(drop)!r}))\n"
        "bad = [e for r in rs for e in r.errors]\n"
        "print('ROWS', sum(r.rows for r in rs), 'FILES', sum(len(r.files) for r in rs), 'REJECTED', len(bad))\n"
        "print('\\n'.join(bad[:5]))\n"
    )


def with_threads(code: str, threads: int | None) -> str:
    """`code` with every DuckDB connection it opens limited to `threads` threads."""
    if not threads:
        return code
    return (
        "import duckdb\n_connect = duckdb.connect\n"
        "def _limited(*a, **k):\n"
        f"    return _connect(*a, **{{**k, 'config': {{**k.get('config', {{}}), 'threads': {threads}}}}})\n"
        "duckdb.connect = _limited\n"
        + code
    )


def run(code: str, cwd: Path = REPO) -> dict:
    """Run `code` in a fresh Python process: wall seconds, CPU seconds (user + sys) and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, text=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        raise SystemExit("benchmark phase failed")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "out": proc.stdout.strip()}


def bench(drop: Path, repeat: int, work: Path, threads: int | None = None, loader_src: Path | None = None,
          baseline_src: Path | None = None) -> dict:
    csv = sorted(drop.glob("*.csv"))
    phases = ("typed_read", "loader") + (("baseline",) if baseline_src else ())
    info = {"drop": str(drop), "files": len(csv), "csv_mib": round(sum(p.stat().st_size for p in csv) / 2**20, 1),
            **{phase: [] for phase in phases}}
    print(f"{drop}: {info['files']} files, {info['csv_mib']} MiB", flush=True)
    src = {"typed_read": REPO, "loader": loader_src or REPO, "baseline": baseline_src}
    for i in range(repeat):
        for phase in phases:
            db = work / f"{phase}.duckdb"
            db.unlink(missing_ok=True)
            code = typed_read_code(drop, db) if phase == "typed_read" else loader_code(drop, db)
            r = run(with_threads(code, threads), cwd=src[phase])
            db.unlink(missing_ok=True)
            info[phase].append({"seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"]})
            summary = [ln for ln in r["out"].splitlines() if ln.startswith("ROWS")]
            extra = f"   {summary[0]}" if phase != "typed_read" and summary else ""
            print(f"  run {i + 1} {phase:<11}{r['seconds']:>8.2f} s  cpu {r['cpu_seconds']:>8.2f} s{extra}", flush=True)
            if phase == "loader" and r["out"]:
                info["loader_out"] = r["out"]
    best = {p: {k: min(x[k] for x in info[p]) for k in ("seconds", "cpu_seconds")} for p in phases}
    info["best"] = best
    info["ratio_wall"] = round(best["loader"]["seconds"] / best["typed_read"]["seconds"], 2)
    info["ratio_cpu"] = round(best["loader"]["cpu_seconds"] / best["typed_read"]["cpu_seconds"], 2)
    print(
        f"  best: typed read {best['typed_read']['seconds']:.2f} s (cpu {best['typed_read']['cpu_seconds']:.2f} s), "
        f"loader {best['loader']['seconds']:.2f} s (cpu {best['loader']['cpu_seconds']:.2f} s); "
        f"loader / typed read: wall {info['ratio_wall']}, cpu {info['ratio_cpu']} (goal <= 1.5)",
        flush=True,
    )
    if baseline_src:
        b = best["baseline"]
        info["vs_baseline_wall"] = round(best["loader"]["seconds"] / b["seconds"], 2)
        info["vs_baseline_cpu"] = round(best["loader"]["cpu_seconds"] / b["cpu_seconds"], 2)
        print(f"  loader / baseline loader ({baseline_src}): best {best['loader']['seconds']:.2f} / {b['seconds']:.2f} s, "
              f"wall {info['vs_baseline_wall']}, cpu {info['vs_baseline_cpu']}", flush=True)
    return info


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("drops", nargs="+", type=Path, help="drop folders (e.g. from `rettidig generate`)")
    p.add_argument("--repeat", type=int, default=2, help="runs of each phase (the best is reported)")
    p.add_argument("--threads", type=int, help="DuckDB threads in both phases (default: DuckDB's own, the cores)")
    p.add_argument("--loader-src", type=Path, help="run the loader from this source tree (default: this checkout)")
    p.add_argument("--baseline-src", type=Path,
                   help="also run the loader from this source tree, in the same alternation (before/after)")
    p.add_argument("--work", type=Path, help="where the DuckDB files go (default: a temp folder)")
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="rettidig-bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        src = args.loader_src.resolve() if args.loader_src else None
        base = args.baseline_src.resolve() if args.baseline_src else None
        results = [bench(d.resolve(), args.repeat, work, args.threads, src, base) for d in args.drops]
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if len(results) > 1:
        base = results[0]["best"]["loader"]
        for r in results[1:]:
            lo = r["best"]["loader"]
            print(f"loader {r['drop']} / {results[0]['drop']}: wall {lo['seconds'] / base['seconds']:.2f}, "
                  f"cpu {lo['cpu_seconds'] / base['cpu_seconds']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(
            {"load_average": os.getloadavg(), "threads": args.threads,
             "loader_src": str(args.loader_src or REPO), "drops": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
