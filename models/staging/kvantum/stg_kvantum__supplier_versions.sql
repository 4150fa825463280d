-- Every delivered version of every supplier, renamed, with its validity interval.
-- _load_id: the load that brought the version; the incremental models downstream see a changed
-- version by it (macros/incremental.sql, the 'via' inputs).
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
        _line                             as source_line,
        _load_id
    from {{ source('kvantum', 'leverandoerer') }}
)
select *, {{ version_columns(['supplier_id']) }}
from renamed
