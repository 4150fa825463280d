-- One row per department (all seven) at the reporting date D: the follow-up counts of R1-R7 that
-- the Monday/Thursday report and its summary sheet show, counted once in int_department_states.
select
    as_of_date,
    department,
    in_process,
    lying_13_30,
    lying_22_plus,
    overdue,
    overdue_amount_dkk,
    missing_goods_receipt,
    payment_blocked,
    holder_without_access,
    escalation_candidates,
    data_watermark
from {{ ref('int_department_states') }}
where is_reporting_date
