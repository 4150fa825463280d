-- E1: the e-invoices read (EINVOICES.md "Fields"), one row per document; the reader has already
-- mapped each syntax's XPaths to these columns.
select
    document_sha256,
    file_name,
    syntax,
    customization_id,
    document_type,
    invoice_number,
    issue_date,
    due_date,
    supplier_endpoint_id,
    supplier_endpoint_scheme,
    supplier_cvr,
    buyer_ean,
    order_reference,
    approver_id,
    currency,
    payable_amount,
    payment_means_count
from {{ source('einvoices', 'einvoice_documents') }}
