-- R15 process paths and variants: the events of each paid invoice (FAKTURA, int_paid_invoices),
-- in event order up to and including its first BETALT, each with the next event and the days to
-- it (dates of Tidspunkt), and the invoice's days from Modtagetdato to payment.
-- Independent of D (int_invoice_process_events takes the invoices paid by D), so incremental by
-- invoice (macros/incremental.sql): a run recomputes the invoices with a new version or new events.
{{ incremental_by_key('invoice_id', [
    {'ref': 'stg_kvantum__invoices'},
    {'ref': 'int_paid_invoices'},
    {'ref': 'stg_kvantum__invoice_events'},
]) }}
-- an invoice that stops being a paid FAKTURA (a new version) leaves int_paid_invoices; its new
-- version in stg_kvantum__invoices is what marks it changed, so that its rows here go too
-- depends_on: {{ ref('stg_kvantum__invoices') }}
-- paid is joined once and its columns carried through the window: a CTE read twice is kept in
-- memory whole by DuckDB, and at 10M paid invoices that did not fit a 2.5 GB limit
-- (benchmarks/README.md, session 8)
with paid as (
    select * from {{ ref('int_paid_invoices') }}
    where {{ changed_keys_only('invoice_id') }}
)

select
    events.invoice_id,
    paid.department,
    paid.paid_month,
    paid.received_date,
    paid.paid_date,
    paid.paid_date - paid.received_date                  as days_to_pay,
    events.event_sequence,
    events.event_type,
    events.event_date,
    lead(events.event_type) over w                       as next_event_type,
    lead(events.event_date) over w - events.event_date   as days_to_next_event,
    {{ incremental_load_id('paid._load_id') }}
from {{ ref('stg_kvantum__invoice_events') }} as events
inner join paid
    on events.invoice_id = paid.invoice_id
where events.event_sequence <= paid.first_paid_sequence
    and {{ changed_keys_only('events.invoice_id') }}
window w as (partition by events.invoice_id order by events.event_sequence)
