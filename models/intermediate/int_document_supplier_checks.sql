-- R10 supplier errors, the part that does not depend on the reporting date D: per document
-- (invoice or credit note), with the supplier in its version valid at Modtagetdato,
--   * PO-number error: the supplier requires a PO number (Kræver_ordrenummer = J) and the
--     Ordrenummer is missing or is not a PO of this supplier (int_purchase_orders);
--   * payment-information error (invoices only): Betalingsoplysning is missing, or differs from
--     the supplier's Registreret_betalingsoplysning once whitespace is removed and letters are
--     upper-cased;
--   * the date of its first supplier-caused return: a RETURNERET or AFVIST event whose reason's
--     responsible is LEVERANDØR (reason_codes seed).
-- int_supplier_errors takes the documents received by D and the returns by D from here.
-- Incremental by document (macros/incremental.sql): a run recomputes the documents with a new
-- version or new events, or whose supplier's versions or PO changed.
-- The payment details themselves stay here: only the flags reach the marts.
{{ incremental_by_key('invoice_id', [
    {'ref': 'stg_kvantum__invoices'},
    {'ref': 'stg_kvantum__invoice_events'},
    {'ref': 'stg_kvantum__supplier_versions', 'key': 'supplier_id',
     'via': 'stg_kvantum__invoices', 'via_key': 'supplier_id'},
    {'ref': 'int_purchase_orders', 'key': 'po_number',
     'via': 'stg_kvantum__invoices', 'via_key': 'po_number'},
]) }}
with documents as (
    select
        invoice_id,
        invoice_type,
        supplier_id,
        department,
        received_date,
        po_number,
        payment_info,
        _load_id
    from {{ ref('stg_kvantum__invoices') }}
    where {{ changed_keys_only('invoice_id') }}
),

-- the registered details normalised once per supplier version, not once per document
supplier_versions as (
    select
        supplier_id,
        requires_po_number,
        {{ normalized_payment_info('registered_payment_info') }} as normalized_registered_payment_info,
        valid_from,
        valid_to,
        _load_id
    from {{ ref('stg_kvantum__supplier_versions') }}
),

purchase_orders as (
    select * from {{ ref('int_purchase_orders') }}
),

supplier_caused_returns as (
    select
        events.invoice_id,
        min(events.event_date) as first_supplier_caused_return_date,
        max(events._load_id)   as _load_id
    from {{ ref('stg_kvantum__invoice_events') }} as events
    inner join {{ ref('reason_codes') }} as reasons
        on events.reason_code = reasons.reason_code
    where events.event_type in ('RETURNERET', 'AFVIST')
        and reasons.responsible = 'LEVERANDØR'
        and {{ changed_keys_only('events.invoice_id') }}
    group by events.invoice_id
),

-- a range lookup as an inner join (a hash join in DuckDB), joined back on the key below
supplier_at_receipt as (
    select
        documents.invoice_id,
        supplier_versions.requires_po_number,
        supplier_versions.normalized_registered_payment_info,
        supplier_versions._load_id
    from documents
    inner join supplier_versions
        on documents.supplier_id = supplier_versions.supplier_id
        and {{ valid_at('supplier_versions', 'documents.received_date') }}
)

select
    documents.invoice_id,
    documents.invoice_type,
    documents.supplier_id,
    documents.department,
    documents.received_date,
    year(documents.received_date) as received_year,
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
    supplier_caused_returns.first_supplier_caused_return_date,
    {{ incremental_load_id(
        'greatest(documents._load_id, supplier_at_receipt._load_id, purchase_orders._load_id, '
        ~ 'supplier_caused_returns._load_id)'
    ) }}
from documents
left join supplier_at_receipt
    on documents.invoice_id = supplier_at_receipt.invoice_id
left join purchase_orders
    on documents.po_number = purchase_orders.po_number
    and documents.supplier_id = purchase_orders.supplier_id
left join supplier_caused_returns
    on documents.invoice_id = supplier_caused_returns.invoice_id
