-- R9: per month of payment (the first BETALT) and department, the invoices paid up to the
-- reporting date D, how many on time, the on-time rate, the average days from receipt to
-- payment, and the late-payment interest and compensation owed on the late ones.
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
)

select
    payments.paid_month                                    as month,
    payments.department,
    count(*)                                               as invoices_paid,
    count(*) filter (where payments.is_paid_on_time)       as paid_on_time,
    cast(count(*) filter (where payments.is_paid_on_time) as double) / count(*) as on_time_rate,
    cast(round(avg(payments.days_to_pay), 2) as decimal(10, 2)) as avg_days_to_pay,
    cast(sum(payments.late_interest_dkk) as decimal(18, 2)) as late_interest_dkk,
    cast(sum(payments.compensation_dkk) as decimal(18, 2))  as compensation_dkk,
    count(*) filter (where not payments.is_paid_on_time)   as paid_late,
    any_value(reporting_date.as_of_date)                   as as_of_date
from {{ ref('int_invoice_payments') }} as payments
inner join reporting_date
    on payments.paid_date <= reporting_date.as_of_date
group by payments.paid_month, payments.department
