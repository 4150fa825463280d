-- The current version of each invoice (see stg_kvantum__invoice_versions).
{{ current_version(ref('stg_kvantum__invoice_versions')) }}
