-- Report (R1-R3): the chart 'Liggetid for fakturaer i behandling': the invoices in process at the
-- reporting date D per department and days-lying bucket (aging_by_department at D; only buckets
-- that hold invoices have a row), with their amount, how many are overdue and the department
-- name. sort_order: by department code, then bucket (0-12, 13-21, 22-30, 31+).
with reporting_date as (
    select as_of_date
    from {{ ref('int_as_of_dates') }}
    where is_reporting_date
)

select
    aging.as_of_date,
    aging.department,
    departments.department_name,
    aging.lying_bucket,
    aging.invoices,
    aging.amount_dkk,
    aging.overdue_invoices,
    row_number() over (order by aging.department, aging.lying_bucket) as sort_order
from {{ ref('aging_by_department') }} as aging
inner join reporting_date
    on aging.as_of_date = reporting_date.as_of_date
left join {{ ref('departments') }} as departments
    on aging.department = departments.department
