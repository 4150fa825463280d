-- E2: the supplier of each e-invoice (EINVOICES.md "Input"): the supplier in leverandoerer whose
-- CVR equals the document's CVR, in the version valid at the document's IssueDate (a document
-- without a readable IssueDate: the current version). Several suppliers with that CVR: the
-- lowest Leverandørnummer. A document without a CVR, or with one no supplier has, has no row.
with documents as (
    select document_sha256, supplier_cvr, coalesce(issue_date, date '9999-12-31') as master_data_date
    from {{ ref('stg_einvoices__documents') }}
    where supplier_cvr is not null
),

supplier_versions as (
    select
        supplier_id,
        trim(cvr) as cvr,
        requires_po_number,
        registered_payment_info,
        {{ normalized_payment_info('registered_payment_info') }} as normalized_registered_payment_info,
        valid_from,
        valid_to
    from {{ ref('stg_kvantum__supplier_versions') }}
    where cvr is not null
)

select
    documents.document_sha256,
    supplier_versions.supplier_id,
    supplier_versions.requires_po_number,
    supplier_versions.registered_payment_info,
    supplier_versions.normalized_registered_payment_info
from documents
inner join supplier_versions
    on documents.supplier_cvr = supplier_versions.cvr
    and {{ valid_at('supplier_versions', 'documents.master_data_date') }}
qualify row_number() over (partition by documents.document_sha256 order by supplier_versions.supplier_id) = 1
