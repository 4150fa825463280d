-- R12 manual handling, per invoice posted by the reporting date D: the invoices of
-- int_posted_invoice_handling whose first BOGFØRT came by D, counted in the month of it.
-- A view: a run computes the invoices that changed, and D is applied on reading.
{{ config(materialized='view') }}
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
)

select
    handling.invoice_id,
    handling.department,
    handling.supplier_id,
    handling.posted_date,
    handling.posting_month,
    handling.has_po_of_supplier,
    handling.po_has_fee_line,
    handling.manual_events_before_posting,
    handling.is_touchless,
    reporting_date.as_of_date
from {{ ref('int_posted_invoice_handling') }} as handling
inner join reporting_date
    on handling.posted_date <= reporting_date.as_of_date
