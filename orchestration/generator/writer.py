"""Extract files: the period scheme, buffered appends, and the injection of bad rows.

Every row the flows produce carries the time it was created or changed; that time decides the
extract period, and so the file, it belongs to. The flows append CSV-ready rows to one in-memory
list per (source, period); `flush()` appends those lists to their files and empties them. Files
are created up front (UTF-8 with BOM, header, CRLF), so every source has a file for every extract,
header-only when nothing happened. Because rows only ever get appended in generation order, the
bytes do not depend on when flushes happen, and memory is bounded by the flush interval.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from orchestration.loading.contract import SOURCES

from .clock import Calendar, add_months

SOURCE_NAMES = tuple(SOURCES)  # fakturaer, fakturahaendelser, indkoebsordrer, varemodtagelser, leverandoerer, brugere, udlaeg
FAKTURAER, HAENDELSER, ORDRER, VAREMODTAGELSER, LEVERANDOERER, BRUGERE, UDLAEG = range(7)
assert SOURCE_NAMES == (
    "fakturaer", "fakturahaendelser", "indkoebsordrer", "varemodtagelser", "leverandoerer", "brugere", "udlaeg")

EXTRACT_MODES = ("full", "monthly", "weekly", "daily", "monthly-then-daily")
BOM = "\ufeff"


def extract_periods(start: dt.date, end: dt.date, mode: str) -> list[tuple[dt.date, dt.date]]:
    """(first day, last day) of each extract period; the extract date is the day after the last.

    `full`: one period. `monthly`: the generated months (calendar months when `start` is a 1st).
    `weekly`: ISO weeks, Monday to Sunday (the first and last may be partial). `daily`: days.
    `monthly-then-daily`: monthly, except the last generated month, which comes day by day (a
    warehouse in daily operation after its history was loaded; the benchmark's daily run).
    The first period of each scheme also holds everything from before `start` (a full extract).
    """
    if mode == "full":
        return [(start, end)]
    if mode == "monthly-then-daily":
        months = extract_periods(start, end, "monthly")
        return months[:-1] + extract_periods(months[-1][0], end, "daily")
    out: list[tuple[dt.date, dt.date]] = []
    first = start
    i = 0
    while first <= end:
        if mode == "monthly":
            i += 1
            last = add_months(start, i) - dt.timedelta(days=1)
        elif mode == "weekly":
            last = first + dt.timedelta(days=6 - first.weekday())
        elif mode == "daily":
            last = first
        else:
            raise ValueError(f"extracts must be one of {EXTRACT_MODES}, not {mode!r}")
        last = min(last, end)
        out.append((first, last))
        first = last + dt.timedelta(days=1)
    return out


def file_name(source: str, extract_date: dt.date) -> str:
    return f"{source}_{extract_date:%Y%m%d}.csv"


# --- bad rows ----------------------------------------------------------------------------------
BAD_KINDS = ("field_count", "bad_date", "bad_number", "missing_required", "bad_code", "duplicate_event")

# kind -> [(source index, column, replacement)] tried in turn; replacement None = drop a field
_MUTATIONS: dict[str, list[tuple[int, str, str | None]]] = {
    "field_count": [(FAKTURAER, "", None), (HAENDELSER, "", None), (ORDRER, "", None),
                    (VAREMODTAGELSER, "", None), (LEVERANDOERER, "", None), (BRUGERE, "", None)],
    "bad_date": [(FAKTURAER, "Fakturadato", "31-02-2024"), (HAENDELSER, "Tidspunkt", "2024-03-15 10:00:00"),
                 (VAREMODTAGELSER, "Modtaget_dato", "15.03.2024"), (ORDRER, "Oprettet_dato", "32-01-2024")],
    "bad_number": [(FAKTURAER, "Beløb", "1 234,50"), (ORDRER, "Antal", "4O"),
                   (VAREMODTAGELSER, "Antal", "tre"), (FAKTURAER, "Beløb_DKK", "12.345,00")],
    "missing_required": [(FAKTURAER, "Fakturanummer", ""), (HAENDELSER, "Bilagsnummer", ""),
                         (ORDRER, "Oprettet_af", ""), (BRUGERE, "Navn", ""), (LEVERANDOERER, "Navn", ""),
                         (VAREMODTAGELSER, "Ordrenummer", "")],
    "bad_code": [(FAKTURAER, "Forvaltning", "ØKO"), (HAENDELSER, "Hændelse", "GODKENDET"),
                 (ORDRER, "Status", "LEVERET"), (BRUGERE, "Forvaltning", "HR"), (FAKTURAER, "Kanal", "EMAIL")],
    "duplicate_event": [(HAENDELSER, "Tidspunkt", "+1h")],
}


@dataclass
class BadRow:
    kind: str
    source: int
    column: str
    value: str | None
    target_period: int
    index: int = 0  # place in the plan
    file: str = ""
    line: int = 0


def plan_bad_rows(n: int, n_periods: int) -> list[BadRow]:
    """The n bad rows: kinds in the order of BAD_KINDS (the duplicate event once, sixth), then
    the first five kinds again in turn; sources rotating; periods spread evenly
    (master-data sources always in the first extract, which always holds rows)."""
    plan: list[BadRow] = []
    used = {k: 0 for k in BAD_KINDS}
    for i in range(n):
        kind = BAD_KINDS[i] if i < len(BAD_KINDS) else BAD_KINDS[(i - len(BAD_KINDS)) % 5]
        src, col, val = _MUTATIONS[kind][(used[kind] + i) % len(_MUTATIONS[kind])]
        used[kind] += 1
        period = 0 if src in (LEVERANDOERER, BRUGERE) else (i * n_periods) // max(1, n)
        plan.append(BadRow(kind, src, col, val, min(period, n_periods - 1), i))
    return plan


class ExtractWriter:
    def __init__(self, out_dir: Path, cal: Calendar, periods: list[tuple[dt.date, dt.date]], bad_rows: int,
                 new_event_id: Callable[[], str]):
        self.out_dir = out_dir
        self.cal = cal
        self.periods = periods
        self.new_event_id = new_event_id
        n_p = len(periods)
        self.names = [[file_name(s, last + dt.timedelta(days=1)) for _, last in periods] for s in SOURCE_NAMES]
        self.columns = [SOURCES[s].column_names for s in SOURCE_NAMES]
        # day index -> period index; -1 after the end (such rows are never written)
        end_day = cal.day(periods[-1][1])
        pod = [-1] * cal.n_days
        for p, (first, last) in enumerate(periods):
            lo = 0 if p == 0 else cal.day(first)
            for d in range(lo, min(cal.day(last), cal.n_days - 1) + 1):
                pod[d] = p
        assert all(x == -1 for x in pod[end_day + 1:])
        self.pod = pod
        self.bufs: list[list[list[str]]] = [[[] for _ in range(n_p)] for _ in SOURCE_NAMES]
        self.rows = [[0] * n_p for _ in SOURCE_NAMES]
        self.lines = [[1] * n_p for _ in SOURCE_NAMES]  # physical lines written so far (header = 1)
        self.bytes = 0
        self.pending = plan_bad_rows(bad_rows, n_p)
        self.injected: list[BadRow] = []
        out_dir.mkdir(parents=True, exist_ok=True)
        for s, cols in enumerate(self.columns):
            header = (BOM + ";".join(cols) + "\r\n").encode("utf-8")
            for name in self.names[s]:
                (out_dir / name).write_bytes(header)
                self.bytes += len(header)

    # --- flushing ----------------------------------------------------------------------------
    def flush(self, final: bool = False) -> None:
        if final:
            self._retarget()
        for s in range(len(SOURCE_NAMES)):
            bufs = self.bufs[s]
            for p, buf in enumerate(bufs):
                if not buf:
                    continue
                self._inject(s, p, buf, final)
                text = "".join(buf)
                data = text.encode("utf-8")
                with open(self.out_dir / self.names[s][p], "ab") as f:
                    f.write(data)
                self.bytes += len(data)
                self.rows[s][p] += len(buf)
                self.lines[s][p] += text.count("\n")
                bufs[p] = []
        if final:
            if self.pending:
                raise RuntimeError(f"could not place {len(self.pending)} bad rows")  # pragma: no cover
            self.injected.sort(key=lambda b: b.index)

    def _retarget(self) -> None:
        """Bad rows whose source has nothing left to flush go into the invoices (or events) instead."""
        for bad in self.pending:
            if not any(self.bufs[bad.source]):
                src = HAENDELSER if bad.kind == "duplicate_event" else FAKTURAER
                _, bad.column, bad.value = next(m for m in _MUTATIONS[bad.kind] if m[0] == src)
                bad.source = src

    def _inject(self, s: int, p: int, buf: list[str], final: bool) -> None:
        """Insert the pending bad rows aimed at (source s, period <= p) into this buffer, each
        after a good row it copies, and note the line each starts on."""
        keep = []
        placed: list[list] = []  # [bad row, position in buf]
        for bad in self.pending:
            last_chance = final and p == max(q for q, b in enumerate(self.bufs[s]) if b)
            if bad.source == s and (bad.target_period <= p or last_chance):
                row = self._bad_row(bad, buf, {pos for _, pos in placed})
                if row is not None:
                    k, text = row
                    buf.insert(k, text)
                    for item in placed:
                        if item[1] >= k:
                            item[1] += 1
                    placed.append([bad, k])
                    continue
            keep.append(bad)
        self.pending = keep
        for bad, k in placed:
            bad.file = self.names[s][p]
            bad.line = self.lines[s][p] + "".join(buf[:k]).count("\n") + 1
            self.injected.append(bad)

    def _bad_row(self, bad: BadRow, buf: list[str], taken: set[int]) -> tuple[int, str] | None:
        """(position, row): a copy of a plain good row of the buffer, spoiled as `bad` says."""
        mid = len(buf) // 2
        for j in list(range(mid, len(buf))) + list(range(mid - 1, -1, -1)):
            if j not in taken and '"' not in buf[j]:
                break
        else:
            return None
        fields = buf[j][:-2].split(";")
        cols = self.columns[bad.source]
        if bad.source == HAENDELSER and bad.kind != "duplicate_event":
            fields[0] = self.new_event_id()  # a fresh id: only the deliberate duplicate repeats one
        if bad.kind == "field_count":
            fields = fields[:-1]
        elif bad.kind == "duplicate_event":
            # the same id again, an hour later: a conflicting duplicate (the original comes first)
            i = cols.index("Tidspunkt")
            d, hms = fields[i].split(" ")
            h = (int(hms[:2]) + 1) % 24
            fields[i] = f"{d} {h:02d}{hms[2:]}"
        else:
            fields[cols.index(bad.column)] = bad.value or ""
        return j + 1, ";".join(fields) + "\r\n"

    # --- results -----------------------------------------------------------------------------
    def files(self) -> dict[str, int]:
        return {self.names[s][p]: self.rows[s][p] for s in range(len(SOURCE_NAMES)) for p in range(len(self.periods))}
