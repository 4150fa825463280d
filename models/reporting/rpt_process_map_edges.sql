{{ config(materialized='table') }}
-- A table, not a view like most of the report's models: computed once a run from the paid
-- invoices' events of the window rather than once per reader (its three data tests and the report;
-- at 10M invoices the tests alone re-ran it for 3.5 s of a daily run: benchmarks/README.md,
-- session 10).
-- Report (R15): the process map of the most common paths: the consecutive event pairs of the
-- invoices paid in the last var report_months months whose variant is one of the top
-- var report_top_variants, with the count and median days of each pair (nodes are event types).
with window_months as (
    select cast(date_trunc('month', as_of_date) - to_months({{ var('report_months') }} - 1) as date) as first_month
    from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

events as (
    select events.*
    from {{ ref('int_invoice_process_events') }} as events
    inner join window_months
        on events.paid_month >= window_months.first_month
),

top_invoices as (
    select variants.invoice_id
    from {{ ref('int_invoice_variants') }} as variants  -- the window: joined with events below
    inner join {{ ref('rpt_process_variants_top') }} as top_variants
        on variants.variant = top_variants.variant
)

select
    events.event_type                                as from_event,
    events.next_event_type                           as to_event,
    count(*)                                         as transitions,
    median(cast(events.days_to_next_event as double)) as median_days
from events
inner join top_invoices
    on events.invoice_id = top_invoices.invoice_id
where events.next_event_type is not null
group by events.event_type, events.next_event_type
