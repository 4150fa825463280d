-- R15 process variants: per month of payment, each whole sequence of event types up to the first
-- BETALT (int_invoice_variants), with the invoices paid that month that took it and their median
-- days from Modtagetdato to payment.
select
    paid_month                                 as month,
    variant,
    count(*)                                   as invoices,
    median(cast(days_to_pay as double))        as median_days_to_pay
from {{ ref('int_invoice_variants') }}
group by paid_month, variant
