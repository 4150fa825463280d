-- Data quality (RULES.md, Time): where Kvantum's current status columns in `fakturaer` disagree
-- with the invoice's events. The events win in every rule; this model only counts the cases, so
-- that a lagging or inconsistent export is seen (the dbt test on it warns, it does not stop).
-- Compared at the data watermark: the current version's Status and Betalingsspærre against the
-- status and block the events lead to.
-- Incremental by invoice (macros/incremental.sql): a run recomputes the invoices with a new
-- version or new events (and drops those that agree now).
{{ incremental_by_key('invoice_id', [{'ref': 'stg_kvantum__invoices'}, {'ref': 'stg_kvantum__invoice_events'}]) }}
with status_events as (
    -- the events that set a status; KORRIGERET and the block events leave it as it is
    select
        invoice_id,
        event_sequence,
        _load_id,
        case event_type
            when 'TILDELT' then 'I_GODKENDELSE'
            when 'VIDERESENDT' then 'I_GODKENDELSE'
            when 'ESKALERET' then 'I_GODKENDELSE'
            else event_type
        end as status
    from {{ ref('stg_kvantum__invoice_events') }}
    where event_type in (
        'MODTAGET', 'TILDELT', 'VIDERESENDT', 'ESKALERET', 'GODKENDT', 'RETURNERET',
        'BOGFØRT', 'BETALT', 'AFVIST', 'ANNULLERET'
    )
        and {{ changed_keys_only('invoice_id') }}
),

status_from_events as (
    select invoice_id, arg_max(status, event_sequence) as status, max(_load_id) as input_load_id
    from status_events
    group by invoice_id
),

block_from_events as (
    select invoice_id, arg_max(event_type, event_sequence) = 'SPÆRRET' as has_payment_block, max(_load_id) as input_load_id
    from {{ ref('stg_kvantum__invoice_events') }}
    where event_type in ('SPÆRRET', 'SPÆRRE_OPHÆVET')
        and {{ changed_keys_only('invoice_id') }}
    group by invoice_id
)

select
    invoices.invoice_id,
    invoices.status                                   as kvantum_status,
    status_from_events.status                         as status_from_events,
    invoices.has_payment_block                        as kvantum_payment_block,
    coalesce(block_from_events.has_payment_block, false) as payment_block_from_events,
    invoices.changed_at                               as kvantum_changed_at,
    {{ incremental_load_id('greatest(invoices._load_id, status_from_events.input_load_id, block_from_events.input_load_id)') }}
from {{ ref('stg_kvantum__invoices') }} as invoices
inner join status_from_events using (invoice_id)
left join block_from_events using (invoice_id)
where {{ changed_keys_only('invoices.invoice_id') }}
    and (invoices.status <> status_from_events.status
        or invoices.has_payment_block <> coalesce(block_from_events.has_payment_block, false))
