{{ config(materialized='table') }}
-- A table, not a view like most of the report's models: computed once a run rather than once per
-- reader (its three data tests and the report; 1.1 s of a daily run's tests at 10M invoices:
-- benchmarks/README.md, session 10).
-- Report (R3, R5, R6, R7): the four invoice lists of the follow-up report at D, one row per
-- invoice and list, with the department name and the holder's name (current user version), in
-- the report's order per list:
--   missing_goods_receipt   R5, by department, longest lying first
--   holder_without_access   R7 (in process, holder without Kvantum access), longest lying first
--   payment_blocked         R6, by department, earliest due first
--   overdue                 R3, by department, most days overdue first
with status as (
    select * from {{ ref('invoice_status') }}
),

users as (
    -- the current version of each user (the only place names come from)
    select user_id, full_name from {{ ref('stg_kvantum__users') }} where is_current
),

lists as (
    select 'missing_goods_receipt' as list_name, *, row_number() over (
        order by department, days_lying desc, invoice_id) as sort_order
    from status where has_missing_goods_receipt
    union all by name
    select 'holder_without_access' as list_name, *, row_number() over (
        order by department, days_lying desc, invoice_id) as sort_order
    from status where is_in_process and not holder_has_kvantum_access
    union all by name
    select 'payment_blocked' as list_name, *, row_number() over (
        order by department, due_date, invoice_id) as sort_order
    from status where has_payment_block
    union all by name
    select 'overdue' as list_name, *, row_number() over (
        order by department, days_overdue desc, invoice_id) as sort_order
    from status where is_overdue
)

select
    lists.list_name,
    lists.sort_order,
    lists.as_of_date,
    lists.invoice_id,
    lists.department,
    departments.department_name,
    lists.supplier_id,
    lists.received_date,
    lists.due_date,
    lists.amount_dkk,
    lists.days_lying,
    lists.lying_bucket,
    lists.is_overdue,
    lists.days_overdue,
    lists.holder_user_id,
    holder.full_name as holder_name,
    lists.is_in_process,
    lists.has_payment_block
from lists
left join {{ ref('departments') }} as departments
    on lists.department = departments.department
left join users as holder
    on lists.holder_user_id = holder.user_id
