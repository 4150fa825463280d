-- R15: where the days went, per month of payment, invoice department and step: the invoices
-- paid that month that had the step, their total days in it, and the average and median of each
-- invoice's days in it (an invoice's days in a step are summed over its intervals of that step; a
-- step with 0 days counts as had).
-- Incremental by month (macros/incremental_by_group.sql): a run recomputes the months whose
-- invoices changed (their checksums: int_invoice_dwell_interval_checksums).
{{ incremental_by_group('month', {'ref': 'int_invoice_dwell_intervals', 'key': 'paid_month',
                                'checksums': 'int_invoice_dwell_interval_checksums'}) }}
-- depends_on: {{ ref('int_invoice_dwell_interval_checksums') }}
with invoice_steps as (
    select paid_month, department, invoice_id, step, sum(days) as days
    from {{ ref('int_invoice_dwell_intervals') }}
    where {{ changed_groups_only('paid_month') }}
    group by paid_month, department, invoice_id, step
)

select
    paid_month as month,
    department,
    step,
    {{ dwell_measures('days') }}
from invoice_steps
group by paid_month, department, step
