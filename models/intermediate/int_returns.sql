-- R11 returns: one row per RETURNERET event by the reporting date D, in the month of its
-- Tidspunkt, under the document's Forvaltning (current version) and the event's Årsagskode.
-- Events of documents not (yet) in the exports count nowhere.
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

documents as (
    select * from {{ ref('stg_kvantum__invoices') }}
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
    events.event_date                                  as returned_date,
    cast(date_trunc('month', events.event_date) as date) as return_month,
    events.reason_code,
    reasons.responsible,
    events.from_user_id                                as returned_by_user_id,
    reporting_date.as_of_date
from {{ ref('stg_kvantum__invoice_events') }} as events
inner join documents
    on events.invoice_id = documents.invoice_id
cross join reporting_date
left join reasons
    on events.reason_code = reasons.reason_code
where events.event_type = 'RETURNERET'
    and events.event_date <= reporting_date.as_of_date
