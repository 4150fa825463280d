-- R14 near due, for each invoice at each as-of date D (the reporting date and the month ends, so
-- that the period close can count them too).
-- An invoice is near due at D when it is in process (R1), has no GODKENDT event by D,
-- Forfaldsdato >= D, and the bank days from D to Forfaldsdato (d with D < d <= Forfaldsdato) are
-- at most var near_due_bank_days. Days to due = Forfaldsdato - D (negative when overdue); bank
-- days to due only for near-due invoices.
with spine as (
    select * from {{ ref('int_invoice_as_of_dates') }}
),

in_process as (
    select * from {{ ref('int_invoices_in_process') }}
),

bank_days as (
    select * from {{ ref('int_bank_day_numbers') }}
),

days_to_due as (
    select
        spine.invoice_id,
        spine.as_of_date,
        spine.department,
        spine.due_date - spine.as_of_date as days_to_due,
        {{ bank_days_between('at_date.bank_day_number', 'at_due.bank_day_number') }} as bank_days_to_due,
        in_process.is_in_process
            and (spine.first_approved_date is null or spine.first_approved_date > spine.as_of_date)
            and spine.due_date >= spine.as_of_date
            as is_in_process_unapproved_not_due
    from spine
    inner join in_process
        on spine.invoice_id = in_process.invoice_id
        and spine.as_of_date = in_process.as_of_date
    left join bank_days as at_date
        on spine.as_of_date = at_date.calendar_date
    left join bank_days as at_due
        on spine.due_date = at_due.calendar_date
)

select
    invoice_id,
    as_of_date,
    department,
    days_to_due,
    coalesce(is_in_process_unapproved_not_due and bank_days_to_due <= {{ var('near_due_bank_days') }}, false) as is_near_due,
    case
        when is_in_process_unapproved_not_due and bank_days_to_due <= {{ var('near_due_bank_days') }}
            then bank_days_to_due
    end as bank_days_to_due
from days_to_due
