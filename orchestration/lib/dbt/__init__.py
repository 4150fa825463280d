"""The one dbt project object and the translator from dbt nodes to Dagster assets."""
