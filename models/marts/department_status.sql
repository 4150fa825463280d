-- One row per department (all seven) at the reporting date D: the follow-up counts of R1-R7 that
-- the Monday/Thursday report and its summary sheet show, counted once in int_department_states.
with reporting_date as (
    select as_of_date, data_watermark from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

states as (
    select * from {{ ref('int_department_states') }}
    where is_reporting_date
)

select
    reporting_date.as_of_date,
    departments.department,
    coalesce(states.in_process, 0)                                   as in_process,
    coalesce(states.lying_13_30, 0)                                  as lying_13_30,
    coalesce(states.lying_22_plus, 0)                                as lying_22_plus,
    coalesce(states.overdue, 0)                                      as overdue,
    cast(coalesce(states.overdue_amount_dkk, 0) as decimal(18, 2))   as overdue_amount_dkk,
    coalesce(states.missing_goods_receipt, 0)                        as missing_goods_receipt,
    coalesce(states.payment_blocked, 0)                              as payment_blocked,
    coalesce(states.holder_without_access, 0)                        as holder_without_access,
    coalesce(states.escalation_candidates, 0)                        as escalation_candidates,
    reporting_date.data_watermark
from reporting_date
cross join {{ ref('departments') }} as departments
left join states
    on departments.department = states.department
