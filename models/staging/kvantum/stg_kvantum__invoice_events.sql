-- Invoice workflow events (each id once: the loader keeps the first delivery), renamed.
-- event_sequence orders one invoice's events by Tidspunkt, then Hændelses_id (EXPORTS.md).
-- Incremental by invoice (macros/incremental.sql): a run renumbers the invoices with new events.
{{ incremental_by_key('invoice_id', [{'source': 'fakturahaendelser', 'key': '"Bilagsnummer"'}]) }}
select
    "Hændelses_id"                 as event_id,
    "Bilagsnummer"                 as invoice_id,
    "Tidspunkt"                    as event_at,
    cast("Tidspunkt" as date)      as event_date,
    "Hændelse"                     as event_type,
    "Fra_bruger"                   as from_user_id,
    "Til_bruger"                   as to_user_id,
    "Årsagskode"                   as reason_code,
    "Kommentar"                    as comment,
    row_number() over (partition by "Bilagsnummer" order by "Tidspunkt", "Hændelses_id") as event_sequence,
    _file_name                     as source_file,
    _extract_date                  as extract_date,
    _line                          as source_line,
    _load_id
from {{ source('kvantum', 'fakturahaendelser') }}
where {{ changed_keys_only('"Bilagsnummer"') }}
