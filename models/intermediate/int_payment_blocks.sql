-- R6 payment block, for each invoice at each as-of date D: a BOGFØRT event by D, unpaid at D
-- (R3), and the latest SPÆRRET / SPÆRRE_OPHÆVET event by D is SPÆRRET
-- (int_payment_block_history).
with spine as (
    select * from {{ ref('int_invoice_as_of_dates') }}
),

overdue as (
    select * from {{ ref('int_invoices_overdue') }}
),

block_history as (
    select * from {{ ref('int_payment_block_history') }}
)

select
    spine.invoice_id,
    spine.as_of_date,
    coalesce(spine.first_posted_date <= spine.as_of_date, false) as is_posted,
    coalesce(block_history.is_blocked, false)                   as is_blocked,
    case when block_history.is_blocked then block_history.block_state_from_date end as blocked_since_date,
    coalesce(spine.first_posted_date <= spine.as_of_date, false)
        and overdue.is_unpaid
        and coalesce(block_history.is_blocked, false)           as has_payment_block
from spine
inner join overdue
    on spine.invoice_id = overdue.invoice_id
    and spine.as_of_date = overdue.as_of_date
left join block_history
    on spine.invoice_id = block_history.invoice_id
    and block_history.block_state_from_date <= spine.as_of_date
    and (block_history.block_state_until_date is null or spine.as_of_date < block_history.block_state_until_date)
