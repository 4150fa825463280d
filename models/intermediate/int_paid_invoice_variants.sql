-- R15 process variants: one row per paid invoice (FAKTURA) with its variant, the event types of
-- its events up to and including its first BETALT (int_paid_invoice_process_events) in event
-- order, joined with ' > '. The one place a variant is spelled out: the mart and the report read it.
-- Independent of D (int_invoice_variants takes the invoices paid by D), so incremental by invoice
-- (macros/incremental.sql): a run recomputes the invoices whose process events were rebuilt.
{{ incremental_by_key('invoice_id', [
    {'ref': 'stg_kvantum__invoices'},
    {'ref': 'int_paid_invoice_process_events'},
]) }}
-- an invoice that stops being a paid FAKTURA loses its process events; its new version in
-- stg_kvantum__invoices is what marks it changed, so that its row here goes too
-- depends_on: {{ ref('stg_kvantum__invoices') }}
-- A window over each invoice's events rather than `group by` with an ordered string_agg: DuckDB's
-- ordered aggregate keeps every group in memory and ran out of it at 10M invoices under a 1.5 GB
-- limit; the window sorts by invoice and spills (benchmarks/README.md, session 7).
select
    invoice_id,
    department,
    paid_month,
    received_date,
    paid_date,
    days_to_pay,
    string_agg(event_type, ' > ') over invoice_events     as variant,
    count(*) over invoice_events                          as events,
    {{ incremental_load_id('max(_load_id) over invoice_events') }}
from {{ ref('int_paid_invoice_process_events') }}
where {{ changed_keys_only('invoice_id') }}
window invoice_events as (
    partition by invoice_id order by event_sequence
    rows between unbounded preceding and unbounded following
)
qualify row_number() over (partition by invoice_id order by event_sequence) = 1
