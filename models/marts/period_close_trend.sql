{{ config(materialized='view') }}
-- R13 / initiative 8: month over month per department from the period-close snapshots, for the
-- finance directors: overdue invoices (count and DKK), invoices lying 13-30 days, the on-time
-- rate and the invoices near due at month end (R14), each with its change from the previous calendar month (NULL when that month was not
-- closed).
with snapshots as (
    select * from {{ ref('period_close') }}
),

with_previous as (
    select
        *,
        lag(month) over w              as previous_month,
        lag(overdue) over w            as previous_overdue,
        lag(overdue_amount_dkk) over w as previous_overdue_amount_dkk,
        lag(lying_13_30) over w        as previous_lying_13_30,
        lag(on_time_rate) over w       as previous_on_time_rate,
        lag(near_due) over w           as previous_near_due
    from snapshots
    window w as (partition by department order by month)
)

select
    month,
    department,
    overdue,
    case when previous_month = month - interval 1 month then overdue - previous_overdue end as overdue_change,
    overdue_amount_dkk,
    case when previous_month = month - interval 1 month
        then overdue_amount_dkk - previous_overdue_amount_dkk end                   as overdue_amount_dkk_change,
    lying_13_30,
    case when previous_month = month - interval 1 month then lying_13_30 - previous_lying_13_30 end as lying_13_30_change,
    on_time_rate,
    case when previous_month = month - interval 1 month then on_time_rate - previous_on_time_rate end as on_time_rate_change,
    near_due,
    case when previous_month = month - interval 1 month then near_due - previous_near_due end as near_due_change,
    target_overdue,
    met_overdue_target,
    target_lying_13_30,
    met_lying_13_30_target,
    taken_at,
    data_watermark
from with_previous
