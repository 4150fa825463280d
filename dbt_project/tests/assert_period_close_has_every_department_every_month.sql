{{ config(meta={'dagster': {'ref': {'name': 'period_close'}}}) }}
-- R13: every closed month has one row for each of the seven departments (seed departments),
-- and no month is closed before the data watermark reached its last day.
with closed_months as (
    select month, count(*) as departments, bool_and(last_day(month) <= data_watermark) as closable
    from {{ ref('period_close') }}
    group by month
)

select *
from closed_months
where departments <> (select count(*) from {{ ref('departments') }})
    or not closable
