-- Report (R15): average days per step by department over the invoices paid in the last
-- var report_months months of payment up to D's month (sums of dwell_by_step, so the average is
-- over every invoice-step of the window: total days / invoices).
with window_months as (
    select as_of_date,
        cast(date_trunc('month', as_of_date) - to_months({{ var('report_months') }} - 1) as date) as first_month
    from {{ ref('int_as_of_dates') }}
    where is_reporting_date
)

select
    window_months.as_of_date,
    window_months.first_month,
    dwell.department,
    departments.department_name,
    dwell.step,
    sum(dwell.invoices)                                        as invoices,
    sum(dwell.total_days)                                      as total_days,
    sum(dwell.total_days) / sum(dwell.invoices)                as avg_days
from {{ ref('dwell_by_step') }} as dwell
inner join window_months
    on dwell.month >= window_months.first_month
left join {{ ref('departments') }} as departments
    on dwell.department = departments.department
group by all
