-- R11 returns, the part that does not depend on the reporting date D: one row per RETURNERET
-- event of a document in the exports, in the month of its Tidspunkt, under the document's
-- Forvaltning (current version) and the event's Årsagskode. Events of documents not (yet) in the
-- exports count nowhere (until the document arrives: its new version marks it changed).
-- int_returns takes the returns by D from here.
-- Incremental by document (macros/incremental.sql): a run recomputes the documents with a new
-- version or new events, not every RETURNERET event of the history (6.2 s of a daily run at 10M
-- invoices when this was int_returns, a table: benchmarks/README.md, session 10).
{{ incremental_by_key('invoice_id', [
    {'ref': 'stg_kvantum__invoices'},
    {'ref': 'stg_kvantum__invoice_events'},
]) }}
with documents as (
    select invoice_id, invoice_type, supplier_id, department, _load_id
    from {{ ref('stg_kvantum__invoices') }}
    where {{ changed_keys_only('invoice_id') }}
),

reasons as (
    select * from {{ ref('reason_codes') }}
)

select
    events.event_id,
    events.invoice_id,
    documents.invoice_type,
    documents.supplier_id,
    documents.department,
    events.event_date                                    as returned_date,
    cast(date_trunc('month', events.event_date) as date) as return_month,
    events.reason_code,
    reasons.responsible,
    events.from_user_id                                  as returned_by_user_id,
    {{ incremental_load_id('greatest(events._load_id, documents._load_id)') }}
from {{ ref('stg_kvantum__invoice_events') }} as events
inner join documents
    on events.invoice_id = documents.invoice_id
left join reasons
    on events.reason_code = reasons.reason_code
where events.event_type = 'RETURNERET'
    and {{ changed_keys_only('events.invoice_id') }}
