-- R1-R3: the invoices in process at the reporting date D per department and days-lying bucket,
-- with their amount and how many of them are overdue. Only buckets that hold invoices have a row.
select
    as_of_date,
    department,
    lying_bucket,
    count(*)                                          as invoices,
    cast(sum(amount_dkk) as decimal(18, 2))           as amount_dkk,
    count(*) filter (where is_overdue)                as overdue_invoices,
    cast(coalesce(sum(amount_dkk) filter (where is_overdue), 0) as decimal(18, 2)) as overdue_amount_dkk
from {{ ref('int_invoice_state_as_of') }}
where is_reporting_date
    and is_in_process
group by as_of_date, department, lying_bucket
