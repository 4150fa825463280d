-- R16: per month of submission and department (the department that pays), over the claims
-- counted at the reporting date D: claims, amount, paid by D, paid within the limit, average days
-- to pay, and the count of each control flag.
select
    submitted_month                                            as month,
    department,
    count(*)                                                   as claims,
    cast(sum(amount_dkk) as decimal(18, 2))                    as amount_dkk,
    count(*) filter (where is_paid)                            as paid,
    count(*) filter (where is_paid_within_limit)               as paid_within_limit,
    avg(days_to_pay)                                           as avg_days_to_pay,
    count(*) filter (where is_self_approved)                   as self_approved,
    count(*) filter (where is_approver_not_manager)            as approver_not_manager,
    count(*) filter (where has_no_receipt)                     as no_receipt,
    count(*) filter (where has_no_purpose)                     as no_purpose,
    count(*) filter (where is_representation_without_participants) as representation_without_participants,
    count(*) filter (where is_possible_duplicate)              as possible_duplicates,
    count(*) filter (where is_late_submission)                 as late_submissions,
    count(*) filter (where has_control_flag)                   as flagged_claims,
    any_value(as_of_date)                                      as as_of_date
from {{ ref('int_expense_claim_state_as_of') }}
group by submitted_month, department
