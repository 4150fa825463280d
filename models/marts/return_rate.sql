-- R11: per month and department, the documents (invoices and credit notes) received that month
-- (Modtagetdato), the distinct documents returned that month (RETURNERET events in the month),
-- and the return rate = returned / received. Up to the reporting date D. A month and department
-- with neither receipts nor returns has no row; with returns but no receipts the rate is NULL.
with reporting_date as (
    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_reporting_date
),

received as (
    select
        cast(date_trunc('month', documents.received_date) as date) as month,
        documents.department,
        count(*) as documents_received
    from {{ ref('stg_kvantum__invoices') }} as documents
    inner join reporting_date
        on documents.received_date <= reporting_date.as_of_date
    group by 1, 2
),

returned as (
    select
        return_month as month,
        department,
        count(distinct invoice_id) as documents_returned,
        count(*) as returns
    from {{ ref('int_returns') }}
    group by 1, 2
)

select
    coalesce(received.month, returned.month)               as month,
    coalesce(received.department, returned.department)     as department,
    coalesce(received.documents_received, 0)               as documents_received,
    coalesce(returned.documents_returned, 0)               as documents_returned,
    cast(coalesce(returned.documents_returned, 0) as double)
        / nullif(received.documents_received, 0)           as return_rate,
    coalesce(returned.returns, 0)                          as returns,
    (select as_of_date from reporting_date)                as as_of_date
from received
full outer join returned
    on received.month = returned.month
    and received.department = returned.department
