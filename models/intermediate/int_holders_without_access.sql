-- R7 holder without access, for each invoice at each as-of date D: in process at D and its
-- holder at D (R4) has Kvantum_adgang = N in the user version valid at D.
-- A holder who is not in the user exports has unknown access: not flagged.
with in_process as (
    select * from {{ ref('int_invoices_in_process') }}
),

holders as (
    select * from {{ ref('int_invoice_holders') }}
)

select
    in_process.invoice_id,
    in_process.as_of_date,
    holders.holder_user_id,
    holders.holder_has_kvantum_access,
    in_process.is_in_process and coalesce(not holders.holder_has_kvantum_access, false) as is_holder_without_access
from in_process
inner join holders
    on in_process.invoice_id = holders.invoice_id
    and in_process.as_of_date = holders.as_of_date
