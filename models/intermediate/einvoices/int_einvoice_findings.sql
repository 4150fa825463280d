-- E2: every finding of every e-invoice read, one row per document and code: the reader's
-- (document-only checks) and the ERP-dependent ones (int_einvoice_erp_findings).
select document_sha256, finding_code, value_seen, expected, 'reader' as checked_in
from {{ ref('stg_einvoices__read_findings') }}
union all
select document_sha256, finding_code, value_seen, expected, 'dbt' as checked_in
from {{ ref('int_einvoice_erp_findings') }}
