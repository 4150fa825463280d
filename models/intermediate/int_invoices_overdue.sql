-- R3 unpaid and overdue, for each invoice at each as-of date D.
-- Unpaid: received by D (guaranteed by the spine) and no BETALT, AFVIST or ANNULLERET event by D.
-- Overdue: unpaid and Forfaldsdato < D; days overdue = D - Forfaldsdato.
with spine as (
    select * from {{ ref('int_invoice_as_of_dates') }}
),

unpaid as (
    select
        invoice_id,
        as_of_date,
        due_date,
        unpaid_until_date is null or unpaid_until_date > as_of_date as is_unpaid
    from spine
)

select
    invoice_id,
    as_of_date,
    is_unpaid,
    is_unpaid and due_date < as_of_date as is_overdue,
    case when is_unpaid and due_date < as_of_date then as_of_date - due_date end as days_overdue
from unpaid
