-- MARTS.md: in invoice_status the R1-R9 columns are NULL for credit notes (they count only in
-- R10 and R11).
select invoice_id
from {{ ref('invoice_status') }}
where invoice_type = 'KREDITNOTA'
    and (
        is_in_process is not null or days_lying is not null or lying_bucket is not null
        or is_unpaid is not null or is_overdue is not null or days_overdue is not null
        or holder_user_id is not null or next_approver_user_id is not null
        or is_escalation_candidate is not null or has_missing_goods_receipt is not null
        or has_payment_block is not null or holder_has_kvantum_access is not null
        or routed_via_ks is not null or paid_date is not null or is_paid_on_time is not null
        or days_to_pay is not null or late_interest_dkk is not null or compensation_dkk is not null
    )
