"""The e-invoice reader: OIOUBL and Peppol BIS 3 XML from the NemHandel inbox into `raw`
(../shared/contract/EINVOICES.md, docs/einvoices.md). Plain Python + lxml + DuckDB, no Dagster.

    ubl.parse_document(bytes) -> Document        fields, read-time findings, or Quarantined
    reader.read_einvoice_folder(conn, folder)     every new *.xml into raw.einvoice_*
    payment.fi_check_digit(digits)                the FI-card modulus-10 check digit
"""
