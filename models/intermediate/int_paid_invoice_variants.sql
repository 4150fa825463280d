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
select
    invoice_id,
    any_value(department)                                   as department,
    any_value(paid_month)                                   as paid_month,
    any_value(received_date)                                as received_date,
    any_value(paid_date)                                    as paid_date,
    any_value(days_to_pay)                                  as days_to_pay,
    string_agg(event_type, ' > ' order by event_sequence)   as variant,
    count(*)                                                as events,
    {{ incremental_load_id('max(_load_id)') }}
from {{ ref('int_paid_invoice_process_events') }}
where {{ changed_keys_only('invoice_id') }}
group by invoice_id
