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

with_po as (
    select spine.invoice_id, spine.as_of_date, spine.po_number
    from spine
    inner join purchase_orders
        on spine.po_number = purchase_orders.po_number
        and spine.supplier_id = purchase_orders.supplier_id
),

-- a range lookup as an inner join (a hash join in DuckDB), joined back on the key below; only
-- for invoices in process, the only ones R5 can flag
received_by_date as (
    select with_po.invoice_id, with_po.as_of_date, receipt_history.net_received_quantity
    from with_po
    inner join in_process
        on with_po.invoice_id = in_process.invoice_id
        and with_po.as_of_date = in_process.as_of_date
        and in_process.is_in_process
    inner join receipt_history
        on with_po.po_number = receipt_history.po_number
        and receipt_history.received_from_date <= with_po.as_of_date
        and (receipt_history.received_until_date is null or with_po.as_of_date < receipt_history.received_until_date)
),

matched as (
    select
        in_process.invoice_id,
        in_process.as_of_date,
        in_process.is_in_process,
        with_po.invoice_id is not null as has_po_of_supplier,
        case when with_po.invoice_id is not null and in_process.is_in_process
            then coalesce(received_by_date.net_received_quantity, 0) end as net_received_quantity
    from in_process
    left join with_po
        on in_process.invoice_id = with_po.invoice_id
        and in_process.as_of_date = with_po.as_of_date
    left join received_by_date
        on in_process.invoice_id = received_by_date.invoice_id
        and in_process.as_of_date = received_by_date.as_of_date
)

select
    invoice_id,
    as_of_date,
    has_po_of_supplier,
    net_received_quantity,
    is_in_process and has_po_of_supplier and net_received_quantity <= 0 as has_missing_goods_receipt
from matched
