-- R10 supplier errors, per document (invoice or credit note) received by the reporting date D,
-- with the supplier in its version valid at Modtagetdato:
--   * PO-number error: the supplier requires a PO number (Kræver_ordrenummer = J) and the
--     Ordrenummer is missing or is not a PO of this supplier (int_purchase_orders);
--   * payment-information error (invoices only): Betalingsoplysning is missing, or differs from
--     the supplier's Registreret_betalingsoplysning once whitespace is removed and letters are
--     upper-cased;
--   * supplier-caused return: a RETURNERET or AFVIST event by D whose reason's responsible is
--     LEVERANDØR (reason_codes seed).
-- The payment details themselves stay here: only the flags reach the marts.
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

documents as (
    select
        invoices.invoice_id,
        invoices.invoice_type,
        invoices.supplier_id,
        invoices.department,
        invoices.received_date,
        invoices.po_number,
        invoices.payment_info,
        reporting_date.as_of_date
    from {{ ref('stg_kvantum__invoices') }} as invoices
    inner join reporting_date
        on invoices.received_date <= reporting_date.as_of_date
),

-- the registered details normalised once per supplier version, not once per document
supplier_versions as (
    select
        supplier_id,
        requires_po_number,
        {{ normalized_payment_info('registered_payment_info') }} as normalized_registered_payment_info,
        valid_from,
        valid_to
    from {{ ref('stg_kvantum__supplier_versions') }}
),

purchase_orders as (
    select * from {{ ref('int_purchase_orders') }}
),

supplier_caused_returns as (
    select events.invoice_id, count(*) as supplier_caused_return_events
    from {{ ref('stg_kvantum__invoice_events') }} as events
    inner join {{ ref('reason_codes') }} as reasons
        on events.reason_code = reasons.reason_code
    cross join reporting_date
    where events.event_type in ('RETURNERET', 'AFVIST')
        and reasons.responsible = 'LEVERANDØR'
        and events.event_date <= reporting_date.as_of_date
    group by events.invoice_id
),

-- a range lookup as an inner join (a hash join in DuckDB), joined back on the key below
supplier_at_receipt as (
    select
        documents.invoice_id,
        supplier_versions.requires_po_number,
        supplier_versions.normalized_registered_payment_info
    from documents
    inner join supplier_versions
        on documents.supplier_id = supplier_versions.supplier_id
        and {{ valid_at('supplier_versions', 'documents.received_date') }}
),

flagged as (
    select
        documents.invoice_id,
        documents.invoice_type,
        documents.supplier_id,
        documents.department,
        documents.received_date,
        year(documents.received_date) as received_year,
        documents.as_of_date,
        coalesce(supplier_at_receipt.requires_po_number, false)
            and (
                documents.po_number is null
                or trim(documents.po_number) = ''
                or purchase_orders.po_number is null
            ) as has_po_number_error,
        documents.invoice_type = 'FAKTURA'
            and (
                documents.payment_info is null
                or trim(documents.payment_info) = ''
                or {{ normalized_payment_info('documents.payment_info') }}
                    is distinct from supplier_at_receipt.normalized_registered_payment_info
            ) as has_payment_info_error,
        supplier_caused_returns.invoice_id is not null as has_supplier_caused_return
    from documents
    left join supplier_at_receipt
        on documents.invoice_id = supplier_at_receipt.invoice_id
    left join purchase_orders
        on documents.po_number = purchase_orders.po_number
        and documents.supplier_id = purchase_orders.supplier_id
    left join supplier_caused_returns
        on documents.invoice_id = supplier_caused_returns.invoice_id
)

select
    *,
    has_po_number_error or has_payment_info_error or has_supplier_caused_return as is_error_document
from flagged
