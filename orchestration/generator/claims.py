"""Employees' expense claims (`udlaeg`, EXPORTS.md v1.1) and R16's counts at the data watermark.

Each month some employees submit claims; a claim is approved (usually by the employee's manager),
paid out, returned or rejected, and each change is a version with its `Ændret`. A few claims break
each control of R16 on purpose: self-approved, approved by someone other than the manager, without
a receipt, without a purpose, representation without participants, a second claim for the same
expense (a possible duplicate) and claims submitted more than 90 days after the expense. The
counts in the summary are computed here from the claims as written, independently of the SQL.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from .clock import DAY, Calendar, csv_field, fmt_cents
from .world import World
from .writer import UDLAEG, ExtractWriter

EXPENSE_TYPES = (("REJSE", 25), ("KØRSEL", 30), ("REPRÆSENTATION", 12), ("KURSUS", 10), ("INDKØB", 18), ("ANDET", 5))
TYPICAL_DKK = {"REJSE": 1800, "KØRSEL": 450, "REPRÆSENTATION": 1200, "KURSUS": 3500, "INDKØB": 600, "ANDET": 400}
PURPOSES = {
    "REJSE": ("Konference i Aarhus", "Netværksmøde, Odense", "Studietur"),
    "KØRSEL": ("Kørsel til borgerbesøg", "Kørsel mellem institutioner", "Tilsynsbesøg"),
    "REPRÆSENTATION": ("Frokost med samarbejdspartner", "Møde med forældrebestyrelse", "Afskedsreception"),
    "KURSUS": ("Kursus i GDPR", "Efteruddannelse", "Temadag om økonomi"),
    "INDKØB": ("Materialer til værksted", "Småindkøb til arrangement", "Kontorartikler"),
    "ANDET": ("Diverse", "Gebyr"),
}
P_SELF_APPROVED = 0.02
P_OTHER_APPROVER = 0.04
P_NO_RECEIPT = 0.04
P_NO_PURPOSE = 0.03
P_NO_PARTICIPANTS = 0.25  # of representation claims
P_DUPLICATE = 0.02  # the same expense claimed again
P_LATE = 0.03  # submitted more than 90 days after the expense
P_REJECTED = 0.04
P_RETURNED = 0.03  # returned to the employee (and left so)
P_SLOW_PAYMENT = 0.08  # paid out later than the 30-day limit
LATE_DAYS = 90
PAY_LIMIT_DAYS = 30
FLAGS = ("self_approved", "approver_not_manager", "no_receipt", "no_purpose",
         "representation_without_participants", "possible_duplicate", "late_submission")


@dataclass
class Claim:
    cid: str
    user: int
    dept: str
    expense_day: int
    submit_day: int
    amount: int  # cents
    kind: str
    purpose: str
    receipt: bool
    participants: str
    force: str = ""  # a control this claim breaks on purpose ("self", "other", ...; see write_claims)
    # versions: (time, status, approver user index or -1, approved day or -1, paid day or -1)
    versions: list[tuple[int, str, int, int, int]] = field(default_factory=list)


@dataclass
class ClaimCounts:
    claims: int = 0  # distinct claims written
    versions: int = 0  # rows written
    at_watermark: dict[str, int] = field(default_factory=dict)


def write_claims(rng: random.Random, cal: Calendar, world: World, writer: ExtractWriter, start_day: int,
                 end_day: int) -> ClaimCounts:
    """Write the claims of the period into the `udlaeg` extracts; return the counts at `end_day`."""
    R = rng.random
    users = world.users
    claimants = [i for i, u in enumerate(users) if u.dept != "KS" and u.role in ("employee", "manager")]
    directors = list(world.directors.values())
    managers = [i for i, u in enumerate(users) if u.role == "manager" and u.dept != "KS"]
    per_month = max(10, round(len(claimants) * 0.2))
    claims: list[Claim] = []
    n_days = end_day - start_day + 1
    total = max(1, round(per_month * n_days / 30.4))
    end_t = end_day * DAY + DAY - 1
    # the first claims break one control each, so every flag occurs even in a small sample
    forced = ("no_receipt", "no_purpose", "no_participants", "duplicate", "late", "self", "other")
    for k in range(total):
        force = forced[k] if k < len(forced) else ""
        submit_day = cal.nb(start_day + int(R() * n_days))
        if submit_day > end_day:
            submit_day = cal.pb(end_day)
        u = rng.choice(directors) if R() < 0.02 else rng.choice(claimants)
        user = users[u]
        if user.versions[0][0] // DAY > submit_day:  # not hired yet: a colleague claims instead
            u = claimants[0]
            user = users[u]
        kind = rng.choices([t for t, _ in EXPENSE_TYPES], weights=[w for _, w in EXPENSE_TYPES])[0]
        if force == "no_participants":
            kind = "REPRÆSENTATION"
        late = R() < P_LATE or force == "late"
        expense_day = submit_day - (rng.randint(LATE_DAYS + 1, 200) if late else rng.randint(0, 30))
        amount = max(2500, int(rng.lognormvariate(0, 0.7) * TYPICAL_DKK[kind] * 100))
        purpose = "" if R() < P_NO_PURPOSE or force == "no_purpose" else rng.choice(PURPOSES[kind])
        participants = ""
        if kind == "REPRÆSENTATION" and R() >= P_NO_PARTICIPANTS and force != "no_participants":
            participants = ", ".join(rng.sample(("Borgmester", "Skoleleder", "Konsulent fra KL", "Bestyrelsen",
                                                 "To medarbejdere", "Leverandørens projektleder"), 2))
        claim = Claim(f"UDL-{k + 1:07d}", u, user.dept, expense_day, submit_day, amount, kind, purpose,
                      R() >= P_NO_RECEIPT and force != "no_receipt", participants)
        claim.force = force
        claims.append(claim)
        if R() < P_DUPLICATE or force == "duplicate":  # the same expense claimed again a little later (e.g. paper and app)
            again = Claim(claim.cid + "-2", u, claim.dept, expense_day, cal.add_bank(submit_day, rng.randint(1, 10)),
                          amount, kind, purpose, claim.receipt, participants)
            claims.append(again)
    claims.sort(key=lambda c: (c.submit_day, c.cid))
    for i, c in enumerate(claims):
        c.cid = f"UDL-{i + 1:07d}"
        _workflow(rng, cal, world, c, managers)

    # rows: the last version within each extract period, as for the other entities
    pod = writer.pod
    bufs = writer.bufs[UDLAEG]
    counts = ClaimCounts()
    uids = [u.uid for u in users]
    ds = cal.day_str
    for c in claims:
        n = len(c.versions)
        wrote = False
        for i, (t, status, approver, approved, paid) in enumerate(c.versions):
            if t > end_t:
                break
            p = pod[t // DAY]
            if i + 1 < n and c.versions[i + 1][0] <= end_t and pod[c.versions[i + 1][0] // DAY] == p:
                continue
            bufs[p].append(
                f"{c.cid};{uids[c.user]};{c.dept};{ds[c.expense_day]};{ds[c.submit_day]};{fmt_cents(c.amount)};"
                f"{c.kind};{csv_field(c.purpose)};{'J' if c.receipt else 'N'};{csv_field(c.participants)};"
                f"{uids[approver] if approver >= 0 else ''};{status};{ds[approved] if approved >= 0 else ''};"
                f"{ds[paid] if paid >= 0 else ''};{cal.ts(t)}\r\n")
            counts.versions += 1
            wrote = True
        counts.claims += wrote
    counts.at_watermark = _at_watermark(claims, world, end_day)
    return counts


def _workflow(rng: random.Random, cal: Calendar, world: World, c: Claim, managers: list[int]) -> None:
    R = rng.random
    t = c.submit_day * DAY + rng.randint(8 * 3600, 20 * 3600)
    c.versions.append((t, "INDSENDT", -1, -1, -1))
    r = R()
    day = cal.add_bank(c.submit_day, rng.randint(1, 12))
    t = day * DAY + rng.randint(8 * 3600, 16 * 3600)
    if r < P_REJECTED and not c.force:
        c.versions.append((t, "AFVIST", -1, -1, -1))
        return
    if r < P_REJECTED + P_RETURNED and not c.force:
        c.versions.append((t, "RETURNERET", -1, -1, -1))
        return
    leder = world.version_at_day(c.user, day)[2]
    approver = world.by_uid.get(leder, -1) if leder else -1
    r = R()
    if c.force == "self" or (not c.force and (r < P_SELF_APPROVED or approver < 0 and r < 0.5)):
        approver = c.user
    elif c.force == "other" or r < P_SELF_APPROVED + P_OTHER_APPROVER or approver < 0:
        approver = next(m for m in managers[int(r * len(managers)):] + managers if m != approver)
    c.versions.append((t, "GODKENDT", approver, day, -1))
    pay = cal.add_bank(day, rng.randint(PAY_LIMIT_DAYS // 2 + 3, 45) if R() < P_SLOW_PAYMENT else rng.randint(1, 10))
    c.versions.append((pay * DAY + rng.randint(6 * 3600, 8 * 3600), "UDBETALT", approver, day, pay))


def _at_watermark(claims: list[Claim], world: World, D: int) -> dict[str, int]:
    """R16 at D: each claim in its version valid at D, counted when submitted by D."""
    counted = []
    for c in claims:
        valid = [v for v in c.versions if v[0] // DAY <= D]
        if not valid or c.submit_day > D:
            continue
        counted.append((c, valid[-1]))
    same = Counter((c.user, c.expense_day, c.amount) for c, _ in counted)
    out = Counter()
    for c, (_, status, approver, approved, paid) in counted:
        out["claims"] += 1
        is_open = status not in ("UDBETALT", "AFVIST")
        if paid >= 0 and paid <= D:
            out["paid"] += 1
            out["paid_within_limit"] += paid - c.submit_day <= PAY_LIMIT_DAYS
        manager = world.version_at_day(c.user, approved if approved >= 0 else D)[2]
        flags = {
            "self_approved": approver == c.user,
            "approver_not_manager": approver >= 0 and world.users[approver].uid != manager,
            "no_receipt": not c.receipt,
            "no_purpose": not c.purpose,
            "representation_without_participants": c.kind == "REPRÆSENTATION" and not c.participants,
            "possible_duplicate": same[(c.user, c.expense_day, c.amount)] > 1,
            "late_submission": c.submit_day - c.expense_day > LATE_DAYS,
        }
        for k, v in flags.items():
            out[k] += v
        flagged = any(flags.values())
        out["open"] += is_open
        out["flagged"] += flagged
        out["worklist"] += is_open or flagged
    return {k: out[k] for k in ("claims", "open", "flagged", "worklist", "paid", "paid_within_limit") + FLAGS}
