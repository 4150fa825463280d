{#- Generic test: the model has at most max_rows rows (fails with the count when it has more). -#}
{% test row_count_at_most(model, max_rows) %}
select count(*) as row_count
from {{ model }}
having count(*) > {{ max_rows }}
{% endtest %}
