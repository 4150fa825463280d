-- R6: whether each invoice's payment was blocked, as intervals of dates. SPÆRRET sets the block
-- and SPÆRRE_OPHÆVET lifts it from its event date; several on one day: the day's last one (in
-- event order) decides the state at the end of that day.
-- Incremental by invoice (macros/incremental.sql): a run recomputes the invoices with new events.
{{ incremental_by_key('invoice_id', [{'ref': 'stg_kvantum__invoice_events'}]) }}
with block_events as (
    select invoice_id, event_date, event_sequence, event_type = 'SPÆRRET' as sets_block, _load_id
    from {{ ref('stg_kvantum__invoice_events') }}
    where event_type in ('SPÆRRET', 'SPÆRRE_OPHÆVET')
        and {{ changed_keys_only('invoice_id') }}
),

last_of_day as (
    select
        invoice_id,
        event_date                          as block_state_from_date,
        arg_max(sets_block, event_sequence) as is_blocked,
        max(_load_id)                       as input_load_id
    from block_events
    group by invoice_id, event_date
)

select
    invoice_id,
    is_blocked,
    block_state_from_date,
    lead(block_state_from_date) over (partition by invoice_id order by block_state_from_date) as block_state_until_date,
    {{ incremental_load_id('input_load_id') }}
from last_of_day
