-- The data watermark (RULES.md, Time) and the range of closable months (R13), in one row.
-- The watermark is the latest date of any Tidspunkt in the loaded invoice events: the default
-- reporting date, and the limit for closing a month (a month can be closed once the watermark
-- has reached its last day). The orchestration layer reads this row to refuse a close early.
with watermark as (
    select max(event_date) as data_watermark
    from {{ ref('stg_kvantum__invoice_events') }}
),

first_receipt as (
    select min(received_date) as first_received_date
    from {{ ref('stg_kvantum__invoices') }}
)

select
    watermark.data_watermark,
    first_receipt.first_received_date,
    cast(date_trunc('month', first_receipt.first_received_date) as date) as first_received_month,
    -- the last month whose last day is on or before the watermark
    cast(date_trunc('month', watermark.data_watermark + 1) - interval 1 month as date) as last_closable_month
from watermark
cross join first_receipt
