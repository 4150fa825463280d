"""Danish bank days, the month-end close day and the schedules' ticks."""

import datetime as dt

from dagster import build_schedule_context

from orchestration.bank_calendar import danish_bank_holidays, nth_bank_day_of_month, seed_rows
from orchestration.bank_calendar import SEED_PATH


def test_bank_holidays_include_the_banks_own_closing_days():
    days = danish_bank_holidays(range(2025, 2026))
    # public holidays (the holidays package) ...
    assert dt.date(2025, 4, 17) in days  # Maundy Thursday
    assert dt.date(2025, 4, 21) in days  # Easter Monday
    # ... and the days the banks close on their own
    assert dt.date(2025, 5, 30) in days  # the Friday after Ascension Day (29 May)
    assert dt.date(2025, 6, 5) in days
    assert dt.date(2025, 12, 24) in days
    assert dt.date(2025, 12, 31) in days
    assert dt.date(2025, 5, 28) not in days


def test_the_seed_is_written_from_the_calendar():
    lines = SEED_PATH.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "holiday_date,holiday_name"
    assert [tuple(line.split(",", 1)) for line in lines[1:]] == seed_rows()


def test_nth_bank_day_around_easter_christmas_and_new_year():
    # April 2026: Wed 1, Thu 2 (Maundy Thursday), Fri 3 (Good Friday), Mon 6 (Easter Monday), Tue 7
    assert nth_bank_day_of_month(2026, 4, 1) == dt.date(2026, 4, 1)
    assert nth_bank_day_of_month(2026, 4, 2) == dt.date(2026, 4, 7)
    # January 2026: Thu 1 is New Year's Day -> Fri 2, Mon 5
    assert nth_bank_day_of_month(2026, 1, 2) == dt.date(2026, 1, 5)
    # January 2027: Fri 1 is New Year's Day -> Mon 4, Tue 5
    assert nth_bank_day_of_month(2027, 1, 2) == dt.date(2027, 1, 5)
    # December 2026: Tue 1, Wed 2
    assert nth_bank_day_of_month(2026, 12, 2) == dt.date(2026, 12, 2)


def _tick(schedule, when: dt.datetime):
    from zoneinfo import ZoneInfo

    from orchestration.definitions import defs

    context = build_schedule_context(
        scheduled_execution_time=when.replace(tzinfo=ZoneInfo("Europe/Copenhagen")),
        repository_def=defs.get_repository_def(),
    )
    return list(schedule.evaluate_tick(context).run_requests or [])


def test_month_end_close_runs_on_the_second_working_day_for_the_previous_month():
    from orchestration.schedules import month_end_close_schedule

    # April 2026: the 2nd working day is Tue 7 April (Easter)
    for day in (1, 2, 3, 6):
        assert _tick(month_end_close_schedule, dt.datetime(2026, 4, day, 7)) == []
    [request] = _tick(month_end_close_schedule, dt.datetime(2026, 4, 7, 7))
    assert request.partition_key == "2026-03-01"
    # January 2027: the 2nd working day is Tue 5 January; it closes December 2026
    assert _tick(month_end_close_schedule, dt.datetime(2027, 1, 4, 7)) == []
    [request] = _tick(month_end_close_schedule, dt.datetime(2027, 1, 5, 7))
    assert request.partition_key == "2026-12-01"


def test_schedules_next_ticks_in_copenhagen_time():
    from orchestration.schedules import follow_up_report_schedule, month_end_close_schedule

    assert follow_up_report_schedule.execution_timezone == "Europe/Copenhagen"
    assert follow_up_report_schedule.cron_schedule == "0 6 * * 1,4"
    assert month_end_close_schedule.execution_timezone == "Europe/Copenhagen"
    # Monday 30 Nov 2026 and Thursday 3 Dec 2026 at 06:00
    from dagster._utils.schedules import cron_string_iterator
    from zoneinfo import ZoneInfo

    start = dt.datetime(2026, 11, 28, tzinfo=ZoneInfo("Europe/Copenhagen")).timestamp()
    ticks = cron_string_iterator(start, "0 6 * * 1,4", "Europe/Copenhagen")
    assert [next(ticks).strftime("%a %Y-%m-%d %H:%M") for _ in range(3)] == [
        "Mon 2026-11-30 06:00", "Thu 2026-12-03 06:00", "Mon 2026-12-07 06:00",
    ]
