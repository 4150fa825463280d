-- R5: per purchase order, the net quantity received over its non-fee lines as a step function
-- of the date: from received_from_date (inclusive) to received_until_date (exclusive) the net
-- quantity received so far is net_received_quantity. Before a PO's first row nothing has been
-- received (net 0). Receipts are joined to the PO lines in their current version; receipts on
-- fee lines, and receipts whose PO line is not (yet) in the exports, do not count. Negative
-- receipts (goods sent back) reduce the net quantity.
-- Incremental by purchase order (macros/incremental.sql): a run recomputes the POs with new
-- receipts or new line versions.
{{ incremental_by_key('po_number', [{'ref': 'stg_kvantum__goods_receipts'}, {'ref': 'stg_kvantum__po_lines'}]) }}
with receipts as (
    select * from {{ ref('stg_kvantum__goods_receipts') }}
    where {{ changed_keys_only('po_number') }}
),

po_lines as (
    select * from {{ ref('stg_kvantum__po_lines') }}
    where {{ changed_keys_only('po_number') }}
),

net_per_day as (
    select
        receipts.po_number,
        receipts.received_date,
        sum(receipts.quantity) as quantity_that_day,
        max(greatest(receipts._load_id, po_lines._load_id)) as input_load_id
    from receipts
    inner join po_lines
        on receipts.po_number = po_lines.po_number
        and receipts.line_number = po_lines.line_number
    where not po_lines.is_fee
    group by receipts.po_number, receipts.received_date
)

select
    po_number,
    received_date as received_from_date,
    lead(received_date) over (partition by po_number order by received_date) as received_until_date,
    quantity_that_day,
    sum(quantity_that_day) over (
        partition by po_number order by received_date rows between unbounded preceding and current row
    ) as net_received_quantity,
    {{ incremental_load_id('input_load_id') }}
from net_per_day
