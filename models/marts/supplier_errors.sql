-- R10: per calendar year of Modtagetdato and supplier, the documents received that year (up to
-- the reporting date D) and how many had each kind of supplier error; the error rate and
-- whether the supplier is systematic (on the contact list).
with per_supplier_year as (
    select
        received_year                                       as year,
        supplier_id,
        count(*)                                            as documents,
        count(*) filter (where invoice_type = 'FAKTURA')    as invoices,
        count(*) filter (where has_po_number_error)         as po_number_errors,
        count(*) filter (where has_payment_info_error)      as payment_info_errors,
        count(*) filter (where has_supplier_caused_return)  as supplier_caused_returns,
        count(*) filter (where is_error_document)           as error_documents,
        any_value(as_of_date)                               as as_of_date
    from {{ ref('int_supplier_errors') }}
    group by received_year, supplier_id
)

select
    year,
    supplier_id,
    documents,
    po_number_errors,
    payment_info_errors,
    supplier_caused_returns,
    error_documents,
    cast(error_documents as double) / documents as error_rate,
    documents > {{ var('systematic_supplier_min_documents') }}
        and cast(error_documents as double) / documents >= {{ var('systematic_supplier_min_error_rate') }}
        as is_systematic,
    invoices,
    as_of_date
from per_supplier_year
