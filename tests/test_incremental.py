"""Incremental models equal a full rebuild (issue 8, goal 5: "a daily run costs what the day brought").

The history models are incremental by key (dbt_project/macros/incremental.sql): a run recomputes only
the invoices and purchase orders with new raw rows. Here a warehouse is built from a drop of monthly
history, then fed daily extracts one `rettidig materialize` at a time: a day on top, a weekend's two
extracts, a newer day before an older one, then the older one late together with a re-delivery of a
loaded file (unchanged) and a change to old invoices (a new version of a January invoice and a new
event of another, in an extract dated in February that arrives in March); then the forced re-close
of February and a full refresh. The reporting date D starts on February's last day (a month end,
February closable) and crosses into March with the first daily extract. After the first daily run,
after the late extract (which follows two runs not compared on their own) and after the re-close,
every table in schema `marts` equals, cell by cell (EXCEPT ALL both ways, row counts equal), a full rebuild from
the same files into a fresh warehouse.

The period close (R13) keeps a closed month as reported, whatever arrives later; it is built only by
`rettidig close`. So the fresh warehouse closes the months this step closes, and marts.period_close
is compared for those months (taken_at aside); a month closed earlier must be exactly as it was.

Real processes on real DuckDB files: each command runs as its own `python -m orchestration.cli`.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

PER_MONTH, MONTHS, SEED = 100, 3, 11
START = dt.date(2024, 1, 1)


def environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETTIDIG_")}
    env.update({
        "RETTIDIG_VAR_DIR": str(root),
        "RETTIDIG_EXPORTS_DIR": str(root / "drop"),
        "RETTIDIG_DAGSTER_STORAGE": str(root / "dagster" / "storage"),
        "RETTIDIG_DAGSTER_COMPUTE_LOGS": str(root / "dagster" / "logs"),
        "DAGSTER_HOME": str(REPO),
    })
    return env


def rettidig(root: Path, *args: str) -> str:
    """Run a `rettidig` command for the warehouse under root; its console output."""
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", *args], env=environment(root), cwd=REPO,
                          capture_output=True, text=True, timeout=1800)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"rettidig {' '.join(args)} failed:\n{output[-5000:]}"
    return output


def dbt_log(output: str) -> str:
    """The full log of the run whose console output this is."""
    [path] = re.findall(r"the full log is in (\S+\.log)", output)[-1:]
    return Path(path).read_text(encoding="utf-8", errors="replace")


def marts(conn: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    return {t for (t,) in conn.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts'", [database]
    ).fetchall()}


def assert_marts_equal(warehouse: Path, fresh: Path, step: str, closed_now: list[str]) -> None:
    """Every table of marts in the fresh warehouse equals the incremental one's, cell by cell; of
    period_close, the months closed in this step."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        conn.execute(f"attach '{fresh}' as fresh (read_only)")
        here = conn.execute("select current_database()").fetchone()[0]
        tables = marts(conn, "fresh")
        assert tables - {"period_close"} == marts(conn, here) - {"period_close"}, step
        assert len(tables) >= 18, step
        for table in sorted(tables):
            columns = [c for (c,) in conn.execute(
                "select column_name from duckdb_columns() where database_name = 'fresh' and schema_name = 'marts' "
                "and table_name = ? order by column_name", [table]).fetchall() if c != "taken_at"]
            select = ", ".join(f'"{c}"' for c in columns)
            where = ""
            if table == "period_close":
                assert closed_now, step
                where = " where strftime(month, '%Y-%m') in (" + ", ".join(f"'{m}'" for m in closed_now) + ")"
            mine = f'select {select} from {here}.marts."{table}"{where}'
            theirs = f'select {select} from fresh.marts."{table}"{where}'
            [(n_mine,)] = conn.execute(f"select count(*) from ({mine})").fetchall()
            [(n_theirs,)] = conn.execute(f"select count(*) from ({theirs})").fetchall()
            [(only_mine,)] = conn.execute(f"select count(*) from ({mine} except all {theirs})").fetchall()
            [(only_theirs,)] = conn.execute(f"select count(*) from ({theirs} except all {mine})").fetchall()
            assert (n_mine, only_mine, only_theirs) == (n_theirs, 0, 0), (
                f"{step}: marts.{table} has {n_mine} rows incrementally and {n_theirs} in a full rebuild; "
                f"{only_mine} only in the incremental one, {only_theirs} only in the full rebuild")


