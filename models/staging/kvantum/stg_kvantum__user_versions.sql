-- Every delivered version of every user, renamed, with its validity interval.
-- _load_id: the load that brought the version; the incremental models downstream see a changed
-- version by it (macros/incremental.sql, the 'via' inputs).
-- full_name is personal data: it never leaves the warehouse for the marts.
with renamed as (
    select
        "Bruger_id"       as user_id,
        "Navn"            as full_name,
        "Forvaltning"     as department,
        "Enhed"           as unit,
        "Leder_id"        as manager_user_id,
        "Kvantum_adgang"  as has_kvantum_access,
        "Ændret"          as changed_at,
        _file_name        as source_file,
        _extract_date     as extract_date,
        _line             as source_line,
        _load_id
    from {{ source('kvantum', 'brugere') }}
)
select *, {{ version_columns(['user_id']) }}
from renamed
