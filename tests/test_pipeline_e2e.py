"""End to end: a generated drop folder through the real Dagster job (raw loading, dbt build with
its tests as checks, publishing), the period close and the report, on a real DuckDB file.

One module-scoped run on a small drop folder; the tests read what it left behind.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest

from tests.conftest import SHARED

PER_MONTH, MONTHS, BAD_ROWS, SEED = 150, 8, 6, 7


def marts_contract() -> dict[str, list[str]]:
    """table -> required columns, read from the BI contract itself (MARTS.md)."""
    text = (SHARED / "contract" / "MARTS.md").read_text(encoding="utf-8")
    tables = {}
    for table, columns in re.findall(r"^\| `(\w+)` \| [^|]+\| (.+) \|$", text, flags=re.M):
        tables[table] = re.findall(r"`(\w+)`", columns)
    return tables


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    from orchestration.cli import main
    from orchestration.generator import generate
    from orchestration.settings import Settings

    root = tmp_path_factory.mktemp("e2e")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETTIDIG_EXPORTS_DIR", str(root / "drop"))
        mp.setenv("RETTIDIG_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("RETTIDIG_SERVING", str(root / "serving.duckdb"))
        mp.setenv("RETTIDIG_REPORTS_DIR", str(root / "reports"))
        settings = Settings.from_env().export()
        summary = generate(
            settings.exports_dir, invoices_per_month=PER_MONTH, months=MONTHS, start=dt.date(2024, 1, 1),
            extracts="monthly", seed=SEED, bad_rows=BAD_ROWS, progress=False,
        )
        code = main(["materialize"])
        yield {"settings": settings, "summary": summary, "materialize_code": code, "main": main}


def query(settings, sql: str, params=None):
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def test_materialize_succeeds(pipeline):
    assert pipeline["materialize_code"] == 0


def test_every_row_is_loaded_or_quarantined(pipeline):
    settings, summary = pipeline["settings"], pipeline["summary"]
    log = dict(
        (name, (rows, loaded, quarantined))
        for name, rows, loaded, quarantined in query(
            settings, "select file_name, rows, rows_loaded, rows_quarantined from raw.load_log where status = 'loaded'"
        )
    )
    assert set(log) == set(summary.files)
    for name, rows in summary.files.items():
        assert log[name][0] == rows, name
        assert log[name][1] + log[name][2] == rows, name
    assert sum(q for _, _, q in log.values()) == BAD_ROWS
    quarantined = query(settings, "select file_name, line from raw.quarantine order by all")
    assert sorted(quarantined) == sorted((f, line) for f, line, _ in summary.bad_rows)


def test_raw_tables_hold_exactly_the_generated_rows(pipeline):
    """The generator's bad rows are extra rows; everything else it wrote must be in raw, once."""
    settings, summary = pipeline["settings"], pipeline["summary"]
    counts = {
        "fakturaer": (summary.invoice_versions, "count(*)"),
        "fakturahaendelser": (summary.events, "count(*)"),
        "indkoebsordrer": (summary.po_line_versions, "count(*)"),
        "varemodtagelser": (summary.goods_receipts, "count(*)"),
        "leverandoerer": (summary.supplier_versions, "count(*)"),
        "brugere": (summary.user_versions, "count(*)"),
    }
    for table, (expected, aggregate) in counts.items():
        [(n,)] = query(settings, f"select {aggregate} from raw.{table}")
        assert n == expected, table
    [(documents,)] = query(settings, "select count(distinct Bilagsnummer) from raw.fakturaer")
    assert documents == summary.documents == summary.invoices + summary.credit_notes


def test_marts_follow_the_bi_contract(pipeline):
    settings = pipeline["settings"]
    contract = marts_contract()
    assert len(contract) == 9
    columns = {}
    for table, column in query(
        settings, "select table_name, column_name from duckdb_columns() where schema_name = 'marts'"
    ):
        columns.setdefault(table, set()).add(column)
    for table, required in contract.items():
        assert table in columns, f"marts.{table} missing"
        assert set(required) <= columns[table], f"marts.{table} lacks {set(required) - columns[table]}"
    # no personal data or payment details in marts
    every_column = {c for cs in columns.values() for c in cs}
    assert not every_column & {"full_name", "name", "payment_info", "registered_payment_info"}


def test_marts_are_filled_and_consistent(pipeline):
    settings = pipeline["settings"]
    for table in ("invoice_status", "aging_by_department", "escalation_list", "return_reasons", "return_rate",
                  "supplier_errors", "timely_payment", "manual_handling"):
        [(n,)] = query(settings, f"select count(*) from marts.{table}")
        assert n > 0, table
    [(in_process,)] = query(settings, "select count(*) from marts.invoice_status where is_in_process")
    [(aged,)] = query(settings, "select sum(invoices) from marts.aging_by_department")
    assert aged == in_process
    [(flagged,)] = query(settings, "select count(*) from marts.invoice_status where is_escalation_candidate")
    [(listed,)] = query(settings, "select count(*) from marts.escalation_list")
    assert listed == flagged


def test_serving_file_holds_the_marts_only(pipeline):
    settings = pipeline["settings"]
    with duckdb.connect(str(settings.serving), read_only=True) as bi:
        schemas = {s for (s,) in bi.execute("select distinct schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"marts"}
        [(n,)] = bi.execute("select count(*) from marts.invoice_status").fetchall()
    [(m,)] = query(settings, "select count(*) from marts.invoice_status")
    assert n == m
