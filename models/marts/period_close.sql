{#-
  R13 period close: one row per closed month and department (all seven), kept as reported.

  The months to close come from vars close_month_from / close_month_to (the Dagster partition's
  time window, passed as environment variables: macros/period_close.sql); without them nothing
  new is closed, so a plain `dbt build` changes nothing here.
  Only closable months are taken (int_as_of_dates: the month's last day is on or before the
  data watermark; the orchestration layer refuses other months with a message, and this filter
  makes sure). A month already in the table is skipped unless var force_close is true, in which
  case its rows are replaced (delete+insert keyed by month). full_refresh is off: a
  `--full-refresh` does not wipe the snapshots taken so far.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}
{%- set close = close_parameters() -%}

with measures as (
    select * from {{ ref('int_period_close_measures') }}
),

months_to_close as (
    select distinct month
    from measures
    where
    {%- if close.month_from or close.month_to %}
        {{ in_close_range('month', close) }}
        -- never close a month whose last day is after the watermark
        and as_of_date <= data_watermark
        {%- if is_incremental() and not close.force %}
        -- a closed month is kept as reported
        and month not in (select month from {{ this }})
        {%- endif %}
    {%- else %}
        false
    {%- endif %}
)

select
    measures.month,
    measures.department,
    measures.in_process,
    measures.lying_13_30,
    measures.lying_22_plus,
    measures.overdue,
    measures.overdue_amount_dkk,
    measures.missing_goods_receipt,
    measures.payment_blocked,
    measures.holder_without_access,
    measures.received,
    measures.routed_via_ks,
    measures.paid,
    measures.paid_on_time,
    measures.on_time_rate,
    measures.late_interest_dkk,
    measures.compensation_dkk,
    measures.target_overdue,
    measures.target_lying_13_30,
    measures.met_overdue_target,
    measures.met_lying_13_30_target,
    measures.near_due,
    -- the one place the wall clock is used: it records when the snapshot was taken
    cast(current_timestamp as timestamp with time zone) as taken_at,
    measures.data_watermark,
    measures.as_of_date
from measures
inner join months_to_close
    on measures.month = months_to_close.month
