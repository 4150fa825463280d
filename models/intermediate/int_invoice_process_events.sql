-- R15 process paths and variants at D: the events up to payment (int_paid_invoice_process_events)
-- of the invoices paid by the reporting date D (first BETALT on or before D). A view: the events
-- themselves do not depend on D and are built incrementally; only this choice does.
{{ config(materialized='view') }}
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
)

select
    events.invoice_id,
    events.department,
    events.paid_month,
    events.received_date,
    events.paid_date,
    events.days_to_pay,
    events.event_sequence,
    events.event_type,
    events.event_date,
    events.next_event_type,
    events.days_to_next_event
from {{ ref('int_paid_invoice_process_events') }} as events
inner join reporting_date
    on events.paid_date <= reporting_date.as_of_date
