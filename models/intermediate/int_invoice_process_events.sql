-- R15 process paths and variants at D: the events up to payment (int_paid_invoice_process_events)
-- of the invoices paid by the reporting date D (first BETALT on or before D). A view: the events
-- themselves do not depend on D and are built incrementally; only this choice does
-- (macros/rules.sql).
{{ config(materialized='view') }}
{{ paid_by_reporting_date('int_paid_invoice_process_events') }}
