{#-
  Small rule expressions that several models share, written once.
-#}

{#- R2 (and R16's open claims, "bucketed like R2"): the days-lying bucket of a day count. -#}
{% macro lying_bucket(days) -%}
    case
        when {{ days }} is null then null
        when {{ days }} <= 12 then '0-12'
        when {{ days }} <= 21 then '13-21'
        when {{ days }} <= 30 then '22-30'
        else '31+'
    end
{%- endmacro %}

{#- RULES.md v1.1: "bank days from A to B" = the bank days d with A < d <= B (0 when B <= A), from
    the bank-day numbers of int_bank_day_numbers at A and at B. -#}
{% macro bank_days_between(number_at_a, number_at_b) -%}
    greatest({{ number_at_b }} - {{ number_at_a }}, 0)
{%- endmacro %}

{#- R15: invoices, total, average and plain median (the mean of the two middle values for an even
    count) of a per-invoice day count, for a group. -#}
{% macro dwell_measures(days) -%}
    count(*)                                  as invoices,
    cast(sum({{ days }}) as bigint)           as total_days,
    avg({{ days }})                           as avg_days,
    median(cast({{ days }} as double))        as median_days
{%- endmacro %}

{#- R15 at D: the rows of a per-paid-invoice model (built incrementally, independent of D) of the
    invoices paid by the reporting date D (first BETALT on or before D), without their _load_id.
    The body of the views int_invoice_dwell_intervals, int_invoice_process_events and
    int_invoice_variants. -#}
{% macro paid_by_reporting_date(paid_model) -%}
select paid.* exclude (_load_id)
from {{ ref(paid_model) }} as paid
inner join {{ ref('int_as_of_dates') }} as reporting_date
    on reporting_date.is_reporting_date
    and paid.paid_date <= reporting_date.as_of_date
{%- endmacro %}
