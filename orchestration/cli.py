"""`rettidig`: the command line of the pipeline.

Every command that computes something runs the project's Dagster definitions in-process (the same
assets, checks and resources the UI shows); nothing here is a second code path.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.settings import ENVIRONMENT, Settings

DEMO_INVOICES_PER_MONTH = 3000
DEMO_MONTHS = 18
DEMO_START = dt.date(2024, 1, 1)
DEMO_BAD_ROWS = 12


def _settings(args: argparse.Namespace) -> Settings:
    """Command-line options override the environment; the result is exported for everything else."""
    if getattr(args, "exports", None):
        os.environ["RETTIDIG_EXPORTS_DIR"] = str(Path(args.exports).resolve())
    if getattr(args, "warehouse", None):
        os.environ["RETTIDIG_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    if getattr(args, "serving", None):
        os.environ["RETTIDIG_SERVING"] = str(Path(args.serving).resolve())
    if getattr(args, "as_of", None):
        os.environ["RETTIDIG_AS_OF_DATE"] = args.as_of
    return Settings.from_env().export()


def prepare_dbt_manifest(force: bool = False) -> Path:
    """Parse the dbt project into target/manifest.json, which dagster-dbt reads (`dbt parse`)."""
    from orchestration.lib.dbt.project import dbt_project

    if force or not dbt_project.manifest_path.exists():
        print("Preparing the dbt manifest (dbt parse) ...", file=sys.stderr)
        dbt_project.preparer.prepare(dbt_project)
    return dbt_project.manifest_path


# ---------------------------------------------------------------------------------------------
def cmd_generate(args: argparse.Namespace) -> int:
    from orchestration.generator import generate

    summary = generate(
        Path(args.out),
        invoices_per_month=args.invoices_per_month,
        months=args.months,
        start=dt.date.fromisoformat(args.start),
        extracts=args.extracts,
        seed=args.seed,
        bad_rows=args.bad_rows,
        progress=not args.quiet,
    )
    print(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False, default=str))
    return 0


def run_load_and_build(settings: Settings, as_of: str | None = None):
    """Materialize the `load_and_build` job in-process on the project's Dagster instance."""
    prepare_dbt_manifest()
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    job = defs.resolve_job_def("load_and_build")
    run_config = {"ops": {"dbt_models": {"config": {"as_of_date": as_of}}}} if as_of else {}
    with DagsterInstance.get() as instance:
        return job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False)


def failed_checks(result) -> list[str]:
    """Asset checks of the run that failed with ERROR severity (blocking or not)."""
    from dagster import AssetCheckSeverity

    failed = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
            failed.append(f"{evaluation.asset_key.to_user_string()} / {evaluation.check_name}: {evaluation.description or 'failed'}")
    return failed


