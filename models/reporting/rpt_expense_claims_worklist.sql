-- Report (R16): the expense-claim worklist at D with names (employee, approver) and the control
-- flags spelled out in Danish, for the report's sheet.
with users as (
    -- the current version of each user (the only place names come from)
    select user_id, full_name from {{ ref('stg_kvantum__users') }} where is_current
)

select
    worklist.as_of_date,
    worklist.claim_id,
    worklist.department,
    departments.department_name,
    worklist.employee_user_id,
    employee.full_name                                   as employee_name,
    worklist.expense_date,
    worklist.submitted_date,
    worklist.amount_dkk,
    worklist.expense_type,
    worklist.status,
    worklist.is_open,
    worklist.days_open,
    worklist.open_bucket,
    worklist.approver_user_id,
    approver.full_name                                   as approver_name,
    worklist.has_control_flag,
    concat_ws(', ',
        case when worklist.is_self_approved then 'Selvgodkendt' end,
        case when worklist.is_approver_not_manager then 'Godkender er ikke leder' end,
        case when worklist.has_no_receipt then 'Ingen kvittering' end,
        case when worklist.has_no_purpose then 'Intet formål' end,
        case when worklist.is_representation_without_participants then 'Repræsentation uden deltagere' end,
        case when worklist.is_possible_duplicate then 'Mulig dublet' end,
        case when worklist.is_late_submission then 'Indsendt for sent' end
    )                                                    as flags_text,
    row_number() over (
        order by worklist.has_control_flag desc, worklist.days_open desc nulls last, worklist.claim_id
    )                                                    as sort_order
from {{ ref('expense_claims_worklist') }} as worklist
left join {{ ref('departments') }} as departments
    on worklist.department = departments.department
left join users as employee
    on worklist.employee_user_id = employee.user_id
left join users as approver
    on worklist.approver_user_id = approver.user_id
