-- The spine of the rule engine: each invoice (FAKTURA) paired with each as-of date at which its
-- state is evaluated, with the invoice's current-version attributes and its event milestones.
--   * at the reporting date D: every invoice received by D (invoice_status has a row for each);
--   * at a month's last day: only the invoices that matter to the period close, i.e. received by
--     then and still in process or unpaid then (every R13 measure as of D needs one of the two).
-- Credit notes are not here: R1-R9 do not apply to them.
with invoices as (
    select * from {{ ref('stg_kvantum__invoices') }}
    where invoice_type = 'FAKTURA'
),

event_dates as (
    select * from {{ ref('int_invoice_event_dates') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
)

select
    invoices.invoice_id,
    as_of_dates.as_of_date,
    as_of_dates.is_reporting_date,
    as_of_dates.is_month_end,
    invoices.supplier_id,
    invoices.department,
    invoices.received_date,
    invoices.due_date,
    invoices.amount_dkk,
    invoices.po_number,
    event_dates.first_approved_date,
    event_dates.first_posted_date,
    event_dates.in_process_until_date,
    event_dates.unpaid_until_date
from invoices
inner join as_of_dates
    on invoices.received_date <= as_of_dates.as_of_date
left join event_dates
    on invoices.invoice_id = event_dates.invoice_id
where as_of_dates.is_reporting_date
    or event_dates.in_process_until_date is null
    or event_dates.in_process_until_date > as_of_dates.as_of_date
    or event_dates.unpaid_until_date is null
    or event_dates.unpaid_until_date > as_of_dates.as_of_date
