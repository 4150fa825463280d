-- R8 routed via KS, per invoice: its first TILDELT event went to a user whose department, in
-- the user version valid at Modtagetdato, is KS (Koncernservice) rather than to the invoice's
-- department directly. Independent of D; "as of D" needs first_assigned_date <= D.
-- An invoice whose first holder is not in the user exports has routed_via_ks NULL (unknown).
-- Incremental by invoice (macros/incremental.sql): a run recomputes the invoices with a new
-- version or new events, and those whose first holder has a new user version.
{{ incremental_by_key('invoice_id', [
    {'ref': 'stg_kvantum__invoices'},
    {'ref': 'int_invoice_event_dates'},
    {'ref': 'stg_kvantum__user_versions', 'key': 'user_id',
     'via': 'int_invoice_event_dates', 'via_key': 'first_assigned_user_id'},
]) }}
with invoices as (
    select * from {{ ref('stg_kvantum__invoices') }}
    where invoice_type = 'FAKTURA'
        and {{ changed_keys_only('invoice_id') }}
),

event_dates as (
    select * from {{ ref('int_invoice_event_dates') }}
    where {{ changed_keys_only('invoice_id') }}
),

user_versions as (
    select * from {{ ref('stg_kvantum__user_versions') }}
),

first_assigned as (
    select
        invoices.invoice_id,
        invoices.department,
        invoices.received_date,
        event_dates.first_assigned_date,
        event_dates.first_assigned_user_id,
        greatest(invoices._load_id, event_dates._load_id) as input_load_id
    from invoices
    inner join event_dates
        on invoices.invoice_id = event_dates.invoice_id
    where event_dates.first_assigned_date is not null
),

-- a range lookup as an inner join (a hash join in DuckDB), joined back on the key below
first_assigned_user as (
    select first_assigned.invoice_id, user_versions.department, user_versions._load_id as user_load_id
    from first_assigned
    inner join user_versions
        on first_assigned.first_assigned_user_id = user_versions.user_id
        and {{ valid_at('user_versions', 'first_assigned.received_date') }}
)

select
    first_assigned.invoice_id,
    first_assigned.department,
    first_assigned.received_date,
    first_assigned.first_assigned_date,
    first_assigned.first_assigned_user_id,
    first_assigned_user.department        as first_assigned_user_department,
    first_assigned_user.department = 'KS' as routed_via_ks,
    {{ incremental_load_id('greatest(first_assigned.input_load_id, first_assigned_user.user_load_id)') }}
from first_assigned
left join first_assigned_user
    on first_assigned.invoice_id = first_assigned_user.invoice_id
