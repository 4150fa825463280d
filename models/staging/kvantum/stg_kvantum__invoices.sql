-- The current version of each invoice (see stg_kvantum__invoice_versions).
-- Incremental by invoice (macros/incremental.sql).
{{ incremental_by_key('invoice_id', [{'ref': 'stg_kvantum__invoice_versions'}]) }}
{{ current_version(ref('stg_kvantum__invoice_versions'), incremental_key='invoice_id') }}
