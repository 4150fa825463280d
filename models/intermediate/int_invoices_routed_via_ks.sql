-- R8 routed via KS, per invoice: its first TILDELT event went to a user whose department, in
-- the user version valid at Modtagetdato, is KS (Koncernservice) rather than to the invoice's
-- department directly. Independent of D; "as of D" needs first_assigned_date <= D.
with invoices as (
    select * from {{ ref('stg_kvantum__invoices') }}
    where invoice_type = 'FAKTURA'
),

event_dates as (
    select * from {{ ref('int_invoice_event_dates') }}
),

user_versions as (
    select * from {{ ref('stg_kvantum__user_versions') }}
)

select
    invoices.invoice_id,
    invoices.department,
    invoices.received_date,
    event_dates.first_assigned_date,
    event_dates.first_assigned_user_id,
    user_versions.department        as first_assigned_user_department,
    user_versions.department = 'KS' as routed_via_ks
from invoices
inner join event_dates
    on invoices.invoice_id = event_dates.invoice_id
left join user_versions
    on event_dates.first_assigned_user_id = user_versions.user_id
    and {{ valid_at('user_versions', 'invoices.received_date') }}
where event_dates.first_assigned_date is not null
