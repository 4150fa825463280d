{{ config(meta={'dagster': {'ref': {'name': 'aging_by_department'}}}) }}
-- Cross-mart invariant (R1-R3): aging_by_department adds up the invoices in process of
-- invoice_status at the same date, per department and bucket: counts, amounts and overdue counts.
-- Fails with one row per group where the two disagree.
with from_status as (
    select
        as_of_date,
        department,
        lying_bucket,
        count(*)                           as invoices,
        sum(amount_dkk)                    as amount_dkk,
        count(*) filter (where is_overdue) as overdue_invoices
    from {{ ref('invoice_status') }}
    where is_in_process
    group by all
)

select *
from from_status
full outer join {{ ref('aging_by_department') }} as aging
    using (as_of_date, department, lying_bucket)
where from_status.invoices is distinct from aging.invoices
    or from_status.amount_dkk is distinct from aging.amount_dkk
    or from_status.overdue_invoices is distinct from aging.overdue_invoices
