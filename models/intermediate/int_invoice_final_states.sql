-- The final state of each settled invoice: its row of the rules (int_invoice_rule_states) at its
-- stable date (as_of_date here), the same at every later reporting date D
-- (int_invoice_stable_dates says why). int_invoice_state_as_of stamps D on it.
-- Kept across runs: a run computes only the invoices int_invoice_stable_states_due names (new,
-- changed or newly settled invoices; all of them when the rules changed), so a daily run evaluates
-- the rules for the open invoices and the day's changes, not for the whole history.
-- The stamp of each row is what int_invoice_stable_states_due compares at the next run: the stable
-- date, the stable dates' _load_id, the rules' fingerprint and the latest undone file load.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='invoice_id',
    on_schema_change='sync_all_columns',
    post_hook=["{{ drop_unsettled_final_states() }}"]
) }}
with due as (
    select invoice_id, stable_load_id from {{ ref('int_invoice_stable_states_due') }}
    where stable_from is not null
)

select
    rule_states.* exclude (is_reporting_date, is_month_end, is_stable_state),
    due.stable_load_id,
    '{{ final_states_fingerprint() }}'           as rules_fingerprint,
    {{ removed_loads_high_water() }}               as removed_loads_high_water
from {{ ref('int_invoice_rule_states') }} as rule_states
inner join due
    on rule_states.invoice_id = due.invoice_id
where rule_states.is_stable_state
