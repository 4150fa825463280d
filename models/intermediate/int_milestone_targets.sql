-- R13 milestone targets: each row of the seed milestone_targets with the month the next row of
-- the same department takes over (NULL: still valid). The targets valid for a month are those of
-- the department's row with the latest valid_from_month on or before it:
-- valid_from_month <= month < valid_until_month (macro valid_at with these two columns). The
-- period close (int_period_close_measures) takes them for each closed month, the report's summary
-- (rpt_department_summary) for the month of the reporting date D.
select
    department,
    valid_from_month,
    lead(valid_from_month) over (partition by department order by valid_from_month) as valid_until_month,
    target_overdue,
    target_lying_13_30
from {{ ref('milestone_targets') }}
