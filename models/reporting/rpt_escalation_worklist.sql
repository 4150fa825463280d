-- Report (R14): the escalation worklist at D with names, for the follow-up report's sheet. Names of
-- the holder and the escalation target come from the users' current version (personal data: the
-- reporting schema is never published to BI).
with users as (
    -- the current version of each user (the only place names come from)
    select user_id, full_name from {{ ref('stg_kvantum__users') }} where is_current
)

select
    worklist.as_of_date,
    worklist.invoice_id,
    worklist.department,
    departments.department_name,
    worklist.supplier_id,
    worklist.amount_dkk,
    worklist.due_date,
    case
        when worklist.is_near_due and worklist.is_lying_22_plus then 'Tæt på forfald + 22 dage'
        when worklist.is_near_due then 'Tæt på forfald'
        else '22 dage eller mere'
    end                                         as trigger_text,
    worklist.is_near_due,
    worklist.is_lying_22_plus,
    worklist.days_to_due,
    worklist.bank_days_to_due,
    worklist.days_lying,
    worklist.holder_user_id,
    holder.full_name                            as holder_name,
    worklist.holder_since_date,
    worklist.bank_days_with_holder,
    worklist.escalation_target_user_id,
    target.full_name                            as escalation_target_name,
    worklist.escalation_issue,
    case worklist.escalation_issue
        when 'NO_HOLDER' then 'Ingen behandler'
        when 'NO_MANAGER' then 'Ingen leder med adgang'
        when 'CYCLE' then 'Ring i lederkæden'
    end                                         as escalation_issue_text,
    -- near due first (fewest bank days left), then the longest lying
    row_number() over (
        order by worklist.is_near_due desc, worklist.bank_days_to_due, worklist.days_lying desc, worklist.invoice_id
    )                                           as sort_order
from {{ ref('escalation_worklist') }} as worklist
left join {{ ref('departments') }} as departments
    on worklist.department = departments.department
left join users as holder
    on worklist.holder_user_id = holder.user_id
left join users as target
    on worklist.escalation_target_user_id = target.user_id
