-- R15 dwell time: the steps each paid invoice (FAKTURA, int_paid_invoices) went through, one
-- row per interval, from Modtagetdato up to its first BETALT (counted in the month of that
-- payment). Events in event order start a step, end the last one, or do neither:
--   KS        from Modtagetdato, from each RETURNERET, and from each TILDELT / VIDERESENDT /
--             ESKALERET to a user whose department (version valid at that date) is KS;
--   APPROVAL  from each other TILDELT / VIDERESENDT / ESKALERET, belonging to the department of
--             the user it went to (NULL when that user is unknown);
--   POSTING   from a GODKENDT, unless POSTING is already running (a second GODKENDT continues it);
--   PAYMENT   from BOGFØRT, and from each SPÆRRE_OPHÆVET after one (before any BOGFØRT: nothing);
--   BLOCKED   from each SPÆRRET;
--   MODTAGET and KORRIGERET start no step; BETALT, AFVIST and ANNULLERET end the last.
-- An interval lasts from the date of the event that starts it to the date of the next event that
-- starts or ends a step (calendar days; 0 days is an interval too).
--
-- Independent of D (int_invoice_dwell_intervals takes the invoices paid by D), so incremental by
-- invoice (macros/incremental.sql): a run recomputes the invoices with a new version or new
-- events, and those routed to a user with a new version; a paid invoice's rows then stay as they
-- are from day to day.
{{ incremental_by_key('invoice_id', [
    {'ref': 'stg_kvantum__invoices'},
    {'ref': 'int_paid_invoices'},
    {'ref': 'stg_kvantum__invoice_events'},
    {'ref': 'stg_kvantum__user_versions', 'key': 'user_id',
     'via': 'stg_kvantum__invoice_events', 'via_key': 'to_user_id'},
]) }}
-- an invoice that stops being a paid FAKTURA (a new version) leaves int_paid_invoices; its new
-- version in stg_kvantum__invoices is what marks it changed, so that its rows here go too
-- depends_on: {{ ref('stg_kvantum__invoices') }}
with paid as (
    select * from {{ ref('int_paid_invoices') }}
    where {{ changed_keys_only('invoice_id') }}
),

events as (
    select
        events.*,
        paid.first_paid_sequence,
        paid.first_posted_sequence
    from {{ ref('stg_kvantum__invoice_events') }} as events
    inner join paid
        on events.invoice_id = paid.invoice_id
    where {{ changed_keys_only('events.invoice_id') }}
),

-- the department of the user a routing event went to, in the version valid at its date
routed_to as (
    select
        events.event_id,
        user_versions.department as to_department
    from events
    inner join {{ ref('stg_kvantum__user_versions') }} as user_versions
        on events.to_user_id = user_versions.user_id
        and {{ valid_at('user_versions', 'events.event_date') }}
    where events.event_type in ('TILDELT', 'VIDERESENDT', 'ESKALERET')
),

classified as (
    select
        events.invoice_id,
        events.event_sequence,
        events.event_date,
        events.event_type,
        case
            when events.event_type = 'RETURNERET' then 'KS'
            when events.event_type in ('TILDELT', 'VIDERESENDT', 'ESKALERET') then
                case when routed_to.to_department = 'KS' then 'KS' else 'APPROVAL' end
            when events.event_type = 'GODKENDT' then 'POSTING'
            when events.event_type = 'BOGFØRT' then 'PAYMENT'
            when events.event_type = 'SPÆRRE_OPHÆVET' and events.first_posted_sequence < events.event_sequence then 'PAYMENT'
            when events.event_type = 'SPÆRRET' then 'BLOCKED'
            when events.event_type in ('BETALT', 'AFVIST', 'ANNULLERET') then 'END'
        end as boundary,
        case
            when events.event_type in ('TILDELT', 'VIDERESENDT', 'ESKALERET')
                and routed_to.to_department is distinct from 'KS' then routed_to.to_department
        end as holder_department
    from events
    left join routed_to
        on events.event_id = routed_to.event_id
    where events.event_sequence <= events.first_paid_sequence
),

-- the boundaries, with the receipt as the first one (KS from Modtagetdato)
boundaries as (
    select invoice_id, 0 as event_sequence, received_date as event_date, 'MODTAGETDATO' as event_type,
           'KS' as boundary, null as holder_department
    from paid
    union all
    select invoice_id, event_sequence, event_date, event_type, boundary, holder_department
    from classified
    where boundary is not null
),

-- Each boundary lasts until the next one, but a GODKENDT while POSTING runs (the previous boundary
-- started POSTING) continues it: that row goes, and the POSTING it continues lasts until the next
-- boundary that is not a GODKENDT. One window over the invoice's boundaries computes both.
intervals as (
    select
        *,
        case
            when boundary = 'POSTING' then
                lead(case when boundary <> 'POSTING' then event_date end ignore nulls) over by_sequence
            else lead(event_date) over by_sequence
        end as next_boundary_date
    from boundaries
    window by_sequence as (partition by invoice_id order by event_sequence)
    qualify not (
        event_type = 'GODKENDT'
        and coalesce(lag(boundary) over by_sequence, '') = 'POSTING'
    )
)

select
    intervals.invoice_id,
    paid.department,
    paid.paid_month,
    paid.paid_date,
    intervals.event_sequence                               as started_by_event_sequence,
    intervals.event_type                                   as started_by_event_type,
    intervals.boundary                                     as step,
    intervals.holder_department,
    intervals.event_date                                   as step_start_date,
    intervals.next_boundary_date                           as step_end_date,
    intervals.next_boundary_date - intervals.event_date    as days,
    {{ incremental_load_id('paid._load_id') }}
from intervals
inner join paid
    on intervals.invoice_id = paid.invoice_id
where intervals.boundary <> 'END'
    and intervals.next_boundary_date is not null
