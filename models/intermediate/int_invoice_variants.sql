-- R15 process variants at D: the variants (int_paid_invoice_variants) of the invoices paid by the
-- reporting date D (first BETALT on or before D). A view, like int_invoice_process_events
-- (macros/rules.sql).
{{ config(materialized='view') }}
{{ paid_by_reporting_date('int_paid_invoice_variants') }}
