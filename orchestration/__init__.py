"""rettidig: follow-up on timely payment of supplier invoices (Kvantum -> DuckDB -> dbt -> marts)."""
