{{ config(materialized='table', schema='reporting') }}
-- E5 (report "e-invoices at the door"): per finding code over all months (einvoice_findings_monthly
-- added up; a document counts in the month of its issue date only, so the sums are documents):
-- documents flagged, matched, returned for a supplier reason, and the check's precision.
with per_code as (
    select
        finding_code,
        sum(flagged) as flagged,
        sum(matched) as matched,
        sum(returned_for_supplier_reason) as returned_for_supplier_reason
    from {{ ref('einvoice_findings_monthly') }}
    group by finding_code
)

select
    per_code.finding_code,
    codes.description_da,
    codes.checked_in,
    cast(per_code.flagged as bigint) as flagged,
    cast(per_code.matched as bigint) as matched,
    cast(per_code.returned_for_supplier_reason as bigint) as returned_for_supplier_reason,
    case when per_code.matched > 0
        then cast(per_code.returned_for_supplier_reason as double) / per_code.matched
    end as precision
from per_code
left join {{ ref('einvoice_finding_codes') }} as codes
    on per_code.finding_code = codes.finding_code
