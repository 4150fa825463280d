-- Per invoice: the dates (and order) of the milestones in its event history, computed once and
-- independent of the reporting date. A rule asks "by D" by comparing these dates with D.
-- One pass over the events: conditional aggregates, no joins.
-- Incremental by invoice (macros/incremental.sql): a run recomputes the invoices with new events.
{{ incremental_by_key('invoice_id', [{'ref': 'stg_kvantum__invoice_events'}]) }}
with events as (
    select * from {{ ref('stg_kvantum__invoice_events') }}
    where {{ changed_keys_only('invoice_id') }}
),

milestones as (
    select
        invoice_id,
        min(event_date) filter (where event_type = 'MODTAGET')                as first_received_event_date,
        min(event_date) filter (where event_type = 'TILDELT')                 as first_assigned_date,
        arg_min(to_user_id, event_sequence) filter (where event_type = 'TILDELT') as first_assigned_user_id,
        min(event_date) filter (where event_type = 'GODKENDT')                as first_approved_date,
        min(event_date) filter (where event_type = 'BOGFØRT')                 as first_posted_date,
        min(event_sequence) filter (where event_type = 'BOGFØRT')             as first_posted_sequence,
        min(event_date) filter (where event_type = 'BETALT')                  as first_paid_date,
        min(event_sequence) filter (where event_type = 'BETALT')              as first_paid_sequence,
        min(event_date) filter (where event_type = 'AFVIST')                  as first_rejected_date,
        min(event_date) filter (where event_type = 'ANNULLERET')              as first_cancelled_date,
        count(*)                                                              as events,
        max(_load_id)                                                         as input_load_id
    from events
    group by invoice_id
)

select
    * exclude (input_load_id),
    -- R1: in process until the first BOGFØRT, AFVIST or ANNULLERET (least() skips NULLs)
    least(first_posted_date, first_rejected_date, first_cancelled_date) as in_process_until_date,
    -- R3: unpaid until the first BETALT, AFVIST or ANNULLERET
    least(first_paid_date, first_rejected_date, first_cancelled_date)   as unpaid_until_date,
    {{ incremental_load_id('input_load_id') }}
from milestones
