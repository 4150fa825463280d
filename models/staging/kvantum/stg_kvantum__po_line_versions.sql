-- Every delivered version of every purchase-order line, renamed, with its validity interval.
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
        _line               as source_line
    from {{ source('kvantum', 'indkoebsordrer') }}
)
select *, {{ version_columns(['po_number', 'line_number']) }}
from renamed
