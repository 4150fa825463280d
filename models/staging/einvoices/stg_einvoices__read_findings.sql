-- E2a: the findings the reader decided from the document alone (approver form, payment means,
-- check digits, due dates; invoices only). docs/einvoices.md gives the split with dbt.
select
    document_sha256,
    finding_code,
    value_seen,
    expected
from {{ source('einvoices', 'einvoice_findings') }}
