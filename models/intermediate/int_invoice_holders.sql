-- R4 holder and escalation, for each invoice at each as-of date D.
-- The holder at D is the Til_bruger of the latest TILDELT, VIDERESENDT, ESKALERET or RETURNERET
-- event by D (int_invoice_holder_history). The holder's user record is taken in the version
-- valid at D. An invoice is an escalation candidate when it is in process, has lain at least
-- var escalation_days days, and has no GODKENDT event by D; its next approver is the holder's
-- Leder_id in that version. An invoice without a holder by D can still be a candidate; it then
-- has no next approver.
-- Range lookups are inner joins, joined back on the key: DuckDB runs a left join with range
-- conditions as a nested loop, an inner one as a hash join.
with spine as (
    select * from {{ ref('int_invoice_as_of_dates') }}
),

in_process as (
    select * from {{ ref('int_invoices_in_process') }}
),

holder_history as (
    select * from {{ ref('int_invoice_holder_history') }}
),

user_versions as (
    select * from {{ ref('stg_kvantum__user_versions') }}
),

holder_at_date as (
    select
        spine.invoice_id,
        spine.as_of_date,
        holder_history.holder_user_id,
        holder_history.holder_from_date
    from spine
    inner join holder_history
        on spine.invoice_id = holder_history.invoice_id
        and holder_history.holder_from_date <= spine.as_of_date
        and (holder_history.holder_until_date is null or spine.as_of_date < holder_history.holder_until_date)
),

holder_user_at_date as (
    select
        holder_at_date.invoice_id,
        holder_at_date.as_of_date,
        user_versions.department,
        user_versions.manager_user_id,
        user_versions.has_kvantum_access
    from holder_at_date
    inner join user_versions
        on holder_at_date.holder_user_id = user_versions.user_id
        and {{ valid_at('user_versions', 'holder_at_date.as_of_date') }}
),

holders as (
    select
        spine.invoice_id,
        spine.as_of_date,
        holder_at_date.holder_user_id,
        holder_at_date.holder_from_date,
        holder_user_at_date.department         as holder_department,
        holder_user_at_date.manager_user_id    as holder_manager_user_id,
        holder_user_at_date.has_kvantum_access as holder_has_kvantum_access,
        in_process.is_in_process
            and in_process.days_lying >= {{ var('escalation_days') }}
            and (spine.first_approved_date is null or spine.first_approved_date > spine.as_of_date)
            as is_escalation_candidate
    from spine
    inner join in_process
        on spine.invoice_id = in_process.invoice_id
        and spine.as_of_date = in_process.as_of_date
    left join holder_at_date
        on spine.invoice_id = holder_at_date.invoice_id
        and spine.as_of_date = holder_at_date.as_of_date
    left join holder_user_at_date
        on spine.invoice_id = holder_user_at_date.invoice_id
        and spine.as_of_date = holder_user_at_date.as_of_date
)

select
    invoice_id,
    as_of_date,
    holder_user_id,
    holder_from_date,
    holder_department,
    holder_manager_user_id,
    holder_has_kvantum_access,
    is_escalation_candidate,
    case when is_escalation_candidate then holder_manager_user_id end as next_approver_user_id
from holders
