-- The date from which an invoice's state no longer changes: for every reporting date D on or after
-- stable_from, the invoice's row in int_invoice_state_as_of is its row at stable_from with D
-- stamped on it (docs/architecture.md, "The state of settled invoices, once").
-- Only a settled invoice (FAKTURA, out of process and no longer unpaid: both R1's and R3's end
-- dates are known) has one. Read rule by rule, what of a settled invoice's state still moves with
-- D, and when it last moves:
--   R6 is_posted (first BOGFØRT), R8 routed_via_ks (first TILDELT), R9 (first BETALT): once, at
--   those dates;
--   R4 holder_user_id and holder_from_date: at the last holder change (int_invoice_holder_history);
--   R7 holder_has_kvantum_access: at the last change of the last holder's user versions;
--   R1-R3 (false, no day counts), R4 escalation, R5 (has_po_of_supplier does not depend on D;
--   the goods receipts count only in process) and R6 has_payment_block (only while unpaid): not
--   after the settling dates.
-- So stable_from is the latest of those dates and the receipt date. Every other input of the state
-- (the invoice's current version, its payment and routing, its supplier's POs) is the same at
-- every D; when one changes, _load_id changes, and int_invoice_stable_states_due has the state
-- computed again.
-- _load_id: the newest load among every input of the invoice's state, the stamp that
-- int_invoice_final_states keeps. Incremental by invoice (macros/incremental.sql); an invoice that
-- is not (or no longer) settled keeps a row with no stable_from.
{{ incremental_by_key('invoice_id', [
    {'ref': 'stg_kvantum__invoices'},
    {'ref': 'int_invoice_event_dates'},
    {'ref': 'int_invoice_holder_history'},
    {'ref': 'stg_kvantum__user_versions', 'key': 'user_id',
     'via': 'int_invoice_holder_history', 'via_key': 'holder_user_id'},
    {'ref': 'int_invoices_routed_via_ks'},
    {'ref': 'int_invoice_payments'},
    {'ref': 'int_purchase_orders', 'key': 'po_number',
     'via': 'stg_kvantum__invoices', 'via_key': 'po_number'},
]) }}
with invoices as (
    select invoice_id, invoice_type, received_date, po_number, _load_id
    from {{ ref('stg_kvantum__invoices') }}
    where {{ changed_keys_only('invoice_id') }}
),

event_dates as (
    select * from {{ ref('int_invoice_event_dates') }}
    where {{ changed_keys_only('invoice_id') }}
),

holder_history as (
    select * from {{ ref('int_invoice_holder_history') }}
    where {{ changed_keys_only('invoice_id') }}
),

user_versions as (
    select user_id, valid_from, _load_id from {{ ref('stg_kvantum__user_versions') }}
),

routed_via_ks as (
    select invoice_id, _load_id from {{ ref('int_invoices_routed_via_ks') }}
    where {{ changed_keys_only('invoice_id') }}
),

payments as (
    select invoice_id, _load_id from {{ ref('int_invoice_payments') }}
    where {{ changed_keys_only('invoice_id') }}
),

-- in a run on the changed keys, only the POs of the invoices it computes: the aggregate over every
-- PO of the history took 1.8 s of a daily run at 10M invoices, for some 2,000 invoices (0.2 s so)
purchase_orders as (
    select po_number, max(_load_id) as _load_id
    from {{ ref('int_purchase_orders') }}
    {% if is_incremental() -%}
    where po_number in (select po_number from invoices)
    {% endif -%}
    group by po_number
),

-- per user: the last date any of its versions starts, and its newest load
users as (
    select user_id, max(valid_from) as last_version_from_date, max(_load_id) as _load_id
    from user_versions
    group by user_id
),

holders as (
    select
        holder_history.invoice_id,
        max(holder_history.holder_from_date)                                    as last_holder_change_date,
        arg_max(holder_history.holder_user_id, holder_history.holder_from_date) as last_holder_user_id,
        max(greatest(holder_history._load_id, users._load_id))                  as input_load_id
    from holder_history
    left join users
        on holder_history.holder_user_id = users.user_id
    group by holder_history.invoice_id
),

dates as (
    select
        invoices.invoice_id,
        invoices.invoice_type = 'FAKTURA'
            and event_dates.in_process_until_date is not null
            and event_dates.unpaid_until_date is not null as is_settled,
        -- greatest skips the dates that are missing (no posting, no holder, ...)
        greatest(
            invoices.received_date,
            event_dates.in_process_until_date,
            event_dates.unpaid_until_date,
            event_dates.first_posted_date,
            event_dates.first_assigned_date,
            event_dates.first_paid_date,
            holders.last_holder_change_date,
            last_holder.last_version_from_date
        ) as settled_state_from_date,
        greatest(
            invoices._load_id, event_dates._load_id, holders.input_load_id,
            routed_via_ks._load_id, payments._load_id, purchase_orders._load_id
        ) as input_load_id
    from invoices
    left join event_dates
        on invoices.invoice_id = event_dates.invoice_id
    left join holders
        on invoices.invoice_id = holders.invoice_id
    left join users as last_holder
        on holders.last_holder_user_id = last_holder.user_id
    left join routed_via_ks
        on invoices.invoice_id = routed_via_ks.invoice_id
    left join payments
        on invoices.invoice_id = payments.invoice_id
    left join purchase_orders
        on invoices.po_number = purchase_orders.po_number
)

select
    invoice_id,
    case when is_settled then settled_state_from_date end as stable_from,
    {{ incremental_load_id('input_load_id') }}
from dates
