-- The state of each invoice at each as-of date D: the rules R1-R9 side by side, so that the
-- reporting-date marts and the monthly period close (R13) read the same rows. One row per pair of
-- the spine at the reporting date and the month ends (int_invoice_moving_states), and one per
-- invoice stable by the reporting date: its final state (int_invoice_final_states) with D stamped
-- on it (docs/architecture.md, "The state of settled invoices, once").
-- A view: both parts are tables already, and the final states, most of the invoices, are not
-- written again every day with a new D on them (at 10M that was 57 s of a daily run).
{{ config(materialized='view') }}
with reporting_date as (
    select as_of_date, is_month_end
    from {{ ref('int_as_of_dates') }}
    where is_reporting_date
)

select moving_states.*
from {{ ref('int_invoice_moving_states') }} as moving_states

union all by name

select
    final_states.* exclude (stable_load_id, rules_fingerprint, removed_loads_high_water)
    replace (reporting_date.as_of_date as as_of_date),
    true                        as is_reporting_date,
    reporting_date.is_month_end as is_month_end
from {{ ref('int_invoice_final_states') }} as final_states
inner join reporting_date
    on final_states.as_of_date <= reporting_date.as_of_date
