-- E1: the payment means of the e-invoices read, one row per cac:PaymentMeans.
select
    document_sha256,
    position,
    payment_means_code,
    payment_id,
    instruction_id,
    payment_channel_code,
    payee_account,
    credit_account,
    branch_id,
    bic,
    card_type,
    card_payment_id,
    account,
    payment_text
from {{ source('einvoices', 'einvoice_payment_means') }}
