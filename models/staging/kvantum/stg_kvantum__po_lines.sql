-- The current version of each po line (see stg_kvantum__po_line_versions).
{{ current_version(ref('stg_kvantum__po_line_versions')) }}
