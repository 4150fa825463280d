{#- Models go to the schema their folder names (staging, intermediate, marts, reference), not to
    "<target schema>_<folder>": BI tools read `marts.<table>` as MARTS.md says. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name is not none else target.schema }}
{%- endmacro %}
