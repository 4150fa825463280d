-- Report (R15): the most common process variants of the invoices paid in the last
-- var report_months months of payment up to D's month, with their share and median days from
-- receipt to payment; ranked by invoices (then variant), the top var report_top_variants.
with window_months as (
    select cast(date_trunc('month', as_of_date) - to_months({{ var('report_months') }} - 1) as date) as first_month
    from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

invoice_variants as (
    select variants.invoice_id, variants.variant, variants.days_to_pay
    from {{ ref('int_invoice_variants') }} as variants
    inner join window_months
        on variants.paid_month >= window_months.first_month
),

ranked as (
    select
        variant,
        count(*)                                         as invoices,
        count(*) / sum(count(*)) over ()                 as share_of_invoices,
        median(cast(days_to_pay as double))              as median_days_to_pay,
        len(string_split(variant, ' > '))                as events,
        row_number() over (order by count(*) desc, variant) as variant_rank
    from invoice_variants
    group by variant
)

select * from ranked
where variant_rank <= {{ var('report_top_variants') }}
