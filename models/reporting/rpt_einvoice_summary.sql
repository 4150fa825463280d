{{ config(materialized='table', schema='reporting') }}
-- E5 (report "e-invoices at the door"): the e-invoice inbox at a glance, one row: files read and
-- quarantined (by reason), documents flagged, matched to the ERP, and the returns they predicted:
-- of the matched documents returned or rejected for a supplier reason by D, how many had a finding.
with precheck as (
    select * from {{ ref('einvoice_precheck') }}
),

quarantine as (
    select * from {{ ref('stg_einvoices__quarantine') }}
)

select
    (select count(*) from precheck) as documents_read,
    (select count(*) from quarantine) as files_quarantined,
    (select count(*) from quarantine where reason = 'NOT_WELL_FORMED') as files_not_well_formed,
    (select count(*) from quarantine where reason = 'NOT_AN_INVOICE') as files_not_an_invoice,
    (select count(*) from quarantine where reason = 'UNKNOWN_CUSTOMIZATION') as files_unknown_customization,
    (select count(*) from precheck where finding_count > 0) as documents_flagged,
    (select count(*) from precheck where invoice_id is not null) as documents_matched,
    (select count(*) from precheck where returned_for_supplier_reason) as documents_returned_for_supplier_reason,
    (select count(*) from precheck where returned_for_supplier_reason and finding_count > 0) as returns_predicted,
    (select count(*) from precheck where finding_count > 0 and invoice_id is not null) as flagged_matched,
    (select count(*) from precheck where finding_count > 0 and returned_for_supplier_reason) as flagged_returned
