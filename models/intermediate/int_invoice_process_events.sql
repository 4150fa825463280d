-- R15 process paths and variants: the events of each invoice (FAKTURA) paid by the reporting
-- date D, in event order up to and including its first BETALT, each with the next event and the
-- days to it (dates of Tidspunkt), and the invoice's days from Modtagetdato to payment.
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

paid as (
    select
        payments.invoice_id,
        payments.department,
        payments.received_date,
        payments.paid_date,
        cast(date_trunc('month', payments.paid_date) as date) as paid_month
    from {{ ref('int_invoice_payments') }} as payments
    inner join reporting_date
        on payments.paid_date <= reporting_date.as_of_date
),

events as (
    select
        events.invoice_id,
        events.event_sequence,
        events.event_type,
        events.event_date,
        min(events.event_sequence) filter (where events.event_type = 'BETALT')
            over (partition by events.invoice_id) as first_paid_sequence
    from {{ ref('stg_kvantum__invoice_events') }} as events
    inner join paid
        on events.invoice_id = paid.invoice_id
),

up_to_payment as (
    select
        invoice_id,
        event_sequence,
        event_type,
        event_date,
        lead(event_type) over w                 as next_event_type,
        lead(event_date) over w - event_date    as days_to_next_event
    from events
    where event_sequence <= first_paid_sequence
    window w as (partition by invoice_id order by event_sequence)
)

select
    up_to_payment.invoice_id,
    paid.department,
    paid.paid_month,
    paid.received_date,
    paid.paid_date,
    paid.paid_date - paid.received_date as days_to_pay,
    up_to_payment.event_sequence,
    up_to_payment.event_type,
    up_to_payment.event_date,
    up_to_payment.next_event_type,
    up_to_payment.days_to_next_event
from up_to_payment
inner join paid
    on up_to_payment.invoice_id = paid.invoice_id
