-- R15: the invoices (FAKTURA) paid (with a BETALT), one row each, with the department,
-- Modtagetdato, the payment date and month (R9, int_invoice_payments), and the event_sequence of
-- the first BETALT and of the first BOGFØRT (int_invoice_event_dates). Independent of D: the dwell
-- intervals (int_paid_invoice_dwell_intervals) and the process paths
-- (int_paid_invoice_process_events) follow each of these invoices' events up to and including its
-- first BETALT, and keep an invoice's rows from run to run once it is paid; "paid by D" is
-- paid_date <= D (int_invoice_dwell_intervals, int_invoice_process_events).
-- _load_id: the newest load behind the row (its payment row's, or its newest event's).
-- Incremental by invoice (macros/incremental.sql): a run recomputes the invoices with a new
-- version (one that stops being a paid FAKTURA leaves), new events or a changed payment, not every
-- paid invoice of the history (5.1 s of a daily run at 10M as a table: benchmarks/README.md, session 10).
{{ incremental_by_key('invoice_id', [
    {'ref': 'stg_kvantum__invoices'},
    {'ref': 'int_invoice_event_dates'},
    {'ref': 'int_invoice_payments'},
]) }}
-- int_invoice_payments loses an invoice that stops being a FAKTURA: its new version in
-- stg_kvantum__invoices is what marks it changed, so that its row here goes too
-- depends_on: {{ ref('stg_kvantum__invoices') }}
select
    payments.invoice_id,
    payments.department,
    payments.received_date,
    payments.paid_date,
    payments.paid_month,
    event_dates.first_paid_sequence,
    event_dates.first_posted_sequence,
    greatest(payments._load_id, event_dates._load_id) as _load_id
from {{ ref('int_invoice_payments') }} as payments
left join {{ ref('int_invoice_event_dates') }} as event_dates
    on payments.invoice_id = event_dates.invoice_id
    and {{ changed_keys_only('event_dates.invoice_id') }}
where {{ changed_keys_only('payments.invoice_id') }}
