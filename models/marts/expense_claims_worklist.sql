-- R16: the expense claims to follow up at the reporting date D: every claim open at D and every
-- claim with a control flag, one row each. User ids only (internal follow-up).
select
    as_of_date,
    claim_id,
    employee_user_id,
    department,
    submitted_date,
    amount_dkk,
    expense_type,
    status,
    is_open,
    days_open,
    open_bucket,
    approver_user_id,
    is_self_approved,
    is_approver_not_manager,
    has_no_receipt,
    has_no_purpose,
    is_representation_without_participants,
    is_possible_duplicate,
    is_late_submission,
    has_control_flag,
    expense_date,
    approved_date,
    paid_out_date,
    days_to_pay
from {{ ref('int_expense_claim_state_as_of') }}
where is_open or has_control_flag
