-- The dates every state is evaluated at (RULES.md, Time and R13), with the data watermark.
--   * the reporting date D: var as_of_date, or by default the data watermark (the latest date of
--     any event Tidspunkt). Never the wall clock: the same exports give the same marts any day.
--     A run passes D as the environment variable RETTIDIG_AS_OF_DATE (read when the var is null),
--     not as --vars: a var on dbt's command line makes dbt parse the whole project again, an environment
--     variable only the files that read it (docs/architecture.md, "dbt's parse").
--   * the last day of every closable month (R13) the period close can still take: from the month
--     of the earliest Modtagetdato to the last month that ends on or before the watermark, less the
--     months it has taken (marts.period_close keeps a closed month as reported, so nothing reads
--     their month-end states again), except those this run closes again (force_close with the
--     close's range: the period close asset builds this chain for them first). Before the first
--     close, every closable month (macros/period_close.sql; docs/architecture.md, "Month ends only
--     where a close needs them").
-- A date that is both (D falls on a closable month's last day) is one row with both flags.
{%- set as_of = var('as_of_date') or env_var('RETTIDIG_AS_OF_DATE', '') or none %}
{%- set close = close_parameters() %}
with watermark as (
    select * from {{ ref('int_data_watermark') }}
),

reporting_date as (
    select
        {% if as_of %}cast('{{ as_of }}' as date){% else %}data_watermark{% endif %} as as_of_date,
        true  as is_reporting_date,
        false as is_month_end
    from watermark
),

month_ends as (
    select
        last_day(cast(months.month_start as date)) as as_of_date,
        false as is_reporting_date,
        true  as is_month_end
    from watermark
    cross join range(
        watermark.first_received_month,
        watermark.last_closable_month + interval 1 month,
        interval 1 month
    ) as months(month_start)
    where not list_contains({{ months_closed() }}, cast(months.month_start as date))
    {%- if close.force %}
        or {{ in_close_range('cast(months.month_start as date)', close) }}
    {%- endif %}
),

all_dates as (
    select * from reporting_date
    union all
    select * from month_ends
)

select
    all_dates.as_of_date,
    bool_or(all_dates.is_reporting_date)                    as is_reporting_date,
    bool_or(all_dates.is_month_end)                         as is_month_end,
    cast(date_trunc('month', all_dates.as_of_date) as date) as month,
    any_value(watermark.data_watermark)                     as data_watermark
from all_dates
cross join watermark
where all_dates.as_of_date is not null
group by all_dates.as_of_date
