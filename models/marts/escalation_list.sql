-- R4: the escalation candidates at the reporting date D (in process, lying at least
-- var escalation_days days, not approved by D), with the holder and the next approver.
select
    invoice_id,
    department,
    days_lying,
    holder_user_id,
    next_approver_user_id,
    due_date,
    amount_dkk,
    as_of_date,
    supplier_id,
    received_date,
    holder_from_date as holder_since_date,
    is_overdue,
    days_overdue,
    holder_has_kvantum_access
from {{ ref('int_invoice_state_as_of') }}
where is_reporting_date
    and is_escalation_candidate
