-- Report (R11): returns to KS per reason code over every month up to D, with who is responsible
-- and the first and last month seen, most returns first.
with reporting_date as (
    select max(as_of_date) as as_of_date from {{ ref('invoice_status') }}
)

select
    return_reasons.reason_code,
    return_reasons.responsible,
    cast(sum(return_reasons.returns) as bigint) as returns,
    min(return_reasons.month)                   as first_month,
    max(return_reasons.month)                   as last_month
from {{ ref('return_reasons') }} as return_reasons
cross join reporting_date
where return_reasons.month <= reporting_date.as_of_date
group by return_reasons.reason_code, return_reasons.responsible
