-- Report (R1-R7, R9, R13 milestones): the summary by department, sheet 'Oversigt' and the key
-- figures. One row per department at the reporting date D (every department of the seed
-- departments, plus any other with a row in department_status) and the total row 'I alt':
--   the R1-R7 counts at D (department_status; zeros for a department without invoices);
--   the invoices paid in D's month (month to date), how many on time and the on-time rate
--     (timely_payment; no rate without payments that month);
--   the milestone targets valid for D's month (int_milestone_targets), not those of the latest
--     closed month: the period close is a separate, month-partitioned build that this model does
--     not depend on (docs/report.md).
-- The total row adds up the departments (the targets too); its rate is total on time / total
-- paid. sort_order: the departments by code, the total last.
with reporting_date as (
    select as_of_date, month
    from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

status as (
    select department_status.*
    from {{ ref('department_status') }} as department_status
    inner join reporting_date
        on department_status.as_of_date = reporting_date.as_of_date
),

paid_in_month as (
    select
        timely_payment.department,
        timely_payment.invoices_paid,
        timely_payment.paid_on_time,
        timely_payment.on_time_rate
    from {{ ref('timely_payment') }} as timely_payment
    inner join reporting_date
        on timely_payment.month = reporting_date.month
),

targets as (
    select
        targets.department,
        targets.target_overdue,
        targets.target_lying_13_30
    from {{ ref('int_milestone_targets') }} as targets
    inner join reporting_date
        on {{ valid_at('targets', 'reporting_date.month', 'valid_from_month', 'valid_until_month') }}
),

-- every department of the seed, and any other with a status row
all_departments as (
    select
        coalesce(departments.department, status.department) as department,
        departments.department_name
    from {{ ref('departments') }} as departments
    full join status
        on departments.department = status.department
),

per_department as (
    select
        reporting_date.as_of_date,
        all_departments.department,
        all_departments.department_name,
        coalesce(status.in_process, 0)                 as in_process,
        coalesce(status.lying_13_30, 0)                as lying_13_30,
        coalesce(status.lying_22_plus, 0)              as lying_22_plus,
        coalesce(status.overdue, 0)                    as overdue,
        coalesce(status.overdue_amount_dkk, 0)         as overdue_amount_dkk,
        coalesce(status.missing_goods_receipt, 0)      as missing_goods_receipt,
        coalesce(status.payment_blocked, 0)            as payment_blocked,
        coalesce(status.holder_without_access, 0)      as holder_without_access,
        coalesce(status.escalation_candidates, 0)      as escalation_candidates,
        coalesce(paid_in_month.invoices_paid, 0)       as invoices_paid,
        coalesce(paid_in_month.paid_on_time, 0)        as paid_on_time,
        paid_in_month.on_time_rate,
        targets.target_overdue,
        targets.target_lying_13_30,
        false                                          as is_total
    from all_departments
    cross join reporting_date
    left join status
        on all_departments.department = status.department
    left join paid_in_month
        on all_departments.department = paid_in_month.department
    left join targets
        on all_departments.department = targets.department
),

total as (
    select
        any_value(as_of_date)                                         as as_of_date,
        'I alt'                                                       as department,
        cast(null as varchar)                                         as department_name,
        sum(in_process)                                               as in_process,
        sum(lying_13_30)                                              as lying_13_30,
        sum(lying_22_plus)                                            as lying_22_plus,
        sum(overdue)                                                  as overdue,
        sum(overdue_amount_dkk)                                       as overdue_amount_dkk,
        sum(missing_goods_receipt)                                    as missing_goods_receipt,
        sum(payment_blocked)                                          as payment_blocked,
        sum(holder_without_access)                                    as holder_without_access,
        sum(escalation_candidates)                                    as escalation_candidates,
        sum(invoices_paid)                                            as invoices_paid,
        sum(paid_on_time)                                             as paid_on_time,
        cast(sum(paid_on_time) as double) / nullif(sum(invoices_paid), 0) as on_time_rate,
        sum(target_overdue)                                           as target_overdue,
        sum(target_lying_13_30)                                       as target_lying_13_30,
        true                                                          as is_total
    from per_department
)

select
    *,
    row_number() over (order by is_total, department) as sort_order
from (
    select * from per_department
    union all by name
    select * from total
)
