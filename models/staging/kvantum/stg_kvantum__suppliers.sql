-- The current version of each supplier (see stg_kvantum__supplier_versions).
{{ current_version(ref('stg_kvantum__supplier_versions')) }}
