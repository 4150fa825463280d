{{ config(meta={'dagster': {'ref': {'name': 'invoice_status'}}}) }}
-- MARTS.md: user names and payment details never appear in schema marts. Fails with any marts
-- column that carries them under their export or staging names (users appear by Bruger_id only).
select table_name, column_name
from information_schema.columns
where table_schema = 'marts'
    and table_catalog = current_database()
    and lower(column_name) in (
        'navn', 'full_name', 'user_name', 'holder_name', 'next_approver_name',
        'betalingsoplysning', 'registreret_betalingsoplysning', 'payment_info', 'registered_payment_info'
    )
-- depends_on: {{ ref('invoice_status') }} {{ ref('escalation_list') }} {{ ref('supplier_errors') }} {{ ref('period_close') }}
