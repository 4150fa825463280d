-- R14: the escalation worklist at the reporting date D: every invoice near due (R14) and every
-- escalation candidate (R4), one row each, with the trigger(s), days and bank days to due, the
-- holder, since when and for how many bank days, and the escalation target or the issue code.
with state as (
    select * from {{ ref('int_invoice_state_as_of') }}
    where is_reporting_date
),

near_due as (
    select * from {{ ref('int_invoices_near_due') }}
),

targets as (
    select * from {{ ref('int_escalation_targets') }}
),

bank_days as (
    select * from {{ ref('int_bank_day_numbers') }}
)

select
    state.as_of_date,
    state.invoice_id,
    state.department,
    state.supplier_id,
    state.amount_dkk,
    state.due_date,
    near_due.is_near_due,
    state.is_escalation_candidate                     as is_lying_22_plus,
    near_due.days_to_due,
    near_due.bank_days_to_due,
    state.days_lying,
    state.holder_user_id,
    state.holder_from_date                            as holder_since_date,
    case when state.holder_from_date is not null then
        {{ bank_days_between('holder_since.bank_day_number', 'at_date.bank_day_number') }}
    end                                               as bank_days_with_holder,
    targets.escalation_target_user_id,
    targets.escalation_issue,
    targets.escalation_steps,
    state.received_date,
    state.is_overdue,
    state.holder_has_kvantum_access
from state
inner join near_due
    on state.invoice_id = near_due.invoice_id
    and state.as_of_date = near_due.as_of_date
inner join targets
    on state.invoice_id = targets.invoice_id
    and state.as_of_date = targets.as_of_date
left join bank_days as at_date
    on state.as_of_date = at_date.calendar_date
left join bank_days as holder_since
    on state.holder_from_date = holder_since.calendar_date
