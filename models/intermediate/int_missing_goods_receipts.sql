-- R5 missing goods receipt, for each invoice at each as-of date D.
-- An invoice in process at D whose Ordrenummer is a PO of the same supplier (int_purchase_orders,
-- current PO lines) and where the net quantity received by D over that PO's non-fee lines
-- (int_po_goods_receipt_history: receipts with Modtaget_dato <= D) is zero or less.
with spine as (
    select * from {{ ref('int_invoice_as_of_dates') }}
),

in_process as (
    select * from {{ ref('int_invoices_in_process') }}
),

purchase_orders as (
    select * from {{ ref('int_purchase_orders') }}
),

receipt_history as (
    select * from {{ ref('int_po_goods_receipt_history') }}
),

matched as (
    select
        spine.invoice_id,
        spine.as_of_date,
        in_process.is_in_process,
        purchase_orders.po_number is not null as has_po_of_supplier,
        coalesce(receipt_history.net_received_quantity, 0) as net_received_quantity
    from spine
    inner join in_process
        on spine.invoice_id = in_process.invoice_id
        and spine.as_of_date = in_process.as_of_date
    left join purchase_orders
        on spine.po_number = purchase_orders.po_number
        and spine.supplier_id = purchase_orders.supplier_id
    left join receipt_history
        on purchase_orders.po_number = receipt_history.po_number
        and receipt_history.received_from_date <= spine.as_of_date
        and (receipt_history.received_until_date is null or spine.as_of_date < receipt_history.received_until_date)
)

select
    invoice_id,
    as_of_date,
    has_po_of_supplier,
    case when has_po_of_supplier then net_received_quantity end as net_received_quantity,
    is_in_process and has_po_of_supplier and net_received_quantity <= 0 as has_missing_goods_receipt
from matched
