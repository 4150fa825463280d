-- R1-R7 counted per department at every as-of date (the reporting date D and every closable
-- month's last day), for all seven departments (zeros where a department has none): the one
-- place these counts are made. The period close (R13) takes the month ends, the mart
-- department_status the reporting date.
with counts as (
    select
        as_of_date,
        department,
        count(*) filter (where is_in_process)                               as in_process,
        count(*) filter (where lying_bucket in ('13-21', '22-30'))          as lying_13_30,
        count(*) filter (where lying_bucket in ('22-30', '31+'))            as lying_22_plus,
        count(*) filter (where is_overdue)                                  as overdue,
        sum(amount_dkk) filter (where is_overdue)                           as overdue_amount_dkk,
        count(*) filter (where has_missing_goods_receipt)                   as missing_goods_receipt,
        count(*) filter (where has_payment_block)                           as payment_blocked,
        count(*) filter (where is_holder_without_access)                    as holder_without_access,
        count(*) filter (where is_escalation_candidate)                     as escalation_candidates
    from {{ ref('int_invoice_state_as_of') }}
    group by as_of_date, department
)

select
    as_of_dates.as_of_date,
    as_of_dates.is_reporting_date,
    as_of_dates.is_month_end,
    as_of_dates.month,
    as_of_dates.data_watermark,
    departments.department,
    coalesce(counts.in_process, 0)                                   as in_process,
    coalesce(counts.lying_13_30, 0)                                  as lying_13_30,
    coalesce(counts.lying_22_plus, 0)                                as lying_22_plus,
    coalesce(counts.overdue, 0)                                      as overdue,
    cast(coalesce(counts.overdue_amount_dkk, 0) as decimal(18, 2))   as overdue_amount_dkk,
    coalesce(counts.missing_goods_receipt, 0)                        as missing_goods_receipt,
    coalesce(counts.payment_blocked, 0)                              as payment_blocked,
    coalesce(counts.holder_without_access, 0)                        as holder_without_access,
    coalesce(counts.escalation_candidates, 0)                        as escalation_candidates
from {{ ref('int_as_of_dates') }} as as_of_dates
cross join {{ ref('departments') }} as departments
left join counts
    on as_of_dates.as_of_date = counts.as_of_date
    and departments.department = counts.department
