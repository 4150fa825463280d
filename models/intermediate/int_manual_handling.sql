-- R12 manual handling, per invoice posted by the reporting date D. Manual events are
-- VIDERESENDT, ESKALERET, RETURNERET and KORRIGERET. An invoice is touchless when it has a
-- BOGFØRT event and no manual event before its first BOGFØRT (in event order: Tidspunkt, then
-- Hændelses_id). Counted in the month of that BOGFØRT, split by whether the invoice's PO (a PO
-- of the same supplier, as in R5) has at least one fee line; an invoice without such a PO
-- counts as "no fee line".
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

invoices as (
    select * from {{ ref('stg_kvantum__invoices') }}
    where invoice_type = 'FAKTURA'
),

event_dates as (
    select * from {{ ref('int_invoice_event_dates') }}
),

purchase_orders as (
    select * from {{ ref('int_purchase_orders') }}
),

posted as (
    select
        invoices.invoice_id,
        invoices.department,
        invoices.supplier_id,
        invoices.po_number,
        event_dates.first_posted_date,
        event_dates.first_posted_sequence,
        reporting_date.as_of_date
    from invoices
    inner join event_dates
        on invoices.invoice_id = event_dates.invoice_id
    cross join reporting_date
    where event_dates.first_posted_date <= reporting_date.as_of_date
),

manual_events_before_posting as (
    select events.invoice_id, count(*) as manual_events
    from {{ ref('stg_kvantum__invoice_events') }} as events
    inner join posted
        on events.invoice_id = posted.invoice_id
        and events.event_sequence < posted.first_posted_sequence
    where events.event_type in ('VIDERESENDT', 'ESKALERET', 'RETURNERET', 'KORRIGERET')
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
    posted.as_of_date
from posted
left join purchase_orders
    on posted.po_number = purchase_orders.po_number
    and posted.supplier_id = purchase_orders.supplier_id
left join manual_events_before_posting
    on posted.invoice_id = manual_events_before_posting.invoice_id
