-- The spine of the rule engine: each invoice (FAKTURA) paired with each as-of date at which its
-- state is evaluated, with the invoice's current-version attributes and its event milestones.
--   * at the reporting date D: every invoice received by D (invoice_status has a row for each);
--   * at a month's last day: only the invoices that matter to the period close, i.e. received by
--     then and still in process or unpaid then (every R13 measure as of D needs one of the two).
--   * at D, not the invoices stable by D (int_invoice_stable_dates): their state at D is their final
--     state, kept in int_invoice_final_states and stamped with D by int_invoice_state_as_of;
--   * at its stable date (is_stable_state, neither a reporting date nor a month end): each settled
--     invoice whose final state this run computes (int_invoice_stable_states_due). No other pair
--     has that date: a month-end pair is before the invoice settles, and at D it is not stable yet.
-- Credit notes are not here: R1-R9 do not apply to them.
with invoices as (
    select
        invoices.invoice_id,
        invoices.supplier_id,
        invoices.department,
        invoices.received_date,
        invoices.due_date,
        invoices.amount_dkk,
        invoices.po_number,
        event_dates.first_approved_date,
        event_dates.first_posted_date,
        event_dates.in_process_until_date,
        event_dates.unpaid_until_date,
        -- in process or unpaid at D exactly when D is before the later of the two end dates
        -- (an open end is "never"): the month ends that matter lie in [received_date, this)
        greatest(
            coalesce(event_dates.in_process_until_date, date '9999-12-31'),
            coalesce(event_dates.unpaid_until_date, date '9999-12-31')
        ) as active_until_date
    from {{ ref('stg_kvantum__invoices') }} as invoices
    left join {{ ref('int_invoice_event_dates') }} as event_dates
        on invoices.invoice_id = event_dates.invoice_id
    where invoices.invoice_type = 'FAKTURA'
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
),

stable_dates as (
    select invoice_id, stable_from from {{ ref('int_invoice_stable_dates') }}
),

dated_pairs as (
    -- the reporting date: every invoice received by then and not stable by then
    select invoices.invoice_id, as_of_dates.as_of_date
    from invoices
    inner join as_of_dates
        on invoices.received_date <= as_of_dates.as_of_date
    left join stable_dates
        on invoices.invoice_id = stable_dates.invoice_id
    where as_of_dates.is_reporting_date
        and (stable_dates.stable_from is null or stable_dates.stable_from > as_of_dates.as_of_date)
    union
    -- month ends: only while the invoice is in process or unpaid (a range join on both sides)
    select invoices.invoice_id, as_of_dates.as_of_date
    from invoices
    inner join as_of_dates
        on invoices.received_date <= as_of_dates.as_of_date
        and as_of_dates.as_of_date < invoices.active_until_date
    where as_of_dates.is_month_end
),

pairs as (
    select
        dated_pairs.invoice_id,
        dated_pairs.as_of_date,
        as_of_dates.is_reporting_date,
        as_of_dates.is_month_end,
        false as is_stable_state
    from dated_pairs
    inner join as_of_dates
        on dated_pairs.as_of_date = as_of_dates.as_of_date
    union all
    -- the settled invoices whose final state is computed in this run, at their stable date
    select invoice_id, stable_from, false, false, true
    from {{ ref('int_invoice_stable_states_due') }}
    where stable_from is not null
)

select
    pairs.invoice_id,
    pairs.as_of_date,
    pairs.is_reporting_date,
    pairs.is_month_end,
    pairs.is_stable_state,
    invoices.supplier_id,
    invoices.department,
    invoices.received_date,
    invoices.due_date,
    invoices.amount_dkk,
    invoices.po_number,
    invoices.first_approved_date,
    invoices.first_posted_date,
    invoices.in_process_until_date,
    invoices.unpaid_until_date
from pairs
inner join invoices
    on pairs.invoice_id = invoices.invoice_id
