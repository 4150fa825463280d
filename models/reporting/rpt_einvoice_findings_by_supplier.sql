{{ config(materialized='table', schema='reporting') }}
-- E5 (report "e-invoices at the door"; R10's contact list, second source of evidence): per supplier
-- (by CVR; documents of no known supplier together under supplier_id NULL) the e-invoices read,
-- those flagged, the codes seen, and how many flagged ones were returned for a supplier reason,
-- side by side with R10 (supplier_errors) for the latest year there.
with precheck as (
    select * from {{ ref('einvoice_precheck') }}
),

codes_per_supplier as (
    select
        precheck.supplier_id,
        string_agg(distinct findings.finding_code, ',' order by findings.finding_code) as finding_codes
    from precheck
    inner join {{ ref('int_einvoice_findings') }} as findings
        on precheck.document_sha256 = findings.document_sha256
    group by precheck.supplier_id
),

per_supplier as (
    select
        supplier_id,
        count(*) as documents,
        count(*) filter (where finding_count > 0) as flagged,
        count(*) filter (where finding_count > 0 and invoice_id is not null) as flagged_matched,
        count(*) filter (where finding_count > 0 and returned_for_supplier_reason) as flagged_returned
    from precheck
    group by supplier_id
),

latest_r10 as (
    select * from {{ ref('supplier_errors') }}
    where year = (select max(year) from {{ ref('supplier_errors') }})
)

select
    per_supplier.supplier_id,
    suppliers.supplier_name,
    per_supplier.documents,
    per_supplier.flagged,
    coalesce(codes_per_supplier.finding_codes, '') as finding_codes,
    per_supplier.flagged_matched,
    per_supplier.flagged_returned,
    latest_r10.year as r10_year,
    latest_r10.documents as r10_documents,
    latest_r10.error_documents as r10_error_documents,
    latest_r10.is_systematic as r10_is_systematic
from per_supplier
left join codes_per_supplier
    on per_supplier.supplier_id is not distinct from codes_per_supplier.supplier_id
left join {{ ref('stg_kvantum__suppliers') }} as suppliers
    on per_supplier.supplier_id = suppliers.supplier_id
left join latest_r10
    on per_supplier.supplier_id = latest_r10.supplier_id
