-- R15 dwell time at D: the step intervals (int_paid_invoice_dwell_intervals) of the invoices paid
-- by the reporting date D (first BETALT on or before D). A view: the intervals themselves do not
-- depend on D and are built incrementally; only this choice does.
{{ config(materialized='view') }}
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
)

select
    intervals.invoice_id,
    intervals.department,
    intervals.paid_month,
    intervals.paid_date,
    intervals.started_by_event_sequence,
    intervals.started_by_event_type,
    intervals.step,
    intervals.holder_department,
    intervals.step_start_date,
    intervals.step_end_date,
    intervals.days
from {{ ref('int_paid_invoice_dwell_intervals') }} as intervals
inner join reporting_date
    on intervals.paid_date <= reporting_date.as_of_date
