-- One row per invoice and credit note received by the reporting date D, with its state as of D
-- (R1-R9). Credit notes carry NULL in every R1-R9 column.
-- Kept across runs: a run recomputes the rows of the invoices not settled by D and of those with a
-- new final state, and stamps D on the rest (macros/invoice_status_kept.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='replace_changed_keys',
    unique_key='invoice_id',
    on_schema_change='append_new_columns',
    meta={'changed_keys': {'key': 'invoice_id'}},
    pre_hook=[before_begin("{{ reset_invoice_status() }}"), "{{ prepare_invoice_status_changes() }}"],
    post_hook=["{{ record_invoice_status_stamps() }}"]
) }}
-- depends_on: {{ ref('int_invoice_final_states') }}
with reporting_date as (
    select as_of_date, data_watermark from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

documents as (
    select * from {{ ref('stg_kvantum__invoices') }}
    where {{ changed_keys_only('invoice_id') }}
),

states as (
    select * from {{ ref('int_invoice_state_as_of') }}
    where is_reporting_date and {{ changed_keys_only('invoice_id') }}
)

select
    documents.invoice_id,
    documents.invoice_type,
    documents.supplier_id,
    documents.department,
    documents.received_date,
    documents.due_date,
    documents.amount_dkk,
    reporting_date.as_of_date,
    states.is_in_process,
    states.days_lying,
    states.lying_bucket,
    states.is_unpaid,
    states.is_overdue,
    states.days_overdue,
    states.holder_user_id,
    states.next_approver_user_id,
    states.is_escalation_candidate,
    states.has_missing_goods_receipt,
    states.has_payment_block,
    states.holder_has_kvantum_access,
    states.routed_via_ks,
    states.paid_date,
    states.is_paid_on_time,
    states.days_to_pay,
    states.late_interest_dkk,
    states.compensation_dkk,
    -- extra columns beyond the contract
    reporting_date.data_watermark,
    states.is_holder_without_access,
    states.days_late,
    documents.po_number,
    documents.channel
from documents
inner join reporting_date
    on documents.received_date <= reporting_date.as_of_date
left join states
    on documents.invoice_id = states.invoice_id
