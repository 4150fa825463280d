-- E3: the link to the ERP (EINVOICES.md "Matching"): an e-invoice matches the invoice or credit
-- note in fakturaer (current version) of the same supplier (found by CVR, int_einvoice_suppliers)
-- whose Fakturanummer equals cbc:ID; at most one, the lowest Bilagsnummer when several.
select
    suppliers.document_sha256,
    invoices.invoice_id
from {{ ref('int_einvoice_suppliers') }} as suppliers
inner join {{ ref('stg_einvoices__documents') }} as documents
    on suppliers.document_sha256 = documents.document_sha256
inner join {{ ref('stg_kvantum__invoices') }} as invoices
    on invoices.supplier_id = suppliers.supplier_id
    and invoices.supplier_invoice_number = documents.invoice_number
qualify row_number() over (partition by suppliers.document_sha256 order by invoices.invoice_id) = 1
