-- R1 in process and R2 days lying, for each invoice at each as-of date D.
-- R1: received by D (guaranteed by the spine) and no BOGFØRT, AFVIST or ANNULLERET event by D.
-- R2: days lying = D - Modtagetdato, in the buckets 0-12, 13-21, 22-30, 31+.
with spine as (
    select * from {{ ref('int_invoice_as_of_dates') }}
),

in_process as (
    select
        invoice_id,
        as_of_date,
        in_process_until_date is null or in_process_until_date > as_of_date as is_in_process,
        received_date
    from spine
)

select
    invoice_id,
    as_of_date,
    is_in_process,
    case when is_in_process then as_of_date - received_date end as days_lying,
    case when is_in_process then {{ lying_bucket('as_of_date - received_date') }} end as lying_bucket
from in_process
