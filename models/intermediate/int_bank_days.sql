-- R9: the Danish bank-day calendar over the years the bank-holiday seed covers. A bank day is a
-- Monday-Friday that is not in danish_bank_holidays (public holidays plus the days banks close).
-- next_bank_day is the date itself when it is a bank day, else the next bank day after it.
with holidays as (
    select holiday_date from {{ ref('danish_bank_holidays') }}
),

calendar as (
    select cast(day as date) as calendar_date
    from range(
        (select cast(date_trunc('year', min(holiday_date)) as date) from holidays),
        (select cast(date_trunc('year', max(holiday_date)) as date) + interval 1 year from holidays),
        interval 1 day
    ) as days(day)
),

flagged as (
    select
        calendar.calendar_date,
        isodow(calendar.calendar_date) <= 5 and holidays.holiday_date is null as is_bank_day
    from calendar
    left join holidays
        on calendar.calendar_date = holidays.holiday_date
)

select
    calendar_date,
    is_bank_day,
    min(case when is_bank_day then calendar_date end) over (
        order by calendar_date rows between current row and unbounded following
    ) as next_bank_day
from flagged
