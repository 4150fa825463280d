"""Row counts and column schemas for dbt assets, read after dbt has finished.

A table gets its row count; a view does not: counting a view runs its query, and at 10M invoices
the project's views (the rules side by side, the R15 intervals at D, ...) took 27 s to count, a
tenth of a daily run, for a number nobody reads off a view (benchmarks/README.md, session 9).

dagster-dbt's `fetch_row_counts()` / `fetch_column_metadata()` query the warehouse while dbt is
still running; with DuckDB (one writer per file) that collides with dbt's own lock. So the dbt
events are held until dbt exits, then each materialization gets its table's row count and
columns (with their dbt descriptions, and NOT NULL where the table has it) from one read of the
warehouse.

When dbt fails (a model that cannot be built, a blocking test that fails), what it did build is
still reported (those materializations and every check's result), and then the step fails with
one message that names each failed node, dbt's own reason and the log to read (`dbt_failure`),
instead of dagster-dbt's command line.
"""

from collections.abc import Iterator
from pathlib import Path

from dagster import AssetExecutionContext, Failure, Output, TableColumn, TableColumnConstraints, TableSchema
from dagster_dbt import DbtCliInvocation
from dagster_dbt.errors import DagsterDbtCliRuntimeError
from dagster_duckdb import DuckDBResource

# the most failed nodes a message lists by name (the rest are counted)
LISTED_FAILURES = 5


def with_table_metadata(context: AssetExecutionContext, invocation: DbtCliInvocation,
                        duckdb: DuckDBResource) -> Iterator:
    held, failed = [], None
    try:
        for event in invocation.stream():  # dbt has exited once the stream is exhausted
            held.append(event)
    except DagsterDbtCliRuntimeError:
        failed = dbt_failure(invocation)
    outputs = [e for e in held if isinstance(e, Output)]
    relations = {}
    for event in outputs:
        key = context.asset_key_for_output(event.output_name)
        relations[event.output_name] = (key.path[0], key.path[-1])
    metadata = {}
    if relations:
        with duckdb.get_connection() as conn:
            columns: dict[tuple[str, str], list[TableColumn]] = {}
            for schema, table, column, data_type, nullable, comment in conn.execute(
                "select schema_name, table_name, column_name, data_type, is_nullable, comment from duckdb_columns() "
                "where database_name = current_database() order by schema_name, table_name, column_index"
            ).fetchall():
                columns.setdefault((schema, table), []).append(TableColumn(
                    column, data_type, description=comment, constraints=TableColumnConstraints(nullable=nullable)))
            tables = set(conn.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
            ).fetchall())
            for output_name, (schema, table) in relations.items():
                if (schema, table) not in columns:
                    continue
                metadata[output_name] = {"dagster/column_schema": TableSchema(columns=columns[(schema, table)])}
                if (schema, table) in tables:
                    [(rows,)] = conn.execute(f'select count(*) from "{schema}"."{table}"').fetchall()
                    metadata[output_name]["dagster/row_count"] = rows
    for event in held:
        if isinstance(event, Output) and event.output_name in metadata:
            event = event.with_metadata({**event.metadata, **metadata[event.output_name]})
        yield event
    if failed is not None:
        raise failed


def dbt_failure(invocation: DbtCliInvocation) -> Failure:
    """The step's failure after a dbt build that did not succeed: each model that dbt could not build
    and each blocking test that failed, with dbt's reason (from run_results.json), and what to do."""
    target = Path(invocation.target_path)
    log = target / "dbt.log"
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except Exception:  # dbt stopped before writing its results (e.g. its project did not parse)
        results = []
    # what could not be built first (the cause), then the tests (often its consequence)
    failed = sorted((r for r in results if r.get("status") in ("error", "fail")),
                    key=lambda r: r["unique_id"].startswith("test."))
    if not failed:
        return Failure(
            description=f"dbt stopped before it built anything: its reason is at the end of {log}. "
                        "Fix that and run again.",
            metadata={"dbt_log": str(log)},
        )
    lines = []
    for result in failed[:LISTED_FAILURES]:
        kind, _, name = result["unique_id"].split(".")[:3]  # test ids end in a hash: not the name
        message = (result.get("message") or "").strip()
        if result["status"] == "fail":  # a test whose query found rows: "Got 3 results, ..."
            lines.append(f"{kind} {name} failed ({message})")
        else:  # "Runtime Error in model <name> (<path>)", then dbt's reason (its first line)
            reason = next((line.strip() for line in message.splitlines()[1:] if line.strip()), message)
            lines.append(f"{kind} {name}: {reason}")
    more = f" and {len(failed) - LISTED_FAILURES} more" if len(failed) > LISTED_FAILURES else ""
    return Failure(
        description=(
            f"dbt failed on {len(failed)} node(s): " + "; ".join(lines) + more + ". "
            "A model that failed keeps its last good table, and what depends on it was not built. "
            f"Fix the cause (dbt's log: {log}) and run again."
        ),
        metadata={"dbt_log": str(log), "failed_nodes": [r["unique_id"] for r in failed]},
    )
