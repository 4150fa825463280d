{#- Generic test: the combination of `columns` is unique (dbt-core has no such test; dbt_utils
    cannot be installed here). Fails with one row per duplicated combination. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
