-- Report (R9): the chart 'Rettidig betaling måned for måned': per month of payment up to the
-- reporting date D (the month of D to date) and department, the invoices paid, how many on time
-- and the on-time rate (timely_payment), with the department name; and per month the total row
-- 'I alt' (is_total): total on time / total paid, the chart's black line. sort_order: by month,
-- then the departments by code, the total last.
with reporting_date as (
    select as_of_date
    from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

per_department as (
    select
        timely_payment.month,
        timely_payment.department,
        departments.department_name,
        timely_payment.invoices_paid,
        timely_payment.paid_on_time,
        timely_payment.on_time_rate,
        false as is_total
    from {{ ref('timely_payment') }} as timely_payment
    inner join reporting_date
        on timely_payment.month <= reporting_date.as_of_date
    left join {{ ref('departments') }} as departments
        on timely_payment.department = departments.department
),

per_month as (
    select
        month,
        'I alt'                                                           as department,
        cast(null as varchar)                                             as department_name,
        sum(invoices_paid)                                                as invoices_paid,
        sum(paid_on_time)                                                 as paid_on_time,
        cast(sum(paid_on_time) as double) / nullif(sum(invoices_paid), 0) as on_time_rate,
        true                                                              as is_total
    from per_department
    group by month
)

select
    *,
    row_number() over (order by month, is_total, department) as sort_order
from (
    select * from per_department
    union all by name
    select * from per_month
)
