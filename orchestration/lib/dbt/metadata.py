"""Row counts and column schemas for dbt assets, read after dbt has finished.

dagster-dbt's `fetch_row_counts()` / `fetch_column_metadata()` query the warehouse while dbt is
still running; with DuckDB (one writer per file) that collides with dbt's own lock. So the dbt
events are held until dbt exits, then each materialization gets its table's row count and
columns (with their dbt descriptions) from one read of the warehouse.
"""

from collections.abc import Iterable, Iterator

from dagster import AssetExecutionContext, Output, TableColumn, TableSchema
from dagster_duckdb import DuckDBResource


def with_table_metadata(context: AssetExecutionContext, events: Iterable, duckdb: DuckDBResource) -> Iterator:
    held = list(events)  # dbt has exited once the stream is exhausted
    outputs = [e for e in held if isinstance(e, Output)]
    relations = {}
    for event in outputs:
        key = context.asset_key_for_output(event.output_name)
        relations[event.output_name] = (key.path[0], key.path[-1])
    metadata = {}
    if relations:
        with duckdb.get_connection() as conn:
            columns: dict[tuple[str, str], list[TableColumn]] = {}
            for schema, table, column, data_type, comment in conn.execute(
                "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
                "where database_name = current_database() order by schema_name, table_name, column_index"
            ).fetchall():
                columns.setdefault((schema, table), []).append(TableColumn(column, data_type, description=comment))
            for output_name, (schema, table) in relations.items():
                if (schema, table) not in columns:
                    continue
                [(rows,)] = conn.execute(f'select count(*) from "{schema}"."{table}"').fetchall()
                metadata[output_name] = {
                    "dagster/row_count": rows,
                    "dagster/column_schema": TableSchema(columns=columns[(schema, table)]),
                }
    for event in held:
        if isinstance(event, Output) and event.output_name in metadata:
            event = event.with_metadata({**event.metadata, **metadata[event.output_name]})
        yield event
