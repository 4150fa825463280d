-- R14 escalation target, for each invoice on the escalation worklist at the reporting date D
-- (near due (R14) or an escalation candidate (R4)).
-- Walk Leder_id upward from the holder at D (R4), user versions valid at D: step k reaches the
-- k-th manager; the target is the first user reached with Kvantum_adgang = J, within
-- var escalation_max_steps steps. Without a target the issue code says why:
--   NO_HOLDER   the invoice has no holder at D;
--   NO_MANAGER  the chain ends (Leder_id empty or naming no user in brugere) or the steps run out;
--   CYCLE       the chain comes back to the holder or to a user it has already passed.
-- The walk is one recursive query over (holder, D) pairs; each step carries the path so far.
with recursive worklist as (
    select
        state.invoice_id,
        state.as_of_date,
        state.holder_user_id
    from {{ ref('int_invoice_state_as_of') }} as state
    inner join {{ ref('int_invoices_near_due') }} as near_due
        on state.invoice_id = near_due.invoice_id
        and state.as_of_date = near_due.as_of_date
    where state.is_reporting_date
        and (near_due.is_near_due or state.is_escalation_candidate)
),

starts as (
    select distinct holder_user_id, as_of_date
    from worklist
    where holder_user_id is not null
),

-- the user versions valid at each date a walk runs at
users_at_date as (
    select
        dates.as_of_date,
        user_versions.user_id,
        user_versions.manager_user_id,
        user_versions.has_kvantum_access
    from (select distinct as_of_date from starts) as dates
    inner join {{ ref('stg_kvantum__user_versions') }} as user_versions
        on {{ valid_at('user_versions', 'dates.as_of_date') }}
),

walk as (
    select
        holder_user_id,
        as_of_date,
        0                      as step,
        holder_user_id         as user_id,
        [holder_user_id]       as path,
        false                  as has_kvantum_access,
        false                  as is_cycle
    from starts
    union all
    select
        walk.holder_user_id,
        walk.as_of_date,
        walk.step + 1,
        manager.user_id,
        list_append(walk.path, manager.user_id),
        manager.has_kvantum_access,
        list_contains(walk.path, manager.user_id)
    from walk
    inner join users_at_date as walker
        on walk.as_of_date = walker.as_of_date
        and walk.user_id = walker.user_id
    inner join users_at_date as manager
        on walk.as_of_date = manager.as_of_date
        and walker.manager_user_id = manager.user_id
    -- stop at a target (a user reached with access), a cycle, or the last step
    where walk.step < {{ var('escalation_max_steps') }}
        and not walk.is_cycle
        and (walk.step = 0 or not walk.has_kvantum_access)
),

walk_ends as (
    select
        holder_user_id,
        as_of_date,
        max(step)                          as steps,
        arg_max(user_id, step)             as last_user_id,
        arg_max(has_kvantum_access, step)  as last_has_kvantum_access,
        arg_max(is_cycle, step)            as last_is_cycle
    from walk
    group by holder_user_id, as_of_date
)

select
    worklist.invoice_id,
    worklist.as_of_date,
    worklist.holder_user_id,
    walk_ends.steps as escalation_steps,
    case
        when walk_ends.last_has_kvantum_access and not walk_ends.last_is_cycle then walk_ends.last_user_id
    end as escalation_target_user_id,
    case
        when worklist.holder_user_id is null then 'NO_HOLDER'
        when walk_ends.last_is_cycle then 'CYCLE'
        when walk_ends.last_has_kvantum_access then null
        else 'NO_MANAGER'
    end as escalation_issue
from worklist
left join walk_ends
    on worklist.holder_user_id = walk_ends.holder_user_id
    and worklist.as_of_date = walk_ends.as_of_date
