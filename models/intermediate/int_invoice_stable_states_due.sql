-- The settled invoices whose final state this run computes (again), and the kept final states that
-- go: an invoice is here when its stable date or stamp (int_invoice_stable_dates) differs from the
-- kept final state's, when it has none yet, when it is no longer settled (stable_from empty: its
-- kept state goes), or when the rules changed since the state was taken (their fingerprint, or a
-- file load undone since). Every settled invoice after a full refresh or before the first build.
-- It compares what is there rather than counting on a watermark, so a run that stopped halfway is
-- made good by the next.
-- int_invoice_final_states is downstream of this model (the spine evaluates the due invoices at
-- their stable date): its rows of before this run are read by name, not ref
-- (macros/stable_states.sql), and it is built later in the same dbt build.
{%- set kept = kept_final_states_relation() %}
with stable_dates as (
    select invoice_id, stable_from, _load_id
    from {{ ref('int_invoice_stable_dates') }}
    where stable_from is not null
)
{%- if kept is none %}

select invoice_id, stable_from, _load_id as stable_load_id
from stable_dates
{%- else %},

kept as (
    select invoice_id, as_of_date as stable_from, stable_load_id, rules_fingerprint, removed_loads_high_water
    from {{ kept }}
)

select
    coalesce(stable_dates.invoice_id, kept.invoice_id) as invoice_id,
    stable_dates.stable_from,
    stable_dates._load_id                              as stable_load_id
from stable_dates
full outer join kept
    on stable_dates.invoice_id = kept.invoice_id
where kept.invoice_id is null
    or stable_dates.invoice_id is null
    or stable_dates.stable_from <> kept.stable_from
    or stable_dates._load_id <> kept.stable_load_id
    or kept.rules_fingerprint <> '{{ final_states_fingerprint() }}'
    or kept.removed_loads_high_water <> {{ removed_loads_high_water() }}
{%- endif %}
