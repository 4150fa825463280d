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
-- The variant is the invoice's events as a list sorted by event_sequence, in a window over the
-- whole invoice (no frame): DuckDB computes such a window once per invoice, sorts by invoice and
-- spills. Neither an ordered string_agg (`group by`: every group in memory, out of memory at 10M
-- under 2.5 GB) nor a string_agg over a framed window (a segment tree whose upper nodes
-- concatenate whole partitions: 991 s at 10M) does (benchmarks/README.md, session 9).
select
    invoice_id,
    department,
    paid_month,
    received_date,
    paid_date,
    days_to_pay,
    array_to_string(
        list_transform(
            list_sort(list(struct_pack(sequence := event_sequence, event_type := event_type)) over invoice_events),
            event -> event.event_type
        ),
        ' > '
    )                                                     as variant,
    count(*) over invoice_events                          as events,
    {{ incremental_load_id('max(_load_id) over invoice_events') }}
from {{ ref('int_paid_invoice_process_events') }}
where {{ changed_keys_only('invoice_id') }}
window invoice_events as (partition by invoice_id)
qualify row_number() over (partition by invoice_id order by event_sequence) = 1
