-- R15: the invoices (FAKTURA) paid by the reporting date D (first BETALT on or before D), one row
-- each, with the department, Modtagetdato, the payment date and month, and the event_sequence of
-- that first BETALT. The dwell intervals (int_invoice_dwell_intervals) and the process paths
-- (int_invoice_process_events) follow each of these invoices' events up to and including it.
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

first_payment_events as (
    select
        invoice_id,
        min(event_sequence) as first_paid_sequence
    from {{ ref('stg_kvantum__invoice_events') }}
    where event_type = 'BETALT'
    group by invoice_id
)

select
    payments.invoice_id,
    payments.department,
    payments.received_date,
    payments.paid_date,
    payments.paid_month,
    first_payment_events.first_paid_sequence
from {{ ref('int_invoice_payments') }} as payments
inner join reporting_date
    on payments.paid_date <= reporting_date.as_of_date
left join first_payment_events
    on payments.invoice_id = first_payment_events.invoice_id