def print_load_summary(settings: Settings) -> None:
    import duckdb

    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        has_log = conn.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'load_log'"
        ).fetchone()[0]
        if not has_log:
            print("Nothing was loaded.")
            return
        print("\nLoaded (latest attempt per file, by source):")
        print(f"  {'source':<20}{'files':>7}{'rejected':>10}{'rows':>12}{'loaded':>12}{'quarantined':>13}")
        for source, files, rejected, rows, loaded, quarantined in conn.execute(
            """
            with latest as (
                select * from raw.load_log where source is not null
                qualify row_number() over (partition by file_name order by load_id desc) = 1
            )
            select l.source, count(*), count(*) filter (where status = 'rejected'),
                   coalesce(sum(b.rows), 0), coalesce(sum(b.rows_loaded), 0), coalesce(sum(b.rows_quarantined), 0)
            from latest l
            left join raw.load_log b on b.file_name = l.file_name and b.status = 'loaded'
            group by l.source order by l.source
            """
        ).fetchall():
            print(f"  {source:<20}{files:>7}{rejected:>10}{rows:>12,}{loaded:>12,}{quarantined:>13,}")
        quarantined = conn.execute(
            "select source, reason, count(*) from raw.quarantine group by all order by 3 desc limit 10"
        ).fetchall()
        if quarantined:
            print("\nQuarantined rows by reason (select * from raw.quarantine):")
            for source, reason, n in quarantined:
                print(f"  {n:>6}  {source}: {reason}")
        for name, error in conn.execute(
            "select file_name, error from raw.load_log where status = 'rejected' "
            "qualify row_number() over (partition by file_name order by load_id desc) = 1"
        ).fetchall():
            print(f"\nREJECTED {name}: {error}")
        marts = conn.execute(
            "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
        if marts:
            print("\nMarts (schema marts): " + ", ".join(f"{t} ({n:,})" for t, n in marts))


def cmd_materialize(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if not settings.exports_dir.is_dir():
        print(
            f"error: the drop folder {settings.exports_dir} does not exist. Give --exports DIR (or set "
            "RETTIDIG_EXPORTS_DIR), or make sample data with `rettidig generate --out DIR`.",
            file=sys.stderr,
        )
        return 2
    result = run_load_and_build(settings, args.as_of)
    print_load_summary(settings)
    failures = failed_checks(result)
    step_failures = [
        f"{event.step_key}: {event.event_specific_data.error.message.strip().splitlines()[0]}"
        for event in result.all_events
        if event.is_step_failure
    ]
    print(f"\nWarehouse: {settings.warehouse}")
    print(f"Serving file for BI tools (read-only): {settings.serving}")
    print("Dagster UI: `rettidig ui`, then open http://127.0.0.1:3000")
    if not result.success or failures:
        print("\nFAILED:", file=sys.stderr)
        for line in step_failures + failures:
            print(f"  - {line}", file=sys.stderr)
        print("See the run's logs in the Dagster UI (`rettidig ui`, Runs).", file=sys.stderr)
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if not any(settings.exports_dir.glob("*.csv")):
        from orchestration.generator import generate

        print(
            f"Generating a sample drop folder in {settings.exports_dir} "
            f"({DEMO_MONTHS} months x {DEMO_INVOICES_PER_MONTH} invoices, {DEMO_BAD_ROWS} bad rows) ...",
            file=sys.stderr,
        )
        generate(
            settings.exports_dir,
            invoices_per_month=DEMO_INVOICES_PER_MONTH,
            months=DEMO_MONTHS,
            start=DEMO_START,
            extracts="monthly",
            seed=42,
            bad_rows=DEMO_BAD_ROWS,
            progress=True,
        )
    args.exports, args.warehouse = None, None
    return cmd_materialize(args)


def cmd_ui(args: argparse.Namespace) -> int:
    settings = _settings(args)
    prepare_dbt_manifest()
    print(f"Dagster UI on http://{args.host}:{args.port}  (drop folder {settings.exports_dir}, warehouse {settings.warehouse})")
    command = [
        sys.executable, "-m", "dagster", "dev", "-m", "orchestration.definitions",
        "-h", args.host, "-p", str(args.port),
    ]
    return subprocess.call(command, cwd=settings.dagster_home)


def cmd_prepare(args: argparse.Namespace) -> int:
    _settings(args)
    print(prepare_dbt_manifest(force=True))
    return 0


def cmd_bank_calendar(args: argparse.Namespace) -> int:
    from orchestration.bank_calendar import write_seed

    print(write_seed())
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    settings = _settings(args)
    for name, meaning in ENVIRONMENT.items():
        print(f"{name}={os.environ.get(name, '')}\n    {meaning}")
    del settings
    return 0


# ---------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rettidig", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="write a synthetic Kvantum drop folder")
    p.add_argument("--out", required=True, help="the drop folder to write")
    p.add_argument("--invoices-per-month", type=int, default=DEMO_INVOICES_PER_MONTH)
    p.add_argument("--months", type=int, default=DEMO_MONTHS)
    p.add_argument("--start", default=DEMO_START.isoformat(), help="first month (YYYY-MM-DD)")
    p.add_argument("--extracts", choices=["full", "monthly", "weekly", "daily"], default="monthly")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--bad-rows", type=int, default=0, help="inject this many bad rows (for trying the quarantine)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_generate)

    def add_locations(p: argparse.ArgumentParser) -> None:
        p.add_argument("--exports", help="the drop folder (default RETTIDIG_EXPORTS_DIR)")
        p.add_argument("--warehouse", help="the DuckDB file to write (default RETTIDIG_WAREHOUSE)")
        p.add_argument("--serving", help="the DuckDB file for BI tools (default RETTIDIG_SERVING)")

    p = sub.add_parser("materialize", help="load the drop folder and build the marts (the Dagster job, in-process)")
    add_locations(p)
    p.add_argument("--as-of", help="compute the marts as of this date (YYYY-MM-DD); default the data watermark")
    p.set_defaults(func=cmd_materialize)

    p = sub.add_parser("demo", help="generate a sample drop folder under var/ (once) and materialize everything")
    p.add_argument("--as-of", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("ui", help="start the Dagster UI (dagster dev) for the same settings")
    add_locations(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("prepare", help="parse the dbt project into the manifest dagster-dbt reads")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("bank-calendar", help="rewrite seeds/danish_bank_holidays.csv from the holidays package")
    p.set_defaults(func=cmd_bank_calendar)

    p = sub.add_parser("settings", help="print the settings and the environment variables behind them")
    p.set_defaults(func=cmd_settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
