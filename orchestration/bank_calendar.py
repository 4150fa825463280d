"""Danish bank holidays: the `holidays` package's public holidays for Denmark plus the days the
banks close on their own (BRIEF.md: the Friday after Ascension Day, 5 June, 24 and 31 December).

The dbt seed `seeds/danish_bank_holidays.csv` is written from here (`rettidig bank-calendar`), so
the calendar has one source; a test checks the seed is up to date.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import holidays

from orchestration.settings import PROJECT_ROOT

SEED_PATH = PROJECT_ROOT / "seeds" / "danish_bank_holidays.csv"
# The years the seed covers: back to the late-payment rules of 2013, forward past any extract.
FIRST_YEAR, LAST_YEAR = 2013, 2035


def danish_bank_holidays(years: range) -> dict[dt.date, str]:
    """Every date in `years` on which Danish banks are closed (weekends aside), with its name."""
    days: dict[dt.date, str] = {}
    public = holidays.country_holidays("DK", years=list(years), language="da")
    for day, name in public.items():
        days[day] = name
        if name.lower() == "kristi himmelfartsdag":
            days[day + dt.timedelta(days=1)] = "Fredag efter Kristi Himmelfartsdag (bankerne lukket)"
    for year in years:
        days.setdefault(dt.date(year, 6, 5), "Grundlovsdag (bankerne lukket)")
        days.setdefault(dt.date(year, 12, 24), "Juleaftensdag (bankerne lukket)")
        days.setdefault(dt.date(year, 12, 31), "Nytårsaftensdag (bankerne lukket)")
    return dict(sorted(days.items()))


def is_bank_day(day: dt.date, closed: dict[dt.date, str]) -> bool:
    return day.weekday() < 5 and day not in closed


def nth_bank_day_of_month(year: int, month: int, n: int, closed: dict[dt.date, str] | None = None) -> dt.date:
    """The n-th Danish bank (working) day of a month, n >= 1."""
    closed = closed if closed is not None else danish_bank_holidays(range(year, year + 1))
    day, seen = dt.date(year, month, 1), 0
    while True:
        if is_bank_day(day, closed):
            seen += 1
            if seen == n:
                return day
        day += dt.timedelta(days=1)
        if day.month != month:
            raise ValueError(f"{year}-{month:02d} has fewer than {n} bank days")


def seed_rows() -> list[tuple[str, str]]:
    return [(d.isoformat(), name) for d, name in danish_bank_holidays(range(FIRST_YEAR, LAST_YEAR + 1)).items()]


def write_seed(path: Path = SEED_PATH) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["holiday_date", "holiday_name"])
        writer.writerows(seed_rows())
    return path
