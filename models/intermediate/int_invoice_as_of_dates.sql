-- The spine of the rule engine: each invoice (FAKTURA) paired with each as-of date at which its
-- state is evaluated, with the invoice's current-version attributes and its event milestones.
--   * at the reporting date D: every invoice received by D and not stable by D (invoice_status
--     has a row for each invoice; the state at D of one stable by D (int_invoice_stable_dates) is
--     its final state, kept in int_invoice_final_states and stamped with D by
--     int_invoice_state_as_of);
--   * at a month's last day: only the invoices that matter to the period close, i.e. received by
--     then and still in process or unpaid then (every R13 measure as of D needs one of the two);
--   * at its stable date (is_stable_state, neither a reporting date nor a month end): each settled
--     invoice whose final state this run computes (int_invoice_stable_states_due). No other pair
--     has that date: a month-end pair is before the invoice settles, and at D it is not stable yet.
--     These are added by the post-hook (macros/stable_states.sql, spine_stable_pairs): in the same
--     query as the others, DuckDB held both large joins in memory at once and 10M invoices did not
--     fit a 2.5 GB limit (benchmarks/README.md, session 8); one after the other they do.
-- Credit notes are not here: R1-R9 do not apply to them.
{{ config(post_hook=["{{ spine_stable_pairs() }}"]) }}
-- depends_on: {{ ref('int_invoice_stable_states_due') }}
with as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
),

-- the invoices with a pair: those not stable by the earliest as-of date. In a daily run that is
-- some 100,000 of 10 million invoices (the open ones and the day's), in a full build nearly all.
-- int_invoice_stable_dates has a row for every document, with no stable_from while it is not
-- settled (a relationships test on stg_kvantum__invoices checks it), so no invoice with a pair is
-- left out.
candidates as (
    select invoice_id, stable_from from {{ ref('int_invoice_stable_dates') }}
    where stable_from is null or stable_from > (select min(as_of_date) from as_of_dates)
),

invoices as (
    {{ spine_invoices('candidates') }}
)

-- one pass over the invoices, each paired with the dates it needs (a date that is both the
-- reporting date and a month end gives one pair): no union, and the invoices read once (a CTE
-- read twice is kept in memory whole by DuckDB). Both bounds are in the join (a range join on
-- both sides, only the pairs wanted and few more): not stable by the date, which every pair needs,
-- since a month-end pair, in process or unpaid then, is before the invoice's stable date
-- (stable_from is on or after both end dates, int_invoice_stable_dates).
select
    invoices.invoice_id,
    as_of_dates.as_of_date,
    as_of_dates.is_reporting_date,
    as_of_dates.is_month_end,
    false as is_stable_state,
    invoices.* exclude (invoice_id, active_until_date, stable_from)
from invoices
inner join as_of_dates
    on invoices.received_date <= as_of_dates.as_of_date
    and as_of_dates.as_of_date < coalesce(invoices.stable_from, date '9999-12-31')
-- the reporting date: every invoice received by then and not stable by then; the month ends: only
-- while the invoice is in process or unpaid
where as_of_dates.is_reporting_date
    or as_of_dates.as_of_date < invoices.active_until_date
