-- Goods receipts (each id once), renamed. A negative quantity is goods sent back.
-- Incremental by purchase order (macros/incremental.sql): receipts only ever arrive, so a run adds
-- the new ones (and rewrites the other receipts of their POs).
{{ incremental_by_key('po_number', [{'source': 'varemodtagelser', 'key': '"Ordrenummer"'}]) }}
select
    "Varemodtagelses_id"  as goods_receipt_id,
    "Ordrenummer"         as po_number,
    "Linjenummer"         as line_number,
    "Modtaget_dato"       as received_date,
    "Antal"               as quantity,
    "Registreret_af"      as registered_by_user_id,
    _file_name            as source_file,
    _extract_date         as extract_date,
    _line                 as source_line,
    _load_id
from {{ source('kvantum', 'varemodtagelser') }}
where {{ changed_keys_only('"Ordrenummer"') }}
