-- Every delivered version of every supplier, renamed, with its validity interval.
with renamed as (
    select
        "Leverandørnummer"                as supplier_id,
        "CVR"                             as cvr,
        "Navn"                            as supplier_name,
        "Land"                            as country,
        "Registreret_betalingsoplysning"  as registered_payment_info,
        "Kræver_ordrenummer"              as requires_po_number,
        "Ændret"                          as changed_at,
        _file_name                        as source_file,
        _extract_date                     as extract_date,
        _line                             as source_line
    from {{ source('kvantum', 'leverandoerer') }}
)
select *, {{ version_columns(['supplier_id']) }}
from renamed
