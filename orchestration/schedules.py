"""Schedules, in Copenhagen time.

- `month_end_close`: on the municipality's Nth working day of each month (N =
  RETTIDIG_CLOSE_WORKING_DAY, default 2, read when the schedule is evaluated; Danish bank days),
  load what has arrived, rebuild the marts and close the previous month.
- `follow_up_report`: Mondays and Thursdays at 06:00, load, rebuild and write the follow-up report.
"""

from __future__ import annotations

import datetime as dt

from dagster import RunRequest, ScheduleEvaluationContext, SkipReason, schedule

from orchestration.bank_calendar import danish_bank_holidays, nth_bank_day_of_month
from orchestration.jobs import follow_up_report_job, month_end_close_job
from orchestration.partitions import TIMEZONE
from orchestration.runs import reap_on_evaluation
from orchestration.settings import Settings


def is_close_day(day: dt.date, working_day: int) -> bool:
    """True on the `working_day`-th Danish bank day of the month."""
    closed = danish_bank_holidays(range(day.year, day.year + 1))
    return day == nth_bank_day_of_month(day.year, day.month, working_day, closed)


@schedule(
    job=month_end_close_job,
    cron_schedule="0 7 * * 1-5",  # every weekday at 07:00; the function picks the Nth bank day
    execution_timezone=TIMEZONE,
    description=(
        "The month-end close: on the Nth Danish working day of each month (RETTIDIG_CLOSE_WORKING_DAY, "
        "default 2) at 07:00, load the exports, rebuild the marts and close the previous month (R13)."
    ),
)
def month_end_close_schedule(context: ScheduleEvaluationContext):
    today = context.scheduled_execution_time.date()
    working_day = Settings.from_env().close_working_day
    if not is_close_day(today, working_day):
        return SkipReason(f"{today} is not working day {working_day} of the month.")
    reap_on_evaluation(context)
    previous_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    key = previous_month.strftime("%Y-%m-%d")
    return RunRequest(run_key=f"close-{key}", partition_key=key)


@schedule(
    job=follow_up_report_job,
    cron_schedule="0 6 * * 1,4",
    execution_timezone=TIMEZONE,
    description="The follow-up report, Mondays and Thursdays at 06:00 Copenhagen time (initiative 7).",
)
def follow_up_report_schedule(context: ScheduleEvaluationContext):
    reap_on_evaluation(context)
    return RunRequest(run_key=f"report-{context.scheduled_execution_time:%Y-%m-%d}")
