-- R15 dwell time at D: the step intervals (int_paid_invoice_dwell_intervals) of the invoices paid
-- by the reporting date D (first BETALT on or before D). A view: the intervals themselves do not
-- depend on D and are built incrementally; only this choice does (macros/rules.sql).
{{ config(materialized='view') }}
{{ paid_by_reporting_date('int_paid_invoice_dwell_intervals') }}
