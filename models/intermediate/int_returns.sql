-- R11 returns: one row per RETURNERET event by the reporting date D of a document in the exports
-- (int_return_events: the month of its Tidspunkt, the document's Forvaltning, the event's
-- Årsagskode), stamped with D.
-- A view: a run computes the returns of the documents that changed, and D is applied on reading.
{{ config(materialized='view') }}
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
)

select
    returns.* exclude (_load_id),
    reporting_date.as_of_date
from {{ ref('int_return_events') }} as returns
inner join reporting_date
    on returns.returned_date <= reporting_date.as_of_date
