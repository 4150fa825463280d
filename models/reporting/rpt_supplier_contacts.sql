-- Report (R10): the supplier contact list: the systematic suppliers of the latest year in
-- supplier_errors up to the year of D, highest error rate first.
with reporting_date as (
    select max(as_of_date) as as_of_date from {{ ref('invoice_status') }}
),

contact_year as (
    select max(supplier_errors.year) as year
    from {{ ref('supplier_errors') }} as supplier_errors
    cross join reporting_date
    where supplier_errors.year <= year(reporting_date.as_of_date)
)

select
    row_number() over (
        order by supplier_errors.error_rate desc, supplier_errors.documents desc, supplier_errors.supplier_id
    ) as sort_order,
    supplier_errors.year,
    supplier_errors.supplier_id,
    supplier_errors.documents,
    supplier_errors.po_number_errors,
    supplier_errors.payment_info_errors,
    supplier_errors.supplier_caused_returns,
    supplier_errors.error_documents,
    supplier_errors.error_rate
from {{ ref('supplier_errors') }} as supplier_errors
inner join contact_year
    on supplier_errors.year = contact_year.year
where supplier_errors.is_systematic
