-- E2b: the e-invoice findings that need the ERP's data (EINVOICES.md "Findings"), one row per
-- document and code: the supplier and buyer (every document), the PO number (every document),
-- the approver and the payment means (invoices only). Master data in the version valid at the
-- document's IssueDate (int_einvoice_suppliers, user versions), PO lines in their current version
-- (int_purchase_orders, as R5). The document-only checks are the reader's (stg_einvoices__read_findings).
with documents as (
    select
        documents.*,
        coalesce(documents.issue_date, date '9999-12-31') as master_data_date,
        suppliers.supplier_id,
        suppliers.requires_po_number,
        suppliers.registered_payment_info,
        suppliers.normalized_registered_payment_info
    from {{ ref('stg_einvoices__documents') }} as documents
    left join {{ ref('int_einvoice_suppliers') }} as suppliers
        on documents.document_sha256 = suppliers.document_sha256
),

municipality_eans as (
    select distinct recipient_ean as ean
    from {{ ref('stg_kvantum__invoice_versions') }}
),

purchase_orders as (
    select * from {{ ref('int_purchase_orders') }}
),

-- the approver is checked against brugere only when the reader found it well-formed
approvers as (
    select documents.document_sha256, documents.approver_id, documents.master_data_date
    from documents
    where documents.document_type = 'FAKTURA'
        and documents.order_reference is null
        and documents.approver_id is not null
        and not exists (
            select 1 from {{ ref('stg_einvoices__read_findings') }} as read_findings
            where read_findings.document_sha256 = documents.document_sha256
                and read_findings.finding_code = 'APPROVER_MALFORMED'
        )
),

approver_versions as (
    select approvers.document_sha256, approvers.approver_id, user_versions.has_kvantum_access
    from approvers
    left join {{ ref('stg_kvantum__user_versions') }} as user_versions
        on approvers.approver_id = user_versions.user_id
        and {{ valid_at('user_versions', 'approvers.master_data_date') }}
),

first_payment_means as (
    select document_sha256, payment_text
    from {{ ref('stg_einvoices__payment_means') }}
    where position = 1
),

disallowed_payment_means as (
    select
        payment_means.document_sha256,
        min(payment_means.position) as position,
        arg_min(coalesce(payment_means.payment_means_code, ''), payment_means.position) as payment_means_code
    from {{ ref('stg_einvoices__payment_means') }} as payment_means
    left join {{ ref('einvoice_payment_means_codes') }} as allowed
        on payment_means.payment_means_code = allowed.payment_means_code
    where allowed.payment_means_code is null
    group by payment_means.document_sha256
),

findings as (
    select document_sha256, 'SUPPLIER_UNKNOWN' as finding_code,
        coalesce(supplier_cvr, supplier_endpoint_id) as value_seen,
        'the CVR of a supplier in Kvantum (leverandoerer)' as expected
    from documents
    where supplier_id is null

    union all
    select document_sha256, 'BUYER_EAN_UNKNOWN', buyer_ean,
        'one of the municipality''s EANs (Modtager_EAN in fakturaer)'
    from documents
    where buyer_ean is null or buyer_ean not in (select ean from municipality_eans where ean is not null)

    union all
    select document_sha256, 'PO_MISSING', null,
        'an order reference: supplier ' || supplier_id || ' must use PO numbers (Kræver_ordrenummer = J)'
    from documents
    where order_reference is null and requires_po_number

    union all
    select document_sha256, 'PO_UNKNOWN', order_reference, 'an Ordrenummer in indkoebsordrer'
    from documents
    where order_reference is not null
        and order_reference not in (select po_number from purchase_orders)

    union all
    select document_sha256, 'PO_OTHER_SUPPLIER', order_reference, 'a PO of supplier ' || supplier_id
    from documents
    where order_reference is not null
        and supplier_id is not null
        and order_reference in (select po_number from purchase_orders)
        and not exists (
            select 1 from purchase_orders
            where purchase_orders.po_number = documents.order_reference
                and purchase_orders.supplier_id = documents.supplier_id
        )

    union all
    select document_sha256, 'APPROVER_UNKNOWN', approver_id, 'a Bruger_id in brugere'
    from approver_versions
    where has_kvantum_access is null

    union all
    select document_sha256, 'APPROVER_NO_ACCESS', approver_id, 'a user with Kvantum access (Kvantum_adgang = J)'
    from approver_versions
    where not has_kvantum_access

    union all
    select documents.document_sha256, 'PAYMENT_CODE_NOT_ALLOWED',
        'payment means ' || disallowed.position || ': code ' || disallowed.payment_means_code,
        'one of ' || (select string_agg(payment_means_code, ', ' order by cast(payment_means_code as integer))
                      from {{ ref('einvoice_payment_means_codes') }})
    from documents
    inner join disallowed_payment_means as disallowed
        on documents.document_sha256 = disallowed.document_sha256
    where documents.document_type = 'FAKTURA' and documents.supplier_id is not null

    union all
    select documents.document_sha256, 'PAYMENT_DIFFERS', first_payment_means.payment_text,
        coalesce(documents.registered_payment_info, '(none registered)')
    from documents
    inner join first_payment_means
        on documents.document_sha256 = first_payment_means.document_sha256
    where documents.document_type = 'FAKTURA'
        and documents.supplier_id is not null
        and {{ normalized_payment_info('first_payment_means.payment_text') }}
            is distinct from documents.normalized_registered_payment_info
)

select document_sha256, finding_code, value_seen, expected
from findings
