{#-
  Version validity for an entity source (EXPORTS.md "Versions and duplicates"), written once.

  Each raw row is a version. Versions of one key are ordered by `Ændret`, then the later extract
  date, then the later line. The version valid at a date D is the latest version with `Ændret` on
  or before the end of D, or the earliest version if none is that old. As intervals on dates:
    valid_from = the date of `Ændret` (the earliest version: the beginning of time)
    valid_to   = the valid_from of the next version (exclusive), NULL for the current version
  so "valid at D" is `valid_from <= D and (valid_to is null or D < valid_to)`. Several versions
  written the same day leave the earlier ones with an empty interval: the day's last one wins.
-#}
{% macro version_columns(key_columns) -%}
    {#- one window (one sort of the versions): the current version is the last in that order, the
        one with no next version -#}
    {%- set versions_in_order = '(partition by ' ~ (key_columns | join(', ')) ~ ' order by changed_at, extract_date, source_line)' -%}
    case
        when row_number() over {{ versions_in_order }} = 1 then date '0001-01-01'
        else cast(changed_at as date)
    end as valid_from,
    lead(cast(changed_at as date)) over {{ versions_in_order }} as valid_to,
    lead(true) over {{ versions_in_order }} is null as is_current
{%- endmacro %}

{#- The join condition "this version is valid at date_expr" (see version_columns). Other
    intervals of the same kind (from inclusive, to exclusive, NULL = open) name their columns:
    the milestone targets valid for a month, valid_at('targets', 'month', 'valid_from_month',
    'valid_until_month'). -#}
{% macro valid_at(version_alias, date_expr, from_column='valid_from', to_column='valid_to') -%}
    ({{ version_alias }}.{{ from_column }} <= {{ date_expr }}
     and ({{ version_alias }}.{{ to_column }} is null or {{ date_expr }} < {{ version_alias }}.{{ to_column }}))
{%- endmacro %}

{#- The current version of each key of a versions model. With incremental_key, the model is
    incremental by that key (macros/incremental.sql), and so is the versions model. -#}
{% macro current_version(versions_relation, incremental_key=none) -%}
select *
from {{ versions_relation }}
where is_current
{%- if incremental_key %} and {{ changed_keys_only(incremental_key) }}{% endif %}
{%- endmacro %}
