-- R15: per month of payment, the number and the checksum (sum of hash(row)) of the dwell intervals
-- of the invoices paid by D (int_invoice_dwell_intervals). dwell_by_step and
-- approval_dwell_by_holder_department compare them with their last build's to find the months to
-- compute (macros/incremental_by_group.sql); computed once here for both, the input read once.
{{ group_checksums({'ref': 'int_invoice_dwell_intervals', 'key': 'paid_month'}) }}
