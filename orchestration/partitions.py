"""Partitions: the months of the period close (R13)."""

import os

from dagster import MonthlyPartitionsDefinition

# The first month the UI offers to close. Months before the data's first receipt date are refused
# by the asset; set RETTIDIG_PERIOD_CLOSE_START to the first month of a real data set.
PERIOD_CLOSE_START = os.environ.get("RETTIDIG_PERIOD_CLOSE_START", "2024-01-01")
TIMEZONE = "Europe/Copenhagen"

monthly_partitions = MonthlyPartitionsDefinition(start_date=PERIOD_CLOSE_START, timezone=TIMEZONE)
