-- R13: the period-close measures for every closable month not closed yet (int_as_of_dates; and
-- a month a forced re-close takes again) and every one of the seven departments, with D = the
-- month's last day. This is what a snapshot of the month would hold;
-- the incremental mart period_close takes it for the months an operator closes and keeps it.
--   as of D (int_invoice_state_as_of): in process, lying 13-30 days (buckets 13-21 and 22-30),
--     lying 22+ days (buckets 22-30 and 31+), overdue (count and DKK), missing goods receipt,
--     payment blocked, holder without access;
--   received in the month: invoices with Modtagetdato in the month, and among them those routed
--     via KS (first TILDELT by D);
--   paid in the month (first BETALT in the month): count, on time, on-time rate, interest and
--     compensation;
--   near due (R14, MARTS.md v1.1): invoices near due at the month's last day;
--   the milestone targets valid for the month (int_milestone_targets: the department's seed row
--     with the latest valid_from_month on or before it) and whether each was met (at or below
--     the target).
with months as (
    select as_of_date, month, data_watermark
    from {{ ref('int_as_of_dates') }}
    where is_month_end
),

-- every closable month x every department, with its R1-R7 counts as of the month's last day
month_departments as (
    select * from {{ ref('int_department_states') }}
    where is_month_end
),

near_due as (
    select
        near_due.as_of_date,
        near_due.department,
        count(*) filter (where near_due.is_near_due) as near_due
    from {{ ref('int_invoices_near_due') }} as near_due
    inner join months
        on near_due.as_of_date = months.as_of_date
    group by near_due.as_of_date, near_due.department
),

received as (
    select
        months.month,
        invoices.department,
        count(*)                                                                     as received,
        count(*) filter (where routed.routed_via_ks and routed.first_assigned_date <= months.as_of_date) as routed_via_ks
    from {{ ref('stg_kvantum__invoices') }} as invoices
    inner join months
        on cast(date_trunc('month', invoices.received_date) as date) = months.month
    left join {{ ref('int_invoices_routed_via_ks') }} as routed
        on invoices.invoice_id = routed.invoice_id
    where invoices.invoice_type = 'FAKTURA'
    group by months.month, invoices.department
),

paid as (
    select
        paid_month                                   as month,
        department,
        count(*)                                     as paid,
        count(*) filter (where is_paid_on_time)      as paid_on_time,
        sum(late_interest_dkk)                       as late_interest_dkk,
        sum(compensation_dkk)                        as compensation_dkk
    from {{ ref('int_invoice_payments') }}
    group by paid_month, department
),

targets as (
    select * from {{ ref('int_milestone_targets') }}
),

measures as (
    select
        month_departments.month,
        month_departments.department,
        month_departments.as_of_date,
        month_departments.data_watermark,
        month_departments.in_process,
        month_departments.lying_13_30,
        month_departments.lying_22_plus,
        month_departments.overdue,
        month_departments.overdue_amount_dkk,
        month_departments.missing_goods_receipt,
        month_departments.payment_blocked,
        month_departments.holder_without_access,
        coalesce(near_due.near_due, 0)                 as near_due,
        coalesce(received.received, 0)                 as received,
        coalesce(received.routed_via_ks, 0)            as routed_via_ks,
        coalesce(paid.paid, 0)                         as paid,
        coalesce(paid.paid_on_time, 0)                 as paid_on_time,
        cast(paid.paid_on_time as double) / nullif(paid.paid, 0) as on_time_rate,
        cast(coalesce(paid.late_interest_dkk, 0) as decimal(18, 2)) as late_interest_dkk,
        cast(coalesce(paid.compensation_dkk, 0) as decimal(18, 2))  as compensation_dkk,
        targets.target_overdue,
        targets.target_lying_13_30
    from month_departments
    left join near_due
        on month_departments.as_of_date = near_due.as_of_date
        and month_departments.department = near_due.department
    left join received
        on month_departments.month = received.month
        and month_departments.department = received.department
    left join paid
        on month_departments.month = paid.month
        and month_departments.department = paid.department
    left join targets
        on month_departments.department = targets.department
        and {{ valid_at('targets', 'month_departments.month', 'valid_from_month', 'valid_until_month') }}
)

select
    *,
    overdue <= target_overdue         as met_overdue_target,
    lying_13_30 <= target_lying_13_30 as met_lying_13_30_target
from measures
