-- R5, R10, R12: which purchase orders exist for which supplier, from the PO lines in their
-- current version. An invoice's Ordrenummer "is a PO of the same supplier" when a row here has
-- that PO number and the invoice's supplier.
-- Incremental by purchase order (macros/incremental.sql).
{{ incremental_by_key('po_number', [{'ref': 'stg_kvantum__po_lines'}]) }}
with po_lines as (
    select * from {{ ref('stg_kvantum__po_lines') }}
    where {{ changed_keys_only('po_number') }}
)

select
    po_number,
    supplier_id,
    count(*)                                             as lines,
    count(*) filter (where not is_fee)                   as non_fee_lines,
    count(*) filter (where is_fee)                       as fee_lines,
    -- R12 splits by whether the PO as a whole carries a fee line (any supplier's line)
    bool_or(bool_or(is_fee)) over (partition by po_number) as po_has_fee_line,
    {{ incremental_load_id('max(_load_id)') }}
from po_lines
group by po_number, supplier_id
