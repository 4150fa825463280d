-- R15 process variants at D: the variants (int_paid_invoice_variants) of the invoices paid by the
-- reporting date D (first BETALT on or before D). A view, like int_invoice_process_events.
{{ config(materialized='view') }}
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
)

select
    variants.invoice_id,
    variants.department,
    variants.paid_month,
    variants.received_date,
    variants.paid_date,
    variants.days_to_pay,
    variants.variant,
    variants.events
from {{ ref('int_paid_invoice_variants') }} as variants
inner join reporting_date
    on variants.paid_date <= reporting_date.as_of_date
