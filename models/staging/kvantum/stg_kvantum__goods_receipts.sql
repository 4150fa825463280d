-- Goods receipts (each id once), renamed. A negative quantity is goods sent back.
select
    "Varemodtagelses_id"  as goods_receipt_id,
    "Ordrenummer"         as po_number,
    "Linjenummer"         as line_number,
    "Modtaget_dato"       as received_date,
    "Antal"               as quantity,
    "Registreret_af"      as registered_by_user_id,
    _file_name            as source_file,
    _extract_date         as extract_date,
    _line                 as source_line
from {{ source('kvantum', 'varemodtagelser') }}
