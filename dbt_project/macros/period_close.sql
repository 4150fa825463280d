{#- The period close (R13): the months a run closes, and the months closed before.
    Read by the mart period_close, which takes the months, and by int_as_of_dates, which evaluates
    the states at the last day of only the months a close can still take (docs/architecture.md,
    "Month ends only where a close needs them"). -#}

{#- The close's parameters: vars close_month_from / close_month_to / force_close, or, when they are
    null, the environment variables a Dagster partition passes (RETTIDIG_CLOSE_MONTH_FROM / _TO,
    RETTIDIG_FORCE_CLOSE; int_as_of_dates says why not --vars). No range = close nothing. -#}
{% macro close_parameters() %}
    {%- set month_from = var('close_month_from') or env_var('RETTIDIG_CLOSE_MONTH_FROM', '') or none -%}
    {%- set month_to = var('close_month_to') or env_var('RETTIDIG_CLOSE_MONTH_TO', '') or none -%}
    {%- set force = (var('force_close') or env_var('RETTIDIG_FORCE_CLOSE', 'false')) | string | lower in ['true', '1', 'yes'] -%}
    {{ return({'month_from': month_from, 'month_to': month_to, 'force': force}) }}
{% endmacro %}

{#- A condition: `month_column` (a month's first day) lies in the close's range. False when the
    run closes nothing; one bound alone is open-ended on the other side. -#}
{% macro in_close_range(month_column, close) %}
    {%- if not (close.month_from or close.month_to) -%}
        false
    {%- else -%}
        {% if close.month_from -%}
        {{ month_column }} >= cast(date_trunc('month', cast('{{ close.month_from }}' as date)) as date)
        {%- else -%} true {%- endif %}
        and {% if close.month_to -%}
        {{ month_column }} <= cast(date_trunc('month', cast('{{ close.month_to }}' as date)) as date)
        {%- else -%} true {%- endif %}
    {%- endif -%}
{% endmacro %}

{#- The months the period close has taken (their first days), as a DuckDB list: the rows of
    marts.period_close as this run finds them. Read by name, not ref: int_as_of_dates is upstream
    of period_close. An empty list before the first close. A closed month is kept as reported
    (period_close), so its month-end states are needed again only by a forced re-close. -#}
{% macro months_closed() %}
    {%- set none_closed = 'cast([] as date[])' -%}
    {%- if not execute -%}
        {{ return(none_closed) }}
    {%- endif -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.period_close') -%}
    {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) if node else none -%}
    {%- if relation is none -%}
        {{ return(none_closed) }}
    {%- endif -%}
    {{ return('(select coalesce(list(distinct month), ' ~ none_closed ~ ') from ' ~ relation ~ ')') }}
{% endmacro %}
