-- E4: one row per e-invoice read (not quarantined), EINVOICES.md "Matching and marts": its fields,
-- its findings (the codes, sorted, joined with ','; empty when none), the ERP invoice it matches
-- (E3), and that invoice's outcome at the reporting date D: returned or rejected for a supplier
-- reason by D (R10's supplier-caused return, int_supplier_errors) and paid on time (R9,
-- int_invoice_payments, paid by D). Both outcomes are NULL for a document that matched nothing;
-- is_paid_on_time is also NULL while the matched invoice is not paid by D.
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

findings as (
    select
        document_sha256,
        string_agg(finding_code, ',' order by finding_code) as findings,
        count(*) as finding_count
    from {{ ref('int_einvoice_findings') }}
    group by document_sha256
),

first_payment_means as (
    select document_sha256, payment_means_code
    from {{ ref('stg_einvoices__payment_means') }}
    where position = 1
)

select
    documents.document_sha256,
    documents.file_name,
    documents.syntax,
    documents.document_type,
    documents.invoice_number,
    documents.issue_date,
    documents.due_date,
    documents.supplier_cvr,
    suppliers.supplier_id,
    documents.buyer_ean,
    documents.order_reference,
    documents.approver_id,
    first_payment_means.payment_means_code,
    documents.currency,
    documents.payable_amount,
    coalesce(findings.findings, '') as findings,
    coalesce(findings.finding_count, 0) as finding_count,
    matches.invoice_id,
    case when matches.invoice_id is not null
        then coalesce(supplier_errors.has_supplier_caused_return, false)
    end as returned_for_supplier_reason,
    case when payments.paid_date <= reporting_date.as_of_date
        then payments.is_paid_on_time
    end as is_paid_on_time
from {{ ref('stg_einvoices__documents') }} as documents
cross join reporting_date
left join {{ ref('int_einvoice_suppliers') }} as suppliers
    on documents.document_sha256 = suppliers.document_sha256
left join findings
    on documents.document_sha256 = findings.document_sha256
left join first_payment_means
    on documents.document_sha256 = first_payment_means.document_sha256
left join {{ ref('int_einvoice_invoice_matches') }} as matches
    on documents.document_sha256 = matches.document_sha256
left join {{ ref('int_supplier_errors') }} as supplier_errors
    on matches.invoice_id = supplier_errors.invoice_id
left join {{ ref('int_invoice_payments') }} as payments
    on matches.invoice_id = payments.invoice_id
