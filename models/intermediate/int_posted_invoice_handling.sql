-- R12 manual handling, the part that does not depend on the reporting date D: per posted invoice
-- (FAKTURA with a BOGFØRT event), its first BOGFØRT, the manual events (VIDERESENDT, ESKALERET,
-- RETURNERET, KORRIGERET) before it in event order (Tidspunkt, then Hændelses_id), and whether
-- its PO (a PO of the same supplier, as in R5) has at least one fee line; an invoice without such
-- a PO counts as "no fee line". Every event before the first BOGFØRT is dated on or before it,
-- so none of this moves with D: int_manual_handling takes the invoices posted by D from here.
-- Incremental by invoice (macros/incremental.sql): a run recomputes the invoices with a new
-- version or new events, or whose PO changed.
{{ incremental_by_key('invoice_id', [
    {'ref': 'stg_kvantum__invoices'},
    {'ref': 'int_invoice_event_dates'},
    {'ref': 'stg_kvantum__invoice_events'},
    {'ref': 'int_purchase_orders', 'key': 'po_number',
     'via': 'stg_kvantum__invoices', 'via_key': 'po_number'},
]) }}
with posted as (
    select
        invoices.invoice_id,
        invoices.department,
        invoices.supplier_id,
        invoices.po_number,
        event_dates.first_posted_date,
        event_dates.first_posted_sequence,
        greatest(invoices._load_id, event_dates._load_id) as _load_id
    from {{ ref('stg_kvantum__invoices') }} as invoices
    inner join {{ ref('int_invoice_event_dates') }} as event_dates
        on invoices.invoice_id = event_dates.invoice_id
    where invoices.invoice_type = 'FAKTURA'
        and event_dates.first_posted_date is not null
        and {{ changed_keys_only('invoices.invoice_id') }}
),

purchase_orders as (
    select * from {{ ref('int_purchase_orders') }}
),

manual_events_before_posting as (
    select
        events.invoice_id,
        count(*)              as manual_events,
        max(events._load_id)  as _load_id
    from {{ ref('stg_kvantum__invoice_events') }} as events
    inner join posted
        on events.invoice_id = posted.invoice_id
        and events.event_sequence < posted.first_posted_sequence
    where events.event_type in ('VIDERESENDT', 'ESKALERET', 'RETURNERET', 'KORRIGERET')
        and {{ changed_keys_only('events.invoice_id') }}
    group by events.invoice_id
)

select
    posted.invoice_id,
    posted.department,
    posted.supplier_id,
    posted.first_posted_date                                    as posted_date,
    cast(date_trunc('month', posted.first_posted_date) as date) as posting_month,
    purchase_orders.po_number is not null                       as has_po_of_supplier,
    coalesce(purchase_orders.po_has_fee_line, false)            as po_has_fee_line,
    coalesce(manual_events_before_posting.manual_events, 0)     as manual_events_before_posting,
    manual_events_before_posting.invoice_id is null             as is_touchless,
    {{ incremental_load_id(
        'greatest(posted._load_id, purchase_orders._load_id, manual_events_before_posting._load_id)'
    ) }}
from posted
left join purchase_orders
    on posted.po_number = purchase_orders.po_number
    and posted.supplier_id = purchase_orders.supplier_id
left join manual_events_before_posting
    on posted.invoice_id = manual_events_before_posting.invoice_id
