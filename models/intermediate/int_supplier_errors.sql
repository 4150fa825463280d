-- R10 supplier errors, per document (invoice or credit note) received by the reporting date D:
-- the checks of int_document_supplier_checks, with a supplier-caused return counted when its
-- first one (RETURNERET or AFVIST for a reason the supplier is responsible for) came by D.
-- A view: a run computes the checks of the documents that changed, and D is applied on reading.
{{ config(materialized='view') }}
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

flagged as (
    select
        checks.invoice_id,
        checks.invoice_type,
        checks.supplier_id,
        checks.department,
        checks.received_date,
        checks.received_year,
        reporting_date.as_of_date,
        checks.has_po_number_error,
        checks.has_payment_info_error,
        coalesce(checks.first_supplier_caused_return_date <= reporting_date.as_of_date, false)
            as has_supplier_caused_return
    from {{ ref('int_document_supplier_checks') }} as checks
    inner join reporting_date
        on checks.received_date <= reporting_date.as_of_date
)

select
    *,
    has_po_number_error or has_payment_info_error or has_supplier_caused_return as is_error_document
from flagged
