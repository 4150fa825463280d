-- E1: the e-invoice files that were not read, with the reason (EINVOICES.md "Input").
select
    document_sha256,
    file_name,
    reason,
    detail
from {{ source('einvoices', 'einvoice_quarantine') }}
