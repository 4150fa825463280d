-- RULES.md v1.1 bank days, on the project's real calendar (seed danish_bank_holidays through
-- int_bank_days and int_bank_day_numbers), hand-counted:
--   2025-04-16 -> 2025-04-22: 17 (Skærtorsdag), 18 (Langfredag), 19-20 (weekend), 21 (2. påskedag)
--                             are not bank days; 22 is: 1
--   2024-12-20 -> 2025-01-02: 23, 27, 30 Dec and 2 Jan (24, 25, 26, 31 Dec and 1 Jan are not): 4
--   2025-05-28 -> 2025-06-06: 29 (Kristi himmelfart), 30 (the Friday after), 5 Jun (Grundlovsdag)
--                             are not; 2, 3, 4, 6 Jun are: 4
--   B <= A gives 0.
-- Returns the cases that disagree (none when the calendar is right).
with numbers as (
    select * from {{ ref('int_bank_day_numbers') }}
),

cases as (
    select * from (values
        (date '2025-04-16', date '2025-04-22', 1),
        (date '2024-12-20', date '2025-01-02', 4),
        (date '2025-05-28', date '2025-06-06', 4),
        (date '2025-04-22', date '2025-04-16', 0)
    ) as t(from_date, to_date, expected_bank_days)
)

select cases.*, {{ bank_days_between('a.bank_day_number', 'b.bank_day_number') }} as bank_days
from cases
inner join numbers as a on cases.from_date = a.calendar_date
inner join numbers as b on cases.to_date = b.calendar_date
where {{ bank_days_between('a.bank_day_number', 'b.bank_day_number') }} <> cases.expected_bank_days
