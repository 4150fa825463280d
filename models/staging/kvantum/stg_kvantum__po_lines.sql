-- The current version of each po line (see stg_kvantum__po_line_versions).
-- Incremental by purchase order (macros/incremental.sql).
{{ incremental_by_key('po_number', [{'ref': 'stg_kvantum__po_line_versions'}]) }}
{{ current_version(ref('stg_kvantum__po_line_versions'), incremental_key='po_number') }}
