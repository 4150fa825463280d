-- R4: who held each invoice from which date to which date. Each TILDELT, VIDERESENDT, ESKALERET
-- or RETURNERET event makes its Til_bruger the holder from its event date. Several such events on
-- one day: the day's last one (in event order) is the holder at the end of that day, which is
-- what "the latest event by D" means for every D from that day on.
-- Incremental by invoice (macros/incremental.sql): a run recomputes the invoices with new events.
{{ incremental_by_key('invoice_id', [{'ref': 'stg_kvantum__invoice_events'}]) }}
with holder_events as (
    select invoice_id, event_date, event_sequence, event_type, to_user_id, _load_id
    from {{ ref('stg_kvantum__invoice_events') }}
    where event_type in ('TILDELT', 'VIDERESENDT', 'ESKALERET', 'RETURNERET')
        and {{ changed_keys_only('invoice_id') }}
),

last_of_day as (
    select
        invoice_id,
        event_date                                as holder_from_date,
        arg_max(to_user_id, event_sequence)       as holder_user_id,
        arg_max(event_type, event_sequence)       as holder_event_type,
        count(*)                                  as holder_events_that_day,
        max(_load_id)                             as input_load_id
    from holder_events
    group by invoice_id, event_date
)

select
    invoice_id,
    holder_user_id,
    holder_event_type,
    holder_from_date,
    lead(holder_from_date) over (partition by invoice_id order by holder_from_date) as holder_until_date,
    holder_events_that_day,
    {{ incremental_load_id('input_load_id') }}
from last_of_day
