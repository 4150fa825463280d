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
),

-- a range lookup as an inner join (a hash join in DuckDB), joined back on the key below
block_state_at_date as (
    select
        spine.invoice_id,
        spine.as_of_date,
        block_history.is_blocked,
        block_history.block_state_from_date
    from spine
    inner join block_history
        on spine.invoice_id = block_history.invoice_id
        and block_history.block_state_from_date <= spine.as_of_date
        and (block_history.block_state_until_date is null or spine.as_of_date < block_history.block_state_until_date)
),

states as (
    select
        spine.invoice_id,
        spine.as_of_date,
        coalesce(spine.first_posted_date <= spine.as_of_date, false) as is_posted,
        overdue.is_unpaid,
        coalesce(block_state_at_date.is_blocked, false)             as is_blocked,
        case when block_state_at_date.is_blocked then block_state_at_date.block_state_from_date end
            as blocked_since_date
    from spine
    inner join overdue
        on spine.invoice_id = overdue.invoice_id
        and spine.as_of_date = overdue.as_of_date
    left join block_state_at_date
        on spine.invoice_id = block_state_at_date.invoice_id
        and spine.as_of_date = block_state_at_date.as_of_date
)

select
    invoice_id,
    as_of_date,
    is_posted,
    is_blocked,
    blocked_since_date,
    is_posted and is_unpaid and is_blocked as has_payment_block
from states
