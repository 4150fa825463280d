-- R11: returns (RETURNERET events) by month of the event, the document's department and the
-- reason, with who is responsible for the reason; up to the reporting date D.
select
    return_month                      as month,
    department,
    reason_code,
    responsible,
    count(*)                          as returns,
    count(distinct invoice_id)        as documents_returned,
    any_value(as_of_date)             as as_of_date
from {{ ref('int_returns') }}
group by return_month, department, reason_code, responsible
