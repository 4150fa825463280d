"""Partitions: the months of the period close (R13).

The first month comes from the setting RETTIDIG_PERIOD_CLOSE_START (YYYY-MM, default 2024-01).
Months before the data's first receipt month are refused by the asset; `rettidig close` extends
the start to the data's first month when the data starts earlier (and says which setting to change
so that the UI offers those months too).
"""

from dagster import MonthlyPartitionsDefinition

from orchestration.settings import Settings

TIMEZONE = "Europe/Copenhagen"


def period_close_partitions(settings: Settings) -> MonthlyPartitionsDefinition:
    return MonthlyPartitionsDefinition(start_date=settings.period_close_start.isoformat(), timezone=TIMEZONE)


monthly_partitions = period_close_partitions(Settings.from_env())
PERIOD_CLOSE_START = monthly_partitions.start.date()
