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

invoice_variants as (
    select invoice_id, string_agg(event_type, ' > ' order by event_sequence) as variant
    from events
    group by invoice_id
),

top_invoices as (
    select invoice_variants.invoice_id
    from invoice_variants
    inner join {{ ref('rpt_process_variants_top') }} as top_variants
        on invoice_variants.variant = top_variants.variant
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
