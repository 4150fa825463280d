{{ config(meta={'dagster': {'ref': {'name': 'period_close_trend'}}}) }}
-- R13 / initiative 8: the trend view shows each period-close row once.
select
    (select count(*) from {{ ref('period_close') }})       as snapshot_rows,
    (select count(*) from {{ ref('period_close_trend') }}) as trend_rows
where snapshot_rows <> trend_rows
