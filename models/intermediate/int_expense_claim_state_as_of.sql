-- R16 expense claims, each claim at the reporting date D: the claim in its version valid at D,
-- counted when submitted by D (Indsendt_dato <= D).
--   open            not UDBETALT or AFVIST in that version; days open = D - Indsendt_dato,
--                   bucketed like R2
--   paid            Udbetalt_dato <= D; days to pay = Udbetalt_dato - Indsendt_dato; within the
--                   limit when at most var expense_claim_payment_limit_days
--   control flags   self-approved (Godkender = Bruger_id); approver not the manager (a Godkender
--                   who is not the employee's Leder_id in the user version valid at Godkendt_dato,
--                   or at D without one; no manager, or an employee not in brugere, counts);
--                   no receipt; no purpose; representation without participants; possible
--                   duplicate (another counted claim of the employee with the same Udgiftsdato and
--                   Beløb_DKK, any status); late submission (Indsendt_dato - Udgiftsdato over
--                   var expense_claim_late_submission_days)
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

claims as (
    select
        reporting_date.as_of_date,
        versions.*
    from {{ ref('stg_kvantum__expense_claim_versions') }} as versions
    inner join reporting_date
        on {{ valid_at('versions', 'reporting_date.as_of_date') }}
    where versions.submitted_date <= reporting_date.as_of_date
),

-- the employee's manager in the user version valid at the approval date (or at D without one)
employee_managers as (
    select
        claims.claim_id,
        user_versions.manager_user_id
    from claims
    inner join {{ ref('stg_kvantum__user_versions') }} as user_versions
        on claims.employee_user_id = user_versions.user_id
        and {{ valid_at('user_versions', 'coalesce(claims.approved_date, claims.as_of_date)') }}
),

flagged as (
    select
        claims.as_of_date,
        claims.claim_id,
        claims.employee_user_id,
        claims.department,
        claims.expense_date,
        claims.submitted_date,
        cast(date_trunc('month', claims.submitted_date) as date) as submitted_month,
        claims.amount_dkk,
        claims.expense_type,
        claims.status,
        claims.approver_user_id,
        claims.approved_date,
        claims.paid_out_date,
        claims.status not in ('UDBETALT', 'AFVIST')                              as is_open,
        claims.paid_out_date is not null and claims.paid_out_date <= claims.as_of_date as is_paid,
        coalesce(claims.approver_user_id = claims.employee_user_id, false)      as is_self_approved,
        claims.approver_user_id is not null
            and claims.approver_user_id is distinct from employee_managers.manager_user_id
                                                                                 as is_approver_not_manager,
        not claims.has_receipt                                                   as has_no_receipt,
        coalesce(trim(claims.purpose), '') = ''                                  as has_no_purpose,
        claims.expense_type = 'REPRÆSENTATION' and coalesce(trim(claims.participants), '') = ''
                                                                                 as is_representation_without_participants,
        count(*) over (
            partition by claims.employee_user_id, claims.expense_date, claims.amount_dkk
        ) > 1                                                                    as is_possible_duplicate,
        claims.submitted_date - claims.expense_date > {{ var('expense_claim_late_submission_days') }}
                                                                                 as is_late_submission
    from claims
    left join employee_managers
        on claims.claim_id = employee_managers.claim_id
)

select
    *,
    case when is_open then as_of_date - submitted_date end                       as days_open,
    case when is_open then {{ lying_bucket('as_of_date - submitted_date') }} end as open_bucket,
    case when is_paid then paid_out_date - submitted_date end                    as days_to_pay,
    is_paid and paid_out_date - submitted_date <= {{ var('expense_claim_payment_limit_days') }}
                                                                                 as is_paid_within_limit,
    is_self_approved or is_approver_not_manager or has_no_receipt or has_no_purpose
        or is_representation_without_participants or is_possible_duplicate or is_late_submission
                                                                                 as has_control_flag
from flagged
