-- R12: per month of posting (the first BOGFØRT), department, and whether the invoice's PO has a
-- fee line: invoices posted up to the reporting date D, how many went through touchless (no
-- manual event before posting), the touchless rate, and the manual events before posting.
select
    posting_month                                  as month,
    department,
    po_has_fee_line,
    count(*)                                       as invoices_posted,
    count(*) filter (where is_touchless)           as touchless,
    cast(count(*) filter (where is_touchless) as double) / count(*) as touchless_rate,
    cast(sum(manual_events_before_posting) as bigint) as manual_events,
    any_value(as_of_date)                          as as_of_date
from {{ ref('int_manual_handling') }}
group by posting_month, department, po_has_fee_line
