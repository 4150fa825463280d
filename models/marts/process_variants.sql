-- R15 process variants: per month of payment, each whole sequence of event types up to the first
-- BETALT (int_invoice_variants), with the invoices paid that month that took it and their median
-- days from Modtagetdato to payment.
-- Incremental by month (macros/incremental_by_group.sql): a run recomputes the months whose
-- invoices changed.
{{ incremental_by_group('month', {'ref': 'int_invoice_variants', 'key': 'paid_month'}) }}
select
    paid_month                                 as month,
    variant,
    count(*)                                   as invoices,
    median(cast(days_to_pay as double))        as median_days_to_pay
from {{ ref('int_invoice_variants') }}
where {{ changed_groups_only('paid_month') }}
group by paid_month, variant
