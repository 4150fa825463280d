-- Every delivered version of every purchase-order line, renamed, with its validity interval.
-- Incremental by purchase order (macros/incremental.sql): a run recomputes the POs with new line
-- versions, all their lines.
{{ incremental_by_key('po_number', [{'source': 'indkoebsordrer', 'key': '"Ordrenummer"'}]) }}
with renamed as (
    select
        "Ordrenummer"       as po_number,
        "Linjenummer"       as line_number,
        "Leverandørnummer"  as supplier_id,
        "Forvaltning"       as department,
        "Oprettet_dato"     as created_date,
        "Oprettet_af"       as created_by_user_id,
        "Varetekst"         as item_text,
        "Postgruppe"        as posting_group,
        "Er_gebyr"          as is_fee,
        "Antal"             as quantity,
        "Enhedspris"        as unit_price_dkk,
        "Linjebeløb"        as line_amount_dkk,
        "Status"            as status,
        "Ændret"            as changed_at,
        _file_name          as source_file,
        _extract_date       as extract_date,
        _line               as source_line,
        _load_id
    from {{ source('kvantum', 'indkoebsordrer') }}
    where {{ changed_keys_only('"Ordrenummer"') }}
)
select *, {{ version_columns(['po_number', 'line_number']) }}
from renamed
