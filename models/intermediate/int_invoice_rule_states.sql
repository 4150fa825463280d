-- The rules R1-R9 side by side for each pair of the spine (int_invoice_as_of_dates): an invoice and
-- a date D, joined once. R8 and R9 are per invoice; here they count only once known by D (first
-- TILDELT by D, first BETALT by D).
-- A view: int_invoice_state_as_of reads its reporting-date and month-end rows, and
-- int_invoice_final_states its stable-date rows; DuckDB filters the spine before the joins.
{{ config(materialized='view') }}
with spine as (
    select * from {{ ref('int_invoice_as_of_dates') }}
),

in_process as (
    select * from {{ ref('int_invoices_in_process') }}
),

overdue as (
    select * from {{ ref('int_invoices_overdue') }}
),

holders as (
    select * from {{ ref('int_invoice_holders') }}
),

missing_goods_receipts as (
    select * from {{ ref('int_missing_goods_receipts') }}
),

payment_blocks as (
    select * from {{ ref('int_payment_blocks') }}
),

holders_without_access as (
    select * from {{ ref('int_holders_without_access') }}
),

routed_via_ks as (
    select * from {{ ref('int_invoices_routed_via_ks') }}
),

payments as (
    select * from {{ ref('int_invoice_payments') }}
),

-- R9 counts only for invoices paid by D (an inner join with the range condition, joined back on
-- the key below: DuckDB runs a left join with a range condition as a nested loop)
paid_by_date as (
    select spine.invoice_id, spine.as_of_date, payments.*
    exclude (invoice_id, department, supplier_id, received_date, due_date, amount_dkk)
    from spine
    inner join payments
        on spine.invoice_id = payments.invoice_id
        and payments.paid_date <= spine.as_of_date
)

select
    spine.invoice_id,
    spine.as_of_date,
    spine.is_reporting_date,
    spine.is_month_end,
    spine.is_stable_state,
    spine.supplier_id,
    spine.department,
    spine.received_date,
    spine.due_date,
    spine.amount_dkk,
    -- R1, R2
    in_process.is_in_process,
    in_process.days_lying,
    in_process.lying_bucket,
    -- R3
    overdue.is_unpaid,
    overdue.is_overdue,
    overdue.days_overdue,
    -- R4
    holders.holder_user_id,
    holders.holder_from_date,
    holders.is_escalation_candidate,
    holders.next_approver_user_id,
    -- R5
    missing_goods_receipts.has_po_of_supplier,
    missing_goods_receipts.has_missing_goods_receipt,
    -- R6
    payment_blocks.is_posted,
    payment_blocks.has_payment_block,
    -- R7
    holders_without_access.holder_has_kvantum_access,
    holders_without_access.is_holder_without_access,
    -- R8: known once the first TILDELT has happened by D
    case when routed_via_ks.first_assigned_date <= spine.as_of_date then routed_via_ks.routed_via_ks end as routed_via_ks,
    -- R9: only for invoices paid by D
    paid_by_date.paid_date,
    paid_by_date.is_paid_on_time,
    paid_by_date.days_to_pay,
    paid_by_date.days_late,
    paid_by_date.late_interest_dkk,
    paid_by_date.compensation_dkk
from spine
inner join in_process
    on spine.invoice_id = in_process.invoice_id and spine.as_of_date = in_process.as_of_date
inner join overdue
    on spine.invoice_id = overdue.invoice_id and spine.as_of_date = overdue.as_of_date
inner join holders
    on spine.invoice_id = holders.invoice_id and spine.as_of_date = holders.as_of_date
inner join missing_goods_receipts
    on spine.invoice_id = missing_goods_receipts.invoice_id and spine.as_of_date = missing_goods_receipts.as_of_date
inner join payment_blocks
    on spine.invoice_id = payment_blocks.invoice_id and spine.as_of_date = payment_blocks.as_of_date
inner join holders_without_access
    on spine.invoice_id = holders_without_access.invoice_id and spine.as_of_date = holders_without_access.as_of_date
left join routed_via_ks
    on spine.invoice_id = routed_via_ks.invoice_id
left join paid_by_date
    on spine.invoice_id = paid_by_date.invoice_id and spine.as_of_date = paid_by_date.as_of_date
