-- Every delivered version of every invoice and credit note, renamed, with its validity interval.
-- Incremental by invoice (macros/incremental.sql): a run recomputes the invoices with new versions.
{{ incremental_by_key('invoice_id', [{'source': 'fakturaer', 'key': '"Bilagsnummer"'}]) }}
with renamed as (
    select
        "Bilagsnummer"        as invoice_id,
        "Fakturanummer"       as supplier_invoice_number,
        "Fakturatype"         as invoice_type,
        "Leverandørnummer"    as supplier_id,
        "Afsendelsesdato"     as sent_date,
        "Fakturadato"         as invoice_date,
        "Modtagetdato"        as received_date,
        "Forfaldsdato"        as due_date,
        "Beløb"               as amount,
        "Valuta"              as currency,
        "Beløb_DKK"           as amount_dkk,
        "Ordrenummer"         as po_number,
        "Modtager_EAN"        as recipient_ean,
        "Forvaltning"         as department,
        "Kanal"               as channel,
        "Betalingsoplysning"  as payment_info,
        "Status"              as status,
        "Betalingsspærre"     as has_payment_block,
        "Aktuel_behandler"    as current_holder_user_id,
        "Bogføringsdato"      as posting_date,
        "Betalingsdato"       as payment_date,
        "Ændret"              as changed_at,
        _file_name            as source_file,
        _extract_date         as extract_date,
        _line                 as source_line,
        _load_id
    from {{ source('kvantum', 'fakturaer') }}
    where {{ changed_keys_only('"Bilagsnummer"') }}
)
select *, {{ version_columns(['invoice_id']) }}
from renamed
