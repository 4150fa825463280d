"""Time for the generator: integer seconds since an origin day, bank days, and fast formatting.

All times are naive Copenhagen local time, as in the exports. Every time is an `int` of seconds
since midnight of `origin`; a day index is `t // 86400`. Formatting goes through precomputed
tables (one string per day, one per second of the day), which keeps the writer fast.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from functools import lru_cache

from orchestration.bank_calendar import danish_bank_holidays

DAY = 86400


def add_months(d: dt.date, n: int) -> dt.date:
    """`d` moved `n` calendar months on, clamped to the month's last day."""
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@lru_cache(maxsize=1)
def _hms() -> tuple[str, ...]:
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY))


@lru_cache(maxsize=4)
def _closed(first_year: int, last_year: int) -> frozenset[dt.date]:
    # the project's one Danish bank calendar (also behind the dbt seed and the schedules)
    return frozenset(danish_bank_holidays(range(first_year, last_year + 1)))


class Calendar:
    """Day tables from `origin` for `n_days` days."""

    def __init__(self, origin: dt.date, n_days: int):
        self.origin = origin
        self.n_days = n_days
        dates = [origin + dt.timedelta(days=i) for i in range(n_days)]
        self.dates = dates
        self.day_str = [d.strftime("%d-%m-%Y") for d in dates]
        self.hms = _hms()
        closed = _closed(origin.year, dates[-1].year)
        self.closed = closed
        self.is_bank = [d.weekday() < 5 and d not in closed for d in dates]
        self.bank_days = [i for i, b in enumerate(self.is_bank) if b]
        # index into bank_days of the first bank day >= day
        self.bank_pos = [bisect_left(self.bank_days, i) for i in range(n_days)]
        last = len(self.bank_days) - 1
        self._last_bank = last
        self.next_bank = [self.bank_days[min(p, last)] for p in self.bank_pos]
        prev: list[int] = []
        cur = 0
        for i, b in enumerate(self.is_bank):
            if b:
                cur = i
            prev.append(cur)
        self.prev_bank = prev

    # --- conversions -------------------------------------------------------------------------
    def day(self, d: dt.date) -> int:
        return (d - self.origin).days

    def date(self, day: int) -> dt.date:
        return self.origin + dt.timedelta(days=day)

    def clamp(self, day: int) -> int:
        return 0 if day < 0 else (self.n_days - 1 if day >= self.n_days else day)

    # --- bank days ---------------------------------------------------------------------------
    def add_bank(self, day: int, n: int) -> int:
        """The n-th bank day after `day` (n=0: the first bank day on or after `day`)."""
        if day >= self.n_days:
            return day + n
        i = self.bank_pos[day] + n
        return self.bank_days[i] if i <= self._last_bank else self.bank_days[-1] + (i - self._last_bank)

    def nb(self, day: int) -> int:
        """The first bank day on or after `day`."""
        return self.next_bank[day] if day < self.n_days else day

    def pb(self, day: int) -> int:
        """The last bank day on or before `day`."""
        return self.prev_bank[day] if day < self.n_days else day

    # --- formatting --------------------------------------------------------------------------
    def ts(self, t: int) -> str:
        """`DD-MM-YYYY HH:MM:SS` of a time in seconds since origin."""
        d, s = divmod(t, DAY)
        return self.day_str[d] + " " + self.hms[s]


def fmt_cents(c: int) -> str:
    """An amount in øre/cents as `-1234,50`."""
    if c < 0:
        c = -c
        return f"-{c // 100},{c % 100:02d}"
    return f"{c // 100},{c % 100:02d}"


def fmt_qty(milli: int) -> str:
    """A quantity in thousandths as `40`, `2,5` or `-1,25`."""
    sign = "-" if milli < 0 else ""
    milli = abs(milli)
    whole, frac = divmod(milli, 1000)
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole},{frac:03d}".rstrip("0")


def csv_field(value: str) -> str:
    """Quote a text field when it holds `;`, `"` or a line break (the contract's only quoting)."""
    if ";" in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value
