"""The synthetic municipality's master data: departments, units, users and suppliers.

Built once, before any invoice, from the generator's random stream; small (it grows with the
monthly volume, never with the number of months). Each user and supplier keeps its versions
(`(time, ...)` tuples in time order) so that the document flows can ask who someone's manager
was, or whether they had Kvantum access, at a given time.
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from orchestration.einvoices.payment import with_check_digit
from orchestration.loading.contract import DEPARTMENTS

from . import names
from .clock import DAY, Calendar, csv_field

INF = 1 << 62

# Share of the municipality's invoices per department (a large municipality: schools and care
# dominate).
DEPARTMENT_WEIGHTS = {"ØKF": 0.07, "BUF": 0.25, "SUF": 0.21, "SOF": 0.14, "TMF": 0.17, "KFF": 0.08, "BIF": 0.08}
assert tuple(DEPARTMENT_WEIGHTS) == DEPARTMENTS

# The share of each department's invoices paid late, before the improvement over the period
# (the flows lower it by a third from the first month to the last, as the initiatives bite).
DEPARTMENT_LATE = {"ØKF": 0.10, "BUF": 0.13, "SUF": 0.17, "SOF": 0.18, "TMF": 0.14, "KFF": 0.10, "BIF": 0.12}


@dataclass(slots=True)
class User:
    uid: str
    name: str
    dept: str  # department code or KS
    # versions: (time, Enhed, Leder_id, Kvantum_adgang 'J'/'N')
    versions: list[tuple[int, str, str, str]]
    role: str  # employee | manager | director | ks
    loss_t: int = INF  # when Kvantum access is lost

    def leder_at(self, t: int) -> str:
        v = self.versions
        for i in range(len(v) - 1, 0, -1):
            if v[i][0] <= t:
                return v[i][2]
        return v[0][2]

    def access_at(self, t: int) -> bool:
        return t < self.loss_t


@dataclass(slots=True)
class Unit:
    dept: str
    name: str
    ean: str
    manager: int  # user index
    # (user index, from time, to time): who works here when
    roster: list[tuple[int, int, int]] = field(default_factory=list)


@dataclass(slots=True)
class Supplier:
    sid: str
    rank: int
    created_t: int
    foreign: bool
    country: str
    category: str
    term: int  # payment term in days
    sloppy: str  # '' | 'po' | 'pay' | 'both'
    inv_fmt: int
    inv_counter: int
    # versions: (time, Navn (csv-ready), CVR, Land, Registreret_betalingsoplysning, Kræver_ordrenummer)
    versions: list[tuple[int, str, str, str, str, str]]
    pay_change_t: int = INF  # when the registered payment details changed (old ones kept in versions)
    last_po: str = ""

    def version_at(self, t: int) -> tuple[int, str, str, str, str, str]:
        v = self.versions
        for i in range(len(v) - 1, 0, -1):
            if v[i][0] <= t:
                return v[i]
        return v[0]


def _fold(s: str) -> str:
    s = s.upper().replace("Æ", "AE").replace("Ø", "OE").replace("Å", "AA")
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if "A" <= c <= "Z")


def gln(base12: int) -> str:
    """A 13-digit EAN/GLN with its check digit."""
    digits = f"{base12:012d}"
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def cvr(rng: random.Random) -> str:
    """An 8-digit CVR number that passes the modulus-11 check."""
    weights = (2, 7, 6, 5, 4, 3, 2, 1)
    while True:
        d = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        s = sum(a * b for a, b in zip(d, weights))
        last = (-s) % 11
        if last < 10:
            return "".join(map(str, d)) + str(last)


def iban(rng: random.Random, country: str, length: int) -> str:
    bban = "".join(str(rng.randint(0, 9)) for _ in range(length - 4))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def _weighted(rng: random.Random, pairs):
    items, weights = zip(*pairs)
    return rng.choices(items, weights=weights)[0]


class World:
    """Departments, units, users and suppliers, with their changes over the period."""

    def __init__(self, rng: random.Random, cal: Calendar, start_day: int, end_day: int, invoices_per_month: int):
        self.rng = rng
        self.cal = cal
        self.start_day = start_day
        self.end_day = end_day
        self.start_t = start_day * DAY
        self.end_t = end_day * DAY + DAY - 1
        self.users: list[User] = []
        self.units: list[Unit] = []
        self._ids: dict[str, int] = {}
        self.written: list[list[tuple[int, str, str, str]]] = []  # per user: its versions as exported
        self._build_users(invoices_per_month)
        self._build_suppliers(invoices_per_month)

    # --- helpers -----------------------------------------------------------------------------
    def _office_time(self, day: int) -> int:
        return day * DAY + self.rng.randint(7 * 3600, 16 * 3600)

    def _before_start(self, lo: int, hi: int) -> int:
        """An office time `lo`..`hi` days before the period starts."""
        return self._office_time(self.start_day - self.rng.randint(lo, hi))

    def _in_period(self, first_offset: int = 1) -> int:
        return self._office_time(self.rng.randint(self.start_day + first_offset, self.end_day))

    def _person(self) -> tuple[str, str]:
        rng = self.rng
        first = rng.choice(names.FIRST_NAMES)
        last = rng.choice(names.LAST_NAMES)
        full = f"{first} {rng.choice(names.MIDDLE_NAMES)} {last}" if rng.random() < 0.15 else f"{first} {last}"
        prefix = (_fold(first)[:2] + _fold(last)[:2]).ljust(4, "X")
        n = self._ids.get(prefix, 0) + 1
        self._ids[prefix] = n
        return f"{prefix}{n:02d}", full

    def _add_user(self, uid: str, name: str, dept: str, enhed: str, leder: str, role: str, t: int) -> int:
        self.users.append(User(uid, name, dept, [(t, enhed, leder, "J")], role))
        return len(self.users) - 1

    # --- users and units ---------------------------------------------------------------------
    def _build_users(self, ipm: int) -> None:
        rng = self.rng
        n_emp = max(60, min(40000, round(ipm / 25)))
        ean_base = 579800577000
        unit_weights: list[float] = []
        self.directors: dict[str, int] = {}
        employees: list[int] = []
        for dept in DEPARTMENTS:
            w = DEPARTMENT_WEIGHTS[dept]
            emp_d = max(6, round(n_emp * w))
            units_d = max(2, round(emp_d / 9))
            uid, name = self._person()
            director = self._add_user(uid, name, dept, "Direktion", "", "director", self._before_start(200, 1500))
            self.directors[dept] = director
            combos = [f"{k} {d}" for k in names.UNIT_KINDS[dept] for d in names.DISTRICTS]
            rng.shuffle(combos)
            for j in range(units_d):
                uname = combos[j] if j < len(combos) else f"{combos[j % len(combos)]} {j // len(combos) + 1}"
                uid, name = self._person()
                mgr = self._add_user(uid, name, dept, uname, self.users[director].uid, "manager", self._before_start(100, 1200))
                unit = Unit(dept, uname, gln(ean_base + len(self.units) + 1), mgr)
                self.units.append(unit)
                unit_weights.append(w / units_d * rng.lognormvariate(0, 0.5))
            dept_units = self.units[-units_d:]
            for j in range(emp_d):
                unit = dept_units[j % units_d] if j < 2 * units_d else rng.choice(dept_units)
                uid, name = self._person()
                u = self._add_user(uid, name, dept, unit.name, self.users[unit.manager].uid, "employee",
                                   self._before_start(1, 1000))
                unit.roster.append((u, 0, INF))
                employees.append(u)
        self.unit_cw = list(accumulate(unit_weights))
        self.unit_total = self.unit_cw[-1]

        # Koncernservice: a director, team leaders and the creditor staff who route invoices.
        n_ks = max(4, round(n_emp / 40))
        ks_dir = self._add_user("KS000", self._person()[1], "KS", "Kreditor", "", "director", self._before_start(300, 1500))
        leaders = []
        for i in range(max(1, round(n_ks / 8))):
            leaders.append(self._add_user(f"KS{len(leaders) + 1:03d}", self._person()[1], "KS", f"Kreditor Team {i + 1}",
                                          self.users[ks_dir].uid, "manager", self._before_start(100, 1200)))
        self.ks_staff = []
        for i in range(n_ks):
            lead = leaders[i % len(leaders)]
            team = self.users[lead].versions[0][1]
            self.ks_staff.append(self._add_user(f"KS{len(leaders) + i + 1:03d}", self._person()[1], "KS", team,
                                                self.users[lead].uid, "ks", self._before_start(1, 1000)))

        # Changes over the period: new hires, users who lose Kvantum access (while they may
        # still hold invoices), users who move to another unit (a new manager).
        by_uid = {u.uid: i for i, u in enumerate(self.users)}
        self.by_uid = by_uid
        pool = employees[:]
        rng.shuffle(pool)
        n_loss = max(3, round(0.06 * len(pool)))
        n_move = max(2, round(0.04 * len(pool)))
        losers, movers = pool[:n_loss], pool[n_loss:n_loss + n_move]
        last_month = max(self.start_day + 1, self.end_day - 21)
        for k, u in enumerate(losers):
            # at least three losses fall in the last 21 days, so some invoices are still held by a
            # user without access when the data ends
            t = self._office_time(rng.randint(last_month, self.end_day)) if k < 3 else self._in_period(7)
            user = self.users[u]
            user.loss_t = t
            _, enhed, leder, _ = user.versions[-1]
            user.versions.append((t, enhed, leder, "N"))
            for unit in self.units:
                if unit.name == enhed and unit.dept == user.dept:
                    unit.roster = [(x, a, t if x == u else b) for (x, a, b) in unit.roster]
        unit_of = {(un.dept, un.name): un for un in self.units}
        for u in movers:
            user = self.users[u]
            t = self._in_period(7)
            _, enhed, _, _ = user.versions[-1]
            old = unit_of[(user.dept, enhed)]
            others = [un for un in self.units if un.dept == user.dept and un is not old]
            new = rng.choice(others)
            user.versions.append((t, new.name, self.users[new.manager].uid, "J"))
            old.roster = [(x, a, t if x == u else b) for (x, a, b) in old.roster]
            new.roster.append((u, t, INF))
        self._build_hierarchy_gaps()
        n_hire = max(2, round(0.05 * len(pool)))
        for _ in range(n_hire):
            unit = self.units[bisect_right(self.unit_cw, rng.random() * self.unit_total)]
            uid, name = self._person()
            t = self._in_period(1)
            u = self._add_user(uid, name, unit.dept, unit.name, self.users[unit.manager].uid, "employee", t)
            unit.roster.append((u, t, INF))
            by_uid[uid] = u

    def _build_hierarchy_gaps(self) -> None:
        """Units whose approval hierarchy has a gap, for R14's walk up `Leder_id` (docs/generator.md):
        a manager without Kvantum access under a director who has it (the walk reaches the director
        in two steps), one without access and without a manager (`NO_MANAGER`), one whose
        `Leder_id` names no user (`NO_MANAGER`), and two without access who name each other (`CYCLE`).
        Each such manager is without access from the start; their employees are as any others."""
        rng = self.rng
        units = rng.sample(range(len(self.units)), 5)
        self.gap_units: dict[str, int] = {}
        for kind, ui in zip(("no_access", "no_manager", "unknown_manager", "cycle_a", "cycle_b"), units):
            self.gap_units[kind] = ui
            mgr = self.users[self.units[ui].manager]
            t, enhed, leder, _ = mgr.versions[0]
            if kind == "no_manager":
                leder = ""
            elif kind == "unknown_manager":
                leder = "XXXX99"  # a user id that is in no brugere extract
            mgr.versions[0] = (t, enhed, leder, "N")
            mgr.loss_t = t
        a, b = (self.users[self.units[self.gap_units[k]].manager] for k in ("cycle_a", "cycle_b"))
        a.versions[0] = a.versions[0][:2] + (b.uid, "N")
        b.versions[0] = b.versions[0][:2] + (a.uid, "N")

    def version_at_day(self, u: int, day: int) -> tuple[int, str, str, str]:
        """The user's version valid at `day` as the exports show it (EXPORTS.md): the latest written
        version with `Ændret` on or before that day, else the earliest written one. `written` holds
        the versions the writer emits (one per extract period), set by `generate()`."""
        vs = self.written[u]
        for v in reversed(vs):
            if v[0] // DAY <= day:
                return v
        return vs[0]

    def escalation_target(self, holder: int, day: int) -> tuple[int, str]:
        """R14's walk up `Leder_id` from `holder` at `day` (user versions valid then): (the first
        manager reached with Kvantum access within 10 steps, '') or (-1, the issue code)."""
        if holder < 0:
            return -1, "NO_HOLDER"
        seen = {holder}
        cur = holder
        for _ in range(10):
            leder = self.version_at_day(cur, day)[2]
            nxt = self.by_uid.get(leder, -1) if leder else -1
            if nxt < 0:
                return -1, "NO_MANAGER"
            if nxt in seen:
                return -1, "CYCLE"
            if self.version_at_day(nxt, day)[3] == "J":
                return nxt, ""
            seen.add(nxt)
            cur = nxt
        return -1, "NO_MANAGER"

    def assignee(self, unit: Unit, t: int) -> int:
        """A random user of `unit` who works there and has access at time `t` (else its manager)."""
        roster = unit.roster
        rnd = self.rng.random
        n = len(roster)
        for _ in range(12):
            u, a, b = roster[int(rnd() * n)]
            if a <= t < b:
                return u
        return unit.manager

    # --- suppliers ---------------------------------------------------------------------------
    def _build_suppliers(self, ipm: int) -> None:
        rng = self.rng
        n = max(40, min(80000, round(ipm * 12 / 25)))
        # Zipf-like volume (Zipf-Mandelbrot, weight 1/(rank+3): a long tail, a not too dominant head)
        self.sup_cw = list(accumulate(1.0 / (k + 3) for k in range(n)))
        self.sup_total = self.sup_cw[-1]
        cats = list(names.CATEGORIES)
        cat_w = (14, 12, 12, 16, 12, 10, 10, 8, 6)
        used_names: set[str] = set()
        # A few mid-sized suppliers (100-1500 expected documents a year) are sloppy: they
        # systematically send missing or wrong PO numbers or payment details (R10's contact list).
        harmonic = self.sup_cw[-1]
        expected = [ipm * 12 / (harmonic * (k + 3)) for k in range(n)]
        pool = [k for k in range(2, n) if 100 <= expected[k] <= 1500] or [2, 3]
        sloppy_ranks = set(rng.sample(pool, min(len(pool), max(2, round(0.0025 * n)))))
        self.suppliers: list[Supplier] = []
        for k in range(n):
            foreign = k >= 3 and rng.random() < 0.10
            sloppy = ""
            if k in sloppy_ranks:
                sloppy = ("po", "pay", "both")[rng.randrange(3)]
            if foreign:
                country = _weighted(rng, names.FOREIGN_COUNTRY_WEIGHTS)
                forms, stems, ilen = names.FOREIGN[country]
                category = rng.choice(("IT", "MEDICO", "KONTOR", "KONSULENT"))
                base = f"{rng.choice(stems)} {rng.choice(forms)}"
                reg = "IBAN " + iban(rng, country, ilen)
                cvr_no = ""
                term = 30
            else:
                country = "DK"
                category = rng.choices(cats, weights=cat_w)[0]
                words, _ = names.CATEGORIES[category]
                form = rng.choice(names.DK_LEGAL_FORMS)
                r = rng.random()
                if r < 0.45:
                    base = f"{rng.choice(names.DK_NAME_PREFIXES)} {rng.choice(words)} {form}"
                elif r < 0.85:
                    base = f"{rng.choice(names.LAST_NAMES)} {rng.choice(words)} {form}"
                else:
                    base = f"{rng.choice(names.LAST_NAMES)} & {rng.choice(names.LAST_NAMES)} {form}"
                if k == 5:  # one name that needs quoting, as real supplier names sometimes do
                    category, base = "FØDEVARER", 'Café "Solsikken" ApS'
                reg = self._dk_payment()
                cvr_no = cvr(rng)
                term = rng.choices((30, 14, 20, 8), weights=(85, 7, 3, 5))[0]
            name = base
            i = 2
            while name in used_names:
                name = f"{base} ({rng.choice(names.DISTRICTS)})" if i < 4 else f"{base} {i}"
                i += 1
            used_names.add(name)
            # ~60% require a PO; among the 50 largest exactly 3 in 5, so the volume share is stable
            kraever = "J" if (sloppy and sloppy != "pay") or (k % 5 < 3 if k < 50 else rng.random() < 0.6) else "N"
            created = self._before_start(30, 2500) if k < 20 or rng.random() < 0.9 else self._in_period(1)
            sup = Supplier(
                sid=f"L{10000 + k * 7 + rng.randrange(7)}", rank=k, created_t=created, foreign=foreign,
                country=country, category=category, term=term, sloppy=sloppy,
                inv_fmt=rng.randrange(6), inv_counter=rng.randint(1000, 90000),
                versions=[(created, csv_field(name), cvr_no, country, reg, kraever)],
            )
            # master-data changes during the period (~8%): new bank account, new name, PO rule
            if rng.random() < 0.08:
                t = max(created + DAY, self._in_period(7))
                if t <= self.end_t:
                    r = rng.random()
                    _, nm, c, land, pay, kr = sup.versions[-1]
                    if r < 0.55:
                        new_pay = "IBAN " + iban(rng, country, names.FOREIGN[country][2]) if foreign else self._dk_payment()
                        sup.versions.append((t, nm, c, land, new_pay, kr))
                        sup.pay_change_t = t
                    elif r < 0.75 and not foreign:
                        new_name = name.replace(" ApS", " A/S") if " ApS" in name else f"{name.rsplit(' ', 1)[0]} Danmark A/S"
                        sup.versions.append((t, csv_field(new_name), c, land, pay, kr))
                    else:
                        sup.versions.append((t, nm, c, land, pay, "N" if kr == "J" else "J"))
            self.suppliers.append(sup)

    def _dk_payment(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            return f"REG {rng.randint(1000, 9899)} KONTO {rng.randint(1, 9_999_999_999):010d}"
        if r < 0.90:
            payment_id = with_check_digit(f"{rng.randint(1, 10**15 - 1):015d}")  # FI modulus 10, as real FIK ids
            return f"FIK +71<{payment_id}+{rng.randint(80_000_000, 89_999_999)}<"
        return "IBAN " + iban(rng, "DK", 18)

    def pick_supplier(self, t: int) -> Supplier:
        rnd = self.rng.random
        cw, total, sups = self.sup_cw, self.sup_total, self.suppliers
        for _ in range(8):
            s = sups[bisect_right(cw, rnd() * total)]
            if s.created_t <= t:
                return s
        return sups[0]
