-- E4: per month of IssueDate and finding code (pairs with at least one flagged document),
-- EINVOICES.md "Matching and marts": the documents read that month, those flagged with the code,
-- the flagged ones that matched an ERP invoice, and of those how many were returned or rejected
-- for a supplier reason by D. returned_for_supplier_reason / matched is the check's precision.
with documents as (
    select
        cast(date_trunc('month', issue_date) as date) as month,
        document_sha256,
        invoice_id,
        returned_for_supplier_reason
    from {{ ref('einvoice_precheck') }}
    where issue_date is not null
),

documents_per_month as (
    select month, count(*) as documents
    from documents
    group by month
),

flagged as (
    select
        documents.month,
        findings.finding_code,
        count(*) as flagged,
        count(documents.invoice_id) as matched,
        count(*) filter (where documents.returned_for_supplier_reason) as returned_for_supplier_reason
    from {{ ref('int_einvoice_findings') }} as findings
    inner join documents
        on findings.document_sha256 = documents.document_sha256
    group by documents.month, findings.finding_code
)

select
    flagged.month,
    flagged.finding_code,
    documents_per_month.documents,
    flagged.flagged,
    flagged.matched,
    flagged.returned_for_supplier_reason
from flagged
inner join documents_per_month
    on flagged.month = documents_per_month.month
