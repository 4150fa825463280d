-- Report (R4): the escalation list (22+ days without approval) with the department name and the
-- names of the holder and the next approver, by department, longest lying first.
with users as (
    -- the current version of each user (the only place names come from)
    select user_id, full_name from {{ ref('stg_kvantum__users') }} where is_current
)

select
    row_number() over (order by escalation.department, escalation.days_lying desc, escalation.invoice_id) as sort_order,
    escalation.invoice_id,
    escalation.department,
    departments.department_name,
    escalation.days_lying,
    escalation.due_date,
    escalation.amount_dkk,
    escalation.holder_user_id,
    holder.full_name   as holder_name,
    escalation.next_approver_user_id,
    approver.full_name as next_approver_name
from {{ ref('escalation_list') }} as escalation
left join {{ ref('departments') }} as departments
    on escalation.department = departments.department
left join users as holder
    on escalation.holder_user_id = holder.user_id
left join users as approver
    on escalation.next_approver_user_id = approver.user_id
