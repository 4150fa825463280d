-- R9 timely payment, per paid invoice (independent of D; "paid by D" is paid_date <= D).
--   paid date       = date of the first BETALT event
--   on time         = paid date <= Forfaldsdato; with var due_date_rolls_to_next_bank_day, a due
--                     date that is not a Danish bank day moves to the next bank day
--   days to pay     = paid date - Modtagetdato
--   days late       = paid date - Forfaldsdato, for a late invoice (else 0)
--   interest        = Beløb_DKK x statutory rate (reference rate + 8) / 100 / 365 for each late
--                     day (the day after Forfaldsdato up to the paid date), each day at the rate
--                     of its own half-year; summed, then rounded to 2 decimals (half up)
--   compensation    = var late_payment_compensation_dkk when late and the supplier version valid
--                     at Modtagetdato has a CVR, else 0
-- Incremental by invoice (macros/incremental.sql): a run recomputes the invoices with a new
-- version or new events, and those of suppliers with a new version. A change to the bank-holiday
-- or interest-rate seeds or to the two vars resets it (the fingerprint).
{{ incremental_by_key('invoice_id', [
    {'ref': 'stg_kvantum__invoices'},
    {'ref': 'int_invoice_event_dates'},
    {'ref': 'stg_kvantum__supplier_versions', 'key': 'supplier_id',
     'via': 'stg_kvantum__invoices', 'via_key': 'supplier_id'},
], fingerprint_vars=['due_date_rolls_to_next_bank_day', 'late_payment_compensation_dkk']) }}
with invoices as (
    select * from {{ ref('stg_kvantum__invoices') }}
    where invoice_type = 'FAKTURA'
        and {{ changed_keys_only('invoice_id') }}
),

event_dates as (
    select * from {{ ref('int_invoice_event_dates') }}
    where {{ changed_keys_only('invoice_id') }}
),

bank_days as (
    select * from {{ ref('int_bank_days') }}
),

supplier_versions as (
    select * from {{ ref('stg_kvantum__supplier_versions') }}
),

rates as (
    select
        half_year_start,
        -- a half-year runs to the next row's start; the last row covers its own six months
        coalesce(
            lead(half_year_start) over (order by half_year_start),
            cast(half_year_start + interval 6 month as date)
        ) as half_year_end_exclusive,
        statutory_rate_pct
    from {{ ref('statutory_interest_rates') }}
),

paid as (
    select
        invoices.invoice_id,
        invoices.department,
        invoices.supplier_id,
        invoices.received_date,
        invoices.due_date,
        invoices.amount_dkk,
        greatest(invoices._load_id, event_dates._load_id) as input_load_id,
        event_dates.first_paid_date as paid_date,
        {% if var('due_date_rolls_to_next_bank_day') | string | lower in ['true', '1', 'yes'] -%}
        -- a due date outside the bank calendar's years is not moved
        coalesce(bank_days.next_bank_day, invoices.due_date)
        {%- else -%}
        invoices.due_date
        {%- endif %} as on_time_deadline
    from invoices
    inner join event_dates
        on invoices.invoice_id = event_dates.invoice_id
    left join bank_days
        on invoices.due_date = bank_days.calendar_date
    where event_dates.first_paid_date is not null
),

classified as (
    select
        *,
        paid_date <= on_time_deadline as is_paid_on_time
    from paid
),

-- late days split by half-year: the overlap of [due_date + 1, paid_date] with each half-year
late_day_interest as (
    select
        classified.invoice_id,
        sum(
            least(classified.paid_date, rates.half_year_end_exclusive - 1)
            - greatest(classified.due_date + 1, rates.half_year_start) + 1
        ) as interest_days,
        -- exact decimal: DKK x percent x days; divided by 100 x 365 below
        sum(
            classified.amount_dkk * rates.statutory_rate_pct
            * (least(classified.paid_date, rates.half_year_end_exclusive - 1)
               - greatest(classified.due_date + 1, rates.half_year_start) + 1)
        ) as interest_numerator
    from classified
    inner join rates
        on rates.half_year_start <= classified.paid_date
        and rates.half_year_end_exclusive > classified.due_date + 1
    where not classified.is_paid_on_time
    group by classified.invoice_id
),

-- a range lookup as an inner join (a hash join in DuckDB), joined back on the key below
supplier_at_receipt as (
    select
        classified.invoice_id,
        supplier_versions.cvr is not null and trim(supplier_versions.cvr) <> '' as supplier_has_cvr,
        supplier_versions._load_id as supplier_load_id
    from classified
    inner join supplier_versions
        on classified.supplier_id = supplier_versions.supplier_id
        and {{ valid_at('supplier_versions', 'classified.received_date') }}
)

select
    classified.invoice_id,
    classified.department,
    classified.supplier_id,
    classified.received_date,
    classified.due_date,
    classified.on_time_deadline,
    classified.paid_date,
    cast(date_trunc('month', classified.paid_date) as date) as paid_month,
    classified.amount_dkk,
    classified.is_paid_on_time,
    classified.paid_date - classified.received_date as days_to_pay,
    case when classified.is_paid_on_time then 0 else classified.paid_date - classified.due_date end as days_late,
    coalesce(late_day_interest.interest_days, 0) as interest_days,
    case
        when classified.is_paid_on_time then cast(0 as decimal(18, 2))
        else {{ round_half_up_division('coalesce(late_day_interest.interest_numerator, 0)', 36500) }}
    end as late_interest_dkk,
    coalesce(supplier_at_receipt.supplier_has_cvr, false) as supplier_has_cvr,
    cast(
        case
            when classified.is_paid_on_time then 0
            when supplier_at_receipt.supplier_has_cvr then {{ var('late_payment_compensation_dkk') }}
            else 0
        end as decimal(18, 2)
    ) as compensation_dkk,
    {{ incremental_load_id('greatest(classified.input_load_id, supplier_at_receipt.supplier_load_id)') }}
from classified
left join late_day_interest
    on classified.invoice_id = late_day_interest.invoice_id
left join supplier_at_receipt
    on classified.invoice_id = supplier_at_receipt.invoice_id