def period_close(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute("select * exclude (taken_at) from marts.period_close order by all").fetchall()


def keys_recomputed(log: str, model: str) -> list[int]:
    """The counts of keys the run recomputed in a model, from the log of the incremental hooks."""
    return [int(n) for n in re.findall(rf"{model}: (\d+) \w+ key\(s\) with new input rows", log)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """January and February in monthly extracts, March day by day."""
    from orchestration.generator import generate

    folder = tmp_path_factory.mktemp("incremental") / "generated"
    generate(folder, invoices_per_month=PER_MONTH, months=MONTHS, start=START, extracts="monthly-then-daily",
             seed=SEED, progress=False)
    return folder


def extract_files(generated: Path, date: str) -> list[Path]:
    files = sorted(generated.glob(f"*_{date}.csv"))
    assert files, date
    return files


def old_invoice_changes(warehouse: Path, generated: Path, out: Path) -> tuple[str, dt.date, str]:
    """Write fakturaer_20240215.csv and fakturahaendelser_20240215.csv into out: a new version of a
    January invoice unpaid at February's end, due a month later than it was, and a cancellation on
    20-02-2024 of another January invoice in process then. An extract dated in February that
    arrives in March. Returns the changed invoice, its new due date and the cancelled invoice."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        # the invoices of January, unpaid (and in process) at 2024-02-29, whose versions all
        # predate 2024-02-15
        candidates = conn.execute(
            """
            with events as (
                select "Bilagsnummer" as invoice_id,
                       min(cast("Tidspunkt" as date)) filter (where "Hændelse" in ('BETALT', 'AFVIST', 'ANNULLERET')) as ended,
                       min(cast("Tidspunkt" as date)) filter (where "Hændelse" in ('BOGFØRT', 'AFVIST', 'ANNULLERET')) as processed
                from raw.fakturahaendelser group by all
            ),
            versions as (
                select "Bilagsnummer" as invoice_id, max("Ændret") as changed, arg_max(_file_name, "Ændret") as file,
                       arg_max(_line, "Ændret") as line, any_value("Fakturatype") as type,
                       min("Modtagetdato") as received
                from raw.fakturaer group by all
            )
            select versions.invoice_id, file, line
            from versions inner join events using (invoice_id)
            where type = 'FAKTURA' and received < date '2024-02-01' and changed < timestamp '2024-02-15'
                and coalesce(ended, date '9999-12-31') > date '2024-02-29'
                and coalesce(processed, date '9999-12-31') > date '2024-02-29'
            order by invoice_id
            """
        ).fetchall()
    assert len(candidates) >= 2, "the generated data has no January invoice open at February's end"
    (changed, file, line), (cancelled, _, _) = candidates[0], candidates[-1]

    with (generated / file).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    header, version = rows[0], rows[line - 1]
    assert version[header.index("Bilagsnummer")] == changed
    due = dt.datetime.strptime(version[header.index("Forfaldsdato")], "%d-%m-%Y").date() + dt.timedelta(days=30)
    version[header.index("Forfaldsdato")] = due.strftime("%d-%m-%Y")
    version[header.index("Ændret")] = "15-02-2024 12:00:00"
    with (out / "fakturaer_20240215.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows([header, version])
    with (out / "fakturahaendelser_20240215.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows([
            ["Hændelses_id", "Bilagsnummer", "Tidspunkt", "Hændelse", "Fra_bruger", "Til_bruger", "Årsagskode", "Kommentar"],
            ["H-LATE-000001", cancelled, "20-02-2024 10:00:00", "ANNULLERET", "", "", "", "Annulleret; sen rettelse"],
        ])
    return changed, due, cancelled


def test_daily_runs_equal_a_full_rebuild(tmp_path, generated):
    warehouse_root = tmp_path / "incremental"
    drop = warehouse_root / "drop"
    drop.mkdir(parents=True)
    warehouse = warehouse_root / "warehouse.duckdb"
    changes = tmp_path / "changes"
    changes.mkdir()

    def deliver(*files: Path) -> None:
        for f in files:
            shutil.copyfile(f, drop / f.name)

    fresh_root = tmp_path / "fresh"

    def check(step: str, closed_now: list[str], close_args: list[list[str]] = (), same_files: bool = False) -> None:
        """A full rebuild of the same files (and closes) into a fresh warehouse, compared. With
        same_files (no file arrived since the last check), the last rebuild is closed instead."""
        if not same_files:
            shutil.rmtree(fresh_root, ignore_errors=True)
            shutil.copytree(drop, fresh_root / "drop")
            rettidig(fresh_root, "materialize")
        for args in close_args:
            rettidig(fresh_root, "close", *args)
        assert_marts_equal(warehouse, fresh_root / "warehouse.duckdb", step, closed_now)

    # 0. the history: January and February in monthly extracts; D = 2024-02-29 (a month end)
    deliver(*extract_files(generated, "20240201"), *extract_files(generated, "20240301"))
    # (a first build is a full build: nothing to compare yet)
    rettidig(warehouse_root, "materialize")
    rettidig(warehouse_root, "close", "--all")
    closed = period_close(warehouse)
    assert {row[0] for row in closed} == {dt.date(2024, 1, 1), dt.date(2024, 2, 1)}

    def daily(step: str, *files: Path, compare: bool = True) -> str:
        deliver(*files)
        log = dbt_log(rettidig(warehouse_root, "materialize"))
        assert "recomputing every key" not in log, step
        # incremental: the events of a few invoices, not all of them
        recomputed = keys_recomputed(log, "stg_kvantum__invoice_events")
        assert recomputed, f"{step}: the events were not built incrementally"
        recomputed = max(recomputed)
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            [(invoices,)] = conn.execute("select count(distinct invoice_id) from staging.stg_kvantum__invoice_events").fetchall()
            # the closed months' last days are not evaluated again (int_as_of_dates)
            ends = conn.execute("select month from intermediate.int_as_of_dates where is_month_end").fetchall()
        assert recomputed < invoices / 2, (step, recomputed, invoices)
        # invoice_status: the invoices not settled by D and those with a new final state (and credit
        # notes with a new version), not every row
        assert "invoice_status: recomputing every invoice" not in log, step
        [status_rows] = [int(n) for n in re.findall(r"invoice_status: (\d+) invoice\(s\) not settled by D", log)]
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            [(rows, unsettled)] = conn.execute(
                "select count(*), count(*) filter (where s.invoice_type = 'FAKTURA' and f.invoice_id is null) "
                "from marts.invoice_status s left join intermediate.int_invoice_final_states f "
                "on f.invoice_id = s.invoice_id and f.as_of_date <= s.as_of_date"
            ).fetchall()
        assert unsettled <= status_rows < rows, (step, status_rows, rows, unsettled)
        # and compared with the kept stamps: the candidates only (not settled when written, new
        # loads, received since the last build), not every document
        [compared] = [int(n) for n in re.findall(r"invoice_status: \d+ invoice\(s\) .*\(compared: (\d+) not settled", log)]
        assert status_rows <= compared < rows, (step, compared, status_rows, rows)
        assert not {m for (m,) in ends} & {dt.date(2024, 1, 1), dt.date(2024, 2, 1)}, (step, ends)
        if compare:
            check(step, [])
        assert period_close(warehouse) == closed, f"{step}: a closed month changed"
        return log

    # 1. the first day of March (Friday's events): D crosses into a new month
    daily("2024-03-02 on top", *extract_files(generated, "20240302"))
    # 2. the weekend's two extracts in one run; 3. Tuesday's extract before Monday's. Compared with
    #    a full rebuild after step 4, which sees every change since step 1 (a full rebuild costs
    #    a minute; one per step would double the test's time)
    daily("the weekend", *extract_files(generated, "20240303"), *extract_files(generated, "20240304"), compare=False)
    daily("2024-03-06 before 2024-03-05", *extract_files(generated, "20240306"), compare=False)
    # 4. Monday's extract late; a loaded file delivered again, same bytes; old invoices changed: a new
    #    version and a new event (before later ones: renumbered), in an extract dated in February
    changed, due, cancelled = old_invoice_changes(warehouse, generated, changes)
    redelivered = generated / "fakturahaendelser_20240302.csv"
    log = daily("2024-03-05 late, a file again, old invoices changed", *extract_files(generated, "20240305"),
                redelivered, *changes.glob("*.csv"))
    assert keys_recomputed(log, "stg_kvantum__invoice_versions")[0] >= 1
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        # every run sees the file again; it was loaded once
        statuses = [s for (s,) in conn.execute("select status from raw.load_log where file_name = ? order by load_id",
                                               [redelivered.name]).fetchall()]
        assert statuses[0] == "loaded" and set(statuses[1:]) == {"unchanged"}, statuses
        # the new version is in (whether a later one supersedes it or not), the cancellation counts
        assert conn.execute("select count(*) from staging.stg_kvantum__invoice_versions where invoice_id = ? "
                            "and source_file = 'fakturaer_20240215.csv' and due_date = ?", [changed, due]).fetchone() == (1,)
        assert conn.execute("select is_in_process from marts.invoice_status where invoice_id = ?",
                            [cancelled]).fetchone() == (False,)

    # 5. February closed again (force): the snapshot now sees the changes; January stays as reported
    output = rettidig(warehouse_root, "close", "--month", "2024-02", "--force")
    # its month-end states were not kept: the close computed them first, and said so
    assert "2024-02 closed before: computing the month-end states again" in output, output
    assert "2024-02: month-end states computed again" in output, output
    check("February closed again", ["2024-02"], [["--month", "2024-02"]], same_files=True)
    reclosed = period_close(warehouse)
    assert [r for r in reclosed if r[0] == dt.date(2024, 1, 1)] == [r for r in closed if r[0] == dt.date(2024, 1, 1)]
    assert reclosed != closed, "the changes to old invoices changed nothing in February's close"

    # 6. a full refresh of the incremental warehouse changes nothing
    before = {t: rows for t, rows in marts_rows(warehouse).items()}
    rettidig(warehouse_root, "materialize", "--full-refresh")
    assert marts_rows(warehouse) == before


def marts_rows(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {
            t: conn.execute(f'select * {"exclude (taken_at) " if t == "period_close" else ""}from marts."{t}" order by all').fetchall()
            for t in sorted(marts(conn, conn.execute("select current_database()").fetchone()[0]))
        }
