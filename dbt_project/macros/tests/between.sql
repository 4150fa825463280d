{#- Generic test: every non-null value of the column lies within [min_value, max_value]
    (rates are fractions 0..1, counts are not negative). -#}
{% test between(model, column_name, min_value, max_value=none) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }}
{%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
{% endtest %}
