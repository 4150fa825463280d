-- R15 process variants: per month of payment, each whole sequence of event types up to the first
-- BETALT (joined with ' > '), with the invoices paid that month that took it and their median days
-- from Modtagetdato to payment.
with invoice_variants as (
    select
        paid_month,
        invoice_id,
        string_agg(event_type, ' > ' order by event_sequence) as variant,
        any_value(days_to_pay)                                 as days_to_pay
    from {{ ref('int_invoice_process_events') }}
    group by paid_month, invoice_id
)

select
    paid_month                                 as month,
    variant,
    count(*)                                   as invoices,
    median(cast(days_to_pay as double))        as median_days_to_pay
from invoice_variants
group by paid_month, variant
