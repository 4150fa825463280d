-- Report (R16): per department (all seven), the open claims at D by age bucket, the flagged
-- claims, and the claims paid within the limit among those paid (all months of submission by D).
with claims as (
    select * from {{ ref('int_expense_claim_state_as_of') }}
),

per_department as (
    select
        department,
        count(*) filter (where is_open)                                   as open_claims,
        count(*) filter (where open_bucket = '0-12')                      as open_0_12,
        count(*) filter (where open_bucket = '13-21')                     as open_13_21,
        count(*) filter (where open_bucket = '22-30')                     as open_22_30,
        count(*) filter (where open_bucket = '31+')                       as open_31_plus,
        count(*) filter (where has_control_flag)                          as flagged_claims,
        count(*) filter (where is_paid)                                   as paid,
        count(*) filter (where is_paid_within_limit)                      as paid_within_limit
    from claims
    group by department
)

select
    departments.department,
    departments.department_name,
    coalesce(per_department.open_claims, 0)       as open_claims,
    coalesce(per_department.open_0_12, 0)         as open_0_12,
    coalesce(per_department.open_13_21, 0)        as open_13_21,
    coalesce(per_department.open_22_30, 0)        as open_22_30,
    coalesce(per_department.open_31_plus, 0)      as open_31_plus,
    coalesce(per_department.flagged_claims, 0)    as flagged_claims,
    coalesce(per_department.paid, 0)              as paid,
    coalesce(per_department.paid_within_limit, 0) as paid_within_limit,
    cast(per_department.paid_within_limit as double) / nullif(per_department.paid, 0) as paid_within_limit_rate
from {{ ref('departments') }} as departments
left join per_department
    on departments.department = per_department.department
