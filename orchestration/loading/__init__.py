"""Loading the Kvantum exports into DuckDB's `raw` schema, as ../shared/contract/EXPORTS.md says."""
