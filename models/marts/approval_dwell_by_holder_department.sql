-- R15: the APPROVAL step per month of payment, invoice department and holder department (the
-- department of the user the invoice went to; it differs from the invoice's own for misrouted
-- invoices; NULL when that user is unknown): invoices, total, average and median days.
-- Incremental by month (macros/incremental_by_group.sql): a run recomputes the months whose
-- invoices changed (their checksums: int_invoice_dwell_interval_checksums).
{{ incremental_by_group('month', {'ref': 'int_invoice_dwell_intervals', 'key': 'paid_month',
                                'checksums': 'int_invoice_dwell_interval_checksums'}) }}
-- depends_on: {{ ref('int_invoice_dwell_interval_checksums') }}
with invoice_holder_departments as (
    select paid_month, department, holder_department, invoice_id, sum(days) as days
    from {{ ref('int_invoice_dwell_intervals') }}
    where step = 'APPROVAL'
        and {{ changed_groups_only('paid_month') }}
    group by paid_month, department, holder_department, invoice_id
)

select
    paid_month as month,
    department,
    holder_department,
    {{ dwell_measures('days') }}
from invoice_holder_departments
group by paid_month, department, holder_department
