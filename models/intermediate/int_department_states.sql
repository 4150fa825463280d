-- R1-R7 counted per department at every as-of date (the reporting date D and every closable
-- month's last day): the one place these counts are made. The period close (R13) takes the month
-- ends, the mart department_status the reporting date.
select
    as_of_date,
    bool_or(is_reporting_date)                                          as is_reporting_date,
    bool_or(is_month_end)                                               as is_month_end,
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
