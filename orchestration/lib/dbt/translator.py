"""How dbt resources become Dagster assets: keys and groups from the model's folder.

- dbt sources `kvantum.<table>` get the keys of the raw assets that load them (`raw/<table>`), so
  the UI shows one lineage graph from the drop folder to the marts;
- models get `<folder>/<name>` (`staging/...`, `intermediate/...`, `marts/...`) and the folder
  as their group; seeds are the `reference` group;
- a column with a `not_null` constraint (the marts' contract) is shown as not nullable in the
  asset's column schema.
"""

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey, TableColumn, TableColumnConstraints, TableSchema
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

RAW_GROUP = "raw"


def _layer(props: Mapping[str, Any]) -> str:
    # fqn: [project, folder, ..., name]; the first folder names the layer
    fqn = props.get("fqn", [])
    return fqn[1] if len(fqn) > 2 else "reference"


class RettidigDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            return AssetKey([RAW_GROUP, dbt_resource_props["name"]])
        if resource_type == "seed":
            return AssetKey(["reference", dbt_resource_props["name"]])
        return AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return _layer(dbt_resource_props)

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        metadata = dict(super().get_metadata(dbt_resource_props))
        schema = metadata.get("dagster/column_schema")
        if isinstance(schema, TableSchema):
            declared = dbt_resource_props.get("columns", {})
            metadata["dagster/column_schema"] = TableSchema(columns=[
                TableColumn(
                    name=column.name, type=column.type, description=column.description, tags=column.tags,
                    constraints=TableColumnConstraints(nullable=False) if any(
                        c.get("type") == "not_null" for c in declared.get(column.name, {}).get("constraints", [])
                    ) else column.constraints,
                )
                for column in schema.columns
            ])
        return metadata
