-- RULES.md v1.1 (bank days, used by R14): each calendar date of int_bank_days with the number of
-- bank days from the calendar's start up to and including it. "Bank days from A to B" (the bank
-- days d with A < d <= B, 0 when B <= A) is then number(B) - number(A): a lookup per date
-- (macro bank_days_between), not a count per pair of dates.
select
    calendar_date,
    is_bank_day,
    count(*) filter (where is_bank_day) over (
        order by calendar_date rows between unbounded preceding and current row
    ) as bank_day_number
from {{ ref('int_bank_days') }}
