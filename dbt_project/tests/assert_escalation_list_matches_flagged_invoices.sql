{{ config(meta={'dagster': {'ref': {'name': 'escalation_list'}}}) }}
-- Cross-mart invariant (R4): escalation_list holds exactly the invoices flagged
-- is_escalation_candidate in invoice_status, with the same holder, next approver and days lying.
select *
from (
    select invoice_id, department, days_lying, holder_user_id, next_approver_user_id, due_date, amount_dkk
    from {{ ref('invoice_status') }}
    where is_escalation_candidate
) as flagged
full outer join {{ ref('escalation_list') }} as listed
    using (invoice_id)
where flagged.invoice_id is null
    or listed.invoice_id is null
    or flagged.days_lying is distinct from listed.days_lying
    or flagged.holder_user_id is distinct from listed.holder_user_id
    or flagged.next_approver_user_id is distinct from listed.next_approver_user_id
