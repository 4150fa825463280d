-- Every delivered version of every employee expense claim (udlaeg, EXPORTS.md v1.1), renamed, with
-- its validity interval (R16 takes a claim in the version valid at D). The source is optional:
-- without any udlaeg file raw.udlaeg is empty and so is this model.
with renamed as (
    select
        "Udlægsnummer"    as claim_id,
        "Bruger_id"       as employee_user_id,
        "Forvaltning"     as department,
        "Udgiftsdato"     as expense_date,
        "Indsendt_dato"   as submitted_date,
        "Beløb_DKK"       as amount_dkk,
        "Udgiftstype"     as expense_type,
        "Formål"          as purpose,
        "Kvittering"      as has_receipt,
        "Deltagere"       as participants,
        "Godkender"       as approver_user_id,
        "Status"          as status,
        "Godkendt_dato"   as approved_date,
        "Udbetalt_dato"   as paid_out_date,
        "Ændret"          as changed_at,
        _file_name        as source_file,
        _extract_date     as extract_date,
        _line             as source_line
    from {{ source('kvantum', 'udlaeg') }}
)
select *, {{ version_columns(['claim_id']) }}
from renamed
