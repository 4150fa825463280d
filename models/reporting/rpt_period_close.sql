-- Report (R13): the period-close section: the closed months of period_close whose last day is on
-- or before the reporting date D, per department with its name: overdue invoices and invoices
-- lying 13-30 days at the month's end against the milestones valid for that month, and whether
-- each was met. is_latest_close marks the latest such month: the key month of the report's focus
-- areas (the departments over a milestone then). sort_order: by month, then department code.
-- Built with period_close by the month-partitioned period-close asset (PERIOD_CLOSE_SELECT in
-- orchestration/assets/period_close.py), not by the main build: period_close does not exist
-- before the first close. A view, so it follows D when the main build moves it.
with reporting_date as (
    select as_of_date
    from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

closed as (
    select period_close.*
    from {{ ref('period_close') }} as period_close
    inner join reporting_date
        on last_day(period_close.month) <= reporting_date.as_of_date
)

select
    closed.month,
    closed.department,
    departments.department_name,
    closed.overdue,
    closed.target_overdue,
    closed.met_overdue_target,
    closed.lying_13_30,
    closed.target_lying_13_30,
    closed.met_lying_13_30_target,
    closed.month = max(closed.month) over ()                     as is_latest_close,
    row_number() over (order by closed.month, closed.department) as sort_order
from closed
left join {{ ref('departments') }} as departments
    on closed.department = departments.department
