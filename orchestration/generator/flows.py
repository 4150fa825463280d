"""The life of each invoice and credit note: purchase order, goods receipts, workflow events.

`Flows.document(day)` makes one document received on `day`: it decides everything about it up
front (supplier, purchase order, defects, routing, approval, posting, payment), builds its
events in time order, and appends the CSV rows of every source it touches to the writer's
buffers (events, invoice versions, PO-line versions, goods receipts). Nothing about a document
is kept afterwards except a few counters and two small rings (recent documents for duplicates,
recent POs for wrong PO numbers), so memory does not grow with the number of documents.

Rows dated after the end of the generated period are never written: at the end some invoices are
still in process, some overdue, some blocked.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections import defaultdict

from orchestration.loading.contract import DEPARTMENTS, REASON_CODES

from . import names
from .clock import DAY, Calendar, csv_field, fmt_cents, fmt_qty
from .world import DEPARTMENT_LATE, Supplier, World
from .writer import FAKTURAER, HAENDELSER, ORDRER, VAREMODTAGELSER, ExtractWriter

# --- shares (tuned so that the realised shares land where BRIEF.md puts them) ------------------
P_CREDIT = 0.03  # credit notes among documents
P_DUPLICATE = 0.004  # a supplier sends an invoice a second time
P_PO_KRAEVER = 1.0  # invoices from suppliers that require a PO come from a PO
P_PO_OTHER = 0.40  # ... from other suppliers
P_FEE_LINE = 0.15  # POs with a fee line
P_BLOCK = 0.008  # posted invoices that get a payment block
P_STALE = 0.0002  # invoices whose `fakturaer` rows stop being updated after posting (DQ check)
P_TWO_APPROVALS = 0.06  # a second approval by the manager (always above 100,000 DKK)
LATE_FACTOR = 1.35  # scales DEPARTMENT_LATE: escalation and rescues pull some back on time
P_AUTO_ESCALATION = 0.5  # invoices lying 22+ days that the automatic escalation catches
P_WRONG_DEPT = 0.006  # invoices first routed straight to another department's user
P_FORWARD_ON = 0.5  # ... which that department forwards on itself (else it returns them to KS)
P_BLOCK_AGAIN = 0.3  # lifted payment blocks that are set again before payment
P_STUCK = 0.0003  # invoices never routed: they lie in Kvantum's inbox without a holder
# Invoices the generator places near the end of the period so that R14's worklist shows each
# situation at the data watermark: days before the end -> what (docs/generator.md).
FORCED = {27: "no_access", 26: "unknown_manager", 25: "stuck", 24: "cycle_a", 23: "no_manager"}
# receipts of a PO's goods: before the invoice arrives / after it (it waits) / never
P_GR_AFTER = 0.03
P_GR_NEVER = 0.012
P_GR_PARTIAL = 0.06
P_GR_RETURN = 0.015
SLOPPY_ERRORS = {  # (PO missing, PO wrong, payment details missing, payment details wrong)
    "": (0.006, 0.003, 0.002, 0.002),
    "po": (0.20, 0.12, 0.005, 0.005),
    "pay": (0.006, 0.003, 0.10, 0.15),
    "both": (0.12, 0.08, 0.06, 0.10),
}
CATEGORY_SIZE = {"KONTOR": 0.5, "SERVICE": 1.5, "IT": 1.5, "BYGGERI": 2.5, "FØDEVARER": 0.5, "MEDICO": 0.8,
                 "TRANSPORT": 0.6, "KONSULENT": 2.0, "ENERGI": 4.0}
LEVERANDOER_REASONS = frozenset(k for k, v in REASON_CODES.items() if v == "LEVERANDØR")

# event codes
MOD, TIL, VID, ESK, GOD, RET, AFV, SPA, OPH, KOR, BOG, BET, ANN = (
    "MODTAGET", "TILDELT", "VIDERESENDT", "ESKALERET", "GODKENDT", "RETURNERET", "AFVIST",
    "SPÆRRET", "SPÆRRE_OPHÆVET", "KORRIGERET", "BOGFØRT", "BETALT", "ANNULLERET")
HOLDER_EVENTS = frozenset((TIL, VID, ESK, RET))
STATUS_OF = {MOD: "MODTAGET", TIL: "I_GODKENDELSE", VID: "I_GODKENDELSE", ESK: "I_GODKENDELSE",
             RET: "RETURNERET", GOD: "GODKENDT", BOG: "BOGFØRT", BET: "BETALT", AFV: "AFVIST", ANN: "ANNULLERET"}
COMMENT_RATE = {RET: 0.6, AFV: 0.5, KOR: 0.3, SPA: 0.4, VID: 0.08, ANN: 0.5, GOD: 0.01}
COMMENTS = {k: tuple(csv_field(c) for c in v) for k, v in names.COMMENTS.items()}


class Stats:
    """Counters for the summary, all as of the end of the generated period."""

    def __init__(self) -> None:
        self.c: dict[str, int] = defaultdict(int)
        self.amount_overdue = 0
        # (supplier rank, year) -> [documents, error documents] for R10
        self.supplier_year: dict[tuple[int, int], list[int]] = {}


class Flows:
    def __init__(self, rng: random.Random, cal: Calendar, world: World, writer: ExtractWriter,
                 start_day: int, end_day: int, month_of_day: list[int], n_months: int):
        self.rng = rng
        self.cal = cal
        self.world = world
        self.w = writer
        self.start_day = start_day
        self.end_day = end_day
        self.end_t = end_day * DAY + DAY - 1
        self.month_of_day = month_of_day
        self.n_months = n_months
        self.stats = Stats()
        self.uids = [u.uid for u in world.users]
        self.loss_t = [u.loss_t for u in world.users]
        self.is_ks = [u.dept == "KS" for u in world.users]
        self.ev_id = 0
        self.vm_id = 0
        self.bil_n: dict[int, int] = defaultdict(int)
        self.po_n: dict[int, int] = defaultdict(int)
        self.recent_docs: list[tuple] = []
        self.recent_pos: list[tuple[str, int]] = []
        self._ring_i = 0
        self._po_ring_i = 0
        self.year_of_day = [d.year for d in cal.dates]
        # EUR rate per day, moving a little around the peg
        self.eur = [round(7.4600 + 0.0045 * math.sin(d / 37.0) + 0.0015 * math.sin(d / 5.3), 4) for d in range(cal.n_days)]
        self.max_event_t = -1
        rnd = self._rnd = rng.random
        # randint(a, b) without its overhead (the flows call it millions of times)
        self.ri = lambda a, b: a + int(rnd() * (b - a + 1))
        self.late_base = [DEPARTMENT_LATE[d] for d in DEPARTMENTS]
        self.forced = {end_day - k: what for k, what in FORCED.items() if end_day - k >= start_day}

    # --- small helpers -----------------------------------------------------------------------
    def new_event_id(self) -> str:
        self.ev_id += 1
        return f"H-{self.ev_id:09d}"

    def _at(self, day: int, t_prev: int) -> int:
        """An office time on `day`, after `t_prev`."""
        rnd = self._rnd
        t = day * DAY + 27000 + int(rnd() * 30601)
        return t if t > t_prev else t_prev + 60 + int(rnd() * 3541)

    def _comment(self, code: str) -> str:
        rate = COMMENT_RATE.get(code)
        if rate and self.rng.random() < rate:
            return self.rng.choice(COMMENTS[code])
        return ""

    def _manager(self, u: int, t: int) -> int:
        leder = self.world.users[u].leder_at(t)
        return self.world.by_uid.get(leder, -1) if leder else -1

    def _other_unit(self, dept: str):
        """A unit of another department (an invoice the routing sends to the wrong place)."""
        w = self.world
        while True:
            unit = w.units[bisect_right(w.unit_cw, self.rng.random() * w.unit_total)]
            if unit.dept != dept:
                return unit

    # --- one document ------------------------------------------------------------------------
    def document(self, day: int) -> None:
        rng = self.rng
        R = rng.random
        ri = self.ri
        cal = self.cal
        world = self.world
        st = self.stats.c
        t0 = day * DAY + ri(4 * 3600, 22 * 3600)  # MODTAGET
        year = self.year_of_day[day]

        # 1. what arrives -----------------------------------------------------------------------
        dup = None
        is_credit = R() < P_CREDIT
        force = self.forced.pop(day, None) if not is_credit and day in self.forced else None
        if not is_credit and force is None and self.recent_docs and R() < P_DUPLICATE:
            dup = self.recent_docs[int(R() * len(self.recent_docs))]
        po_lines = None  # [(line no, is_fee, qty milli, price cents, text, receipts [(day, qty)])]
        if dup is not None:
            (sup, fnr, fdag, afs, due, belob, valuta, belob_dkk, ordre, po_state, ean, unit_i, kanal, betinfo,
             pay_err, fee_po, gr) = dup
            unit = world.units[unit_i]
            sv = sup.version_at(t0)
            kraever = sv[5]
            po_ok = po_state == "ok"
            price_dev = unagreed_fee = wrong_ean = False
        else:
            sup = world.pick_supplier(t0)
            unit_i = bisect_right(world.unit_cw, R() * world.unit_total)
            if force in world.gap_units:
                unit_i = world.gap_units[force]
            unit = world.units[unit_i]
            sv = sup.version_at(t0)
            kraever = sv[5]
            p_po_missing, p_po_wrong, p_pay_missing, p_pay_wrong = SLOPPY_ERRORS[sup.sloppy]
            foreign = sup.foreign
            # channel and dates
            r = R()
            kanal = ("PEPPOL" if r < 0.8 else "MANUEL") if foreign else ("NEMHANDEL" if r < 0.70 else ("PEPPOL" if r < 0.97 else "MANUEL"))
            if kanal == "MANUEL":
                fdag = day - ri(2, 12)
                afs = None if R() < 0.6 else fdag
            else:
                afs = day - (1 if R() < 0.2 else 0)
                fdag = afs - (ri(1, 5) if R() < 0.15 else 0)
            term = sup.term if R() < 0.95 else 30
            due = fdag + term
            # amount, and the purchase order behind it
            size = CATEGORY_SIZE[sup.category]
            fee_po = False
            price_dev = unagreed_fee = False
            if is_credit:
                target = -max(5000, int(rng.lognormvariate(math.log(150000 * size), 1.3)))
                ordre = ""
                po_ok = False
                if sup.last_po and R() < (0.85 if kraever == "J" else 0.35):
                    ordre, po_ok = sup.last_po, True
                po_state = "ok" if ordre else "none"
                gr = ()
            else:
                target = max(5000, int(rng.lognormvariate(math.log(350000 * size), 1.8)))
                has_po = R() < (P_PO_KRAEVER if kraever == "J" else P_PO_OTHER)
                if has_po:
                    po_lines, po_no, fee_po, target, po_meta = self._purchase_order(sup, unit, day, target)
                    r = R()
                    if r < p_po_missing:
                        ordre, po_state = "", "missing"
                    elif r < p_po_missing + p_po_wrong:
                        ordre, po_state = self._wrong_po(sup), "wrong"
                    else:
                        ordre, po_state = po_no, "ok"
                    po_ok = po_state == "ok"
                    if not fee_po and R() < 0.02:
                        unagreed_fee = True
                        target += ri(59, 150) * 125
                    elif R() < 0.02:
                        price_dev = True
                        target += int(target * rng.uniform(0.02, 0.12))
                    gr = tuple((d, q) for ln in po_lines if not ln[1] for d, q in ln[5])
                else:
                    ordre, po_state, po_ok, gr = "", "none", False, ()
            if foreign:
                valuta = "EUR"
                rate = self.eur[day]
                belob = round(target / rate)
                belob_dkk = round(belob * rate)
            else:
                valuta, belob, belob_dkk = "DKK", target, target
            # payment details as stated on the invoice
            reg = sv[4]
            r = R()
            pay_err = True
            if r < p_pay_missing:
                betinfo = ""
            elif r < p_pay_missing + p_pay_wrong:
                betinfo = self.world._dk_payment() if not foreign else "IBAN DK" + str(ri(10**15, 10**16 - 1))
            elif sup.pay_change_t <= t0 < sup.pay_change_t + 45 * DAY and R() < 0.3:
                betinfo = sup.versions[0][4]  # still the old account, weeks after the change
            else:
                pay_err = False
                betinfo = reg
                if R() < 0.1:  # the same details written differently: equal once spaces/case are ignored
                    betinfo = betinfo.lower() if R() < 0.5 else betinfo.replace(" ", "", 1)
            wrong_ean = R() < (0.04 if sup.sloppy else 0.003)
            ean = world.units[bisect_right(world.unit_cw, R() * world.unit_total)].ean if wrong_ean else unit.ean
            if wrong_ean and ean == unit.ean:
                wrong_ean = False
            fnr = self._invoice_number(sup, fdag)
        dept = unit.dept
        dept_i = DEPARTMENTS.index(dept)
        kind = "KREDITNOTA" if is_credit else "FAKTURA"
        if not is_credit and dup is None:
            self._remember((sup, fnr, fdag, afs, due, belob, valuta, belob_dkk, ordre, po_state, unit.ean, unit_i, kanal,
                            betinfo, pay_err, fee_po, gr))
        bil_year = self.bil_n
        bil_year[year] += 1
        bil = f"K{year}-{bil_year[year]:07d}"
        po_error = kraever == "J" and not po_ok
        po_problem = po_state in ("missing", "wrong") and kraever == "J"

        # 2. the workflow -----------------------------------------------------------------------
        ev: list[tuple[int, str, int, int, str, str]] = [(t0, MOD, -1, -1, "", "")]
        t = t0 + ri(2, 90)
        p_ks = 0.045
        if wrong_ean:
            p_ks = 0.9
        if po_problem:
            p_ks = max(p_ks, 0.65)
        if dup is not None:
            p_ks = max(p_ks, 0.5)
        if fee_po:
            p_ks = max(p_ks, 0.25)
        if unagreed_fee or price_dev:
            p_ks = max(p_ks, 0.25)
        if pay_err:
            p_ks = max(p_ks, 0.3)
        if kanal == "MANUEL":
            p_ks = max(p_ks, 0.35)
        stuck = force == "stuck" or (not is_credit and R() < P_STUCK)
        via_ks = not stuck and force is None and R() < p_ks
        ks_staff = world.ks_staff
        fixed_po = fixed_pay = fixed_ean = fixed_fee = False
        ended = None  # AFVIST / ANNULLERET
        last_day = day
        holder = -1
        if stuck:
            pass
        elif via_ks:
            ks = ks_staff[int(R() * len(ks_staff))]
            ev.append((t, TIL, -1, ks, "", ""))
            last_day = cal.add_bank(day, (0, 1, 1, 1, 2, 3)[int(R() * 6)])
            t = self._at(last_day, t)
            if dup is not None and R() < 0.85:
                if R() < 0.6:
                    ended = (AFV, ks, "DUBLET")
                else:
                    ended = (ANN, ks, "")
            elif po_problem and R() < 0.75:
                reason = "MANGLER_ORDRENUMMER" if po_state == "missing" else "FORKERT_ORDRENUMMER"
                if R() < 0.3:
                    ended = (AFV, ks, reason)
                else:
                    ev.append((t, KOR, ks, -1, reason, self._comment(KOR)))
                    t += ri(30, 900)
                    fixed_po = True
            if ended is None and pay_err and R() < 0.5:
                if R() < 0.2:
                    ended = (AFV, ks, "FORKERT_BETALINGSOPLYSNING")
                else:
                    ev.append((t, KOR, ks, -1, "FORKERT_BETALINGSOPLYSNING", self._comment(KOR)))
                    t += ri(30, 900)
                    fixed_pay = True
            if ended is None and wrong_ean and R() < 0.6:
                ev.append((t, KOR, ks, -1, "FORKERT_MODTAGER", self._comment(KOR)))
                t += ri(30, 900)
                fixed_ean = True
            if ended is None and (fee_po or unagreed_fee or price_dev) and R() < 0.7:
                reason = "UAFTALT_GEBYR" if unagreed_fee else "PRISAFVIGELSE"
                ev.append((t, KOR, ks, -1, reason, self._comment(KOR)))
                t += ri(30, 900)
                fixed_fee = True
            if ended is None and R() < 0.002:
                ended = (ANN, ks, "")
            if ended is None:
                holder = world.assignee(unit, t)
                ev.append((t, VID, ks, holder, "", self._comment(VID)))
        else:
            wrong_dept = force is None and R() < P_WRONG_DEPT
            holder = world.assignee(self._other_unit(dept) if wrong_dept else unit, t)
            ev.append((t, TIL, -1, holder, "", ""))
        holder_t = t

        # returned by the department to KS (or forwarded on by the wrong department)?
        if ended is None and not stuck:
            reason = ""
            if not via_ks and world.users[holder].dept != dept:
                if R() < P_FORWARD_ON:
                    last_day = cal.add_bank(max(last_day, day), ri(1, 4))
                    t = self._at(last_day, t)
                    right = world.assignee(unit, t)
                    ev.append((t, VID, holder, right, "", self._comment(VID)))
                    holder, holder_t = right, t
                else:
                    reason = "FORKERT_FORVALTNING"
            elif wrong_ean and not fixed_ean and R() < 0.5:
                reason = "FORKERT_MODTAGER"
            elif dup is not None and R() < 0.6:
                reason = "DUBLET"
            elif po_problem and not fixed_po and R() < 0.12:
                reason = "FORKERT_ORDRENUMMER" if po_state == "wrong" else "MANGLER_ORDRENUMMER"
            elif (price_dev or unagreed_fee) and not fixed_fee and R() < 0.12:
                reason = "UAFTALT_GEBYR" if unagreed_fee else "PRISAFVIGELSE"
            elif pay_err and not fixed_pay and R() < 0.04:
                reason = "FORKERT_BETALINGSOPLYSNING"
            elif po_lines is not None and not gr and R() < 0.15:
                reason = "MANGLER_VAREMODTAGELSE"
            elif R() < (0.008 if is_credit else 0.0025):
                r = R()
                reason = "IKKE_BESTILT" if r < 0.5 else ("PRISAFVIGELSE" if r < 0.8 else "ANDET")
            if reason:
                last_day = cal.add_bank(max(last_day, day), ri(1, 6))
                t = self._at(last_day, t)
                ks = ks_staff[int(R() * len(ks_staff))]
                ev.append((t, RET, holder, ks, reason, self._comment(RET)))
                last_day = cal.add_bank(last_day, ri(1, 4))
                t = self._at(last_day, t)
                if reason in LEVERANDOER_REASONS and R() < (0.8 if reason == "DUBLET" else 0.35):
                    ended = (AFV, ks, reason)
                else:
                    if R() < 0.5:
                        ev.append((t, KOR, ks, -1, reason, self._comment(KOR)))
                        t += ri(30, 900)
                    holder = world.assignee(unit, t)
                    ev.append((t, VID, ks, holder, "", self._comment(VID)))
                    holder_t = t

        # 3. approval, posting, payment ------------------------------------------------------
        paid_t = None
        if stuck:
            end_t_doc = t0
        elif ended is not None:
            code, who, reason = ended
            ev.append((t, code, who, -1, reason, self._comment(code)))
            end_t_doc = t
        else:
            if is_credit:
                a = cal.nb(day + int(rng.lognormvariate(0.9, 0.8)))
            else:
                m = self.month_of_day[day]
                progress = m / max(1, self.n_months - 1)
                p_late = self.late_base[dept_i] * (1.2 - 0.4 * progress) * LATE_FACTOR
                pmax = cal.pb(due)
                a_max = cal.pb(pmax - 1)
                if R() < p_late:
                    pay_day = cal.nb(due + 1 + min(60, int(rng.expovariate(1 / 7.0))))
                    a = cal.pb(pay_day - 1)
                else:
                    d = min(day + int(rng.lognormvariate(1.15, 0.85)), a_max)
                    a = cal.pb(d)
                if a < day:
                    a = cal.nb(day)
            # goods that arrive after the invoice: the approver waits for them
            if po_lines is not None and gr:
                first_gr = min(d for d, _ in gr)
                if first_gr > a:
                    a = cal.nb(first_gr + (1 if R() < 0.5 else 0))
            if a < last_day:
                a = last_day
            approver = holder
            if force is not None:
                a = max(a, self.end_day + 5)  # still waiting for approval at the end of the period
            # the holder loses Kvantum access before approving: stuck until KS forwards it
            t_a = self._at(a, t)
            lt = self.loss_t[holder]
            auto_esc = force is None and R() < P_AUTO_ESCALATION
            escalated = False
            if holder_t < lt < t_a:
                lday = lt // DAY
                rescue = cal.nb(lday + ri(3, 25))
                e = cal.nb(day + ri(14, 21))
                mgr = self._manager(holder, lt)
                if mgr < 0:
                    mgr = world.units[unit_i].manager
                if auto_esc and lday < e < rescue:
                    ev.append((self._at(e, max(t, lt)), ESK, -1, mgr, "", ""))
                    rescue = e
                    escalated = True
                else:
                    ks = ks_staff[int(R() * len(ks_staff))]
                    ev.append((self._at(rescue, max(t, lt)), VID, ks, mgr, "", self._comment(VID)))
                holder = approver = mgr
                a = cal.add_bank(rescue, ri(1, 5))
                t = ev[-1][0]
                t_a = self._at(a, t)
            elif auto_esc and a - day >= 22 and not is_credit:
                e = cal.nb(day + ri(14, 21))
                mgr = self._manager(holder, t)
                if e < a and e * DAY > t and mgr >= 0:
                    t = self._at(e, t)
                    ev.append((t, ESK, -1, mgr, "", ""))
                    holder = approver = mgr
                    escalated = True
                    a = min(a, cal.add_bank(e, ri(1, 6)))
                    t_a = self._at(a, t)
            two = not escalated and not is_credit and (belob_dkk >= 10_000_000 or R() < P_TWO_APPROVALS)
            if two:
                mgr = self._manager(holder, t)
                if mgr >= 0:
                    a1 = max(last_day, cal.add_bank(a, -ri(0, 2)) if a - 3 > day else a)
                    t1 = self._at(a1, t)
                    ev.append((t1, GOD, holder, -1, "", self._comment(GOD)))
                    approver = mgr
                    t_a = self._at(a, t1)
            ev.append((t_a, GOD, approver, -1, "", self._comment(GOD)))
            post_day = cal.add_bank(a, 1)
            t_post = post_day * DAY + ri(5 * 3600, 5 * 3600 + 2700)
            ev.append((t_post, BOG, -1, -1, "", ""))
            pay_day = post_day
            if not is_credit and R() < P_BLOCK:
                ks = ks_staff[int(R() * len(ks_staff))]
                t_b = post_day * DAY + ri(9 * 3600, 14 * 3600)
                r = R()
                reason = ("FORKERT_BETALINGSOPLYSNING" if r < 0.4 else "PRISAFVIGELSE" if r < 0.65
                          else "DUBLET" if r < 0.8 else "ANDET")
                ev.append((t_b, SPA, ks, -1, reason, self._comment(SPA)))
                r = R()
                if r < 0.75:
                    pay_day = cal.add_bank(post_day, ri(1, 20))
                elif r < 0.9:
                    pay_day = cal.add_bank(post_day, ri(30, 150))
                else:
                    pay_day = None
                if pay_day is not None:
                    t_o = pay_day * DAY + ri(9 * 3600, 14 * 3600)
                    ev.append((t_o, OPH, ks, -1, "", ""))
                    if R() < P_BLOCK_AGAIN:  # set again (another problem found), then lifted or not
                        b2 = cal.add_bank(pay_day, ri(0, 3))
                        t_b2 = self._at(b2, t_o)
                        ev.append((t_b2, SPA, ks, -1, "ANDET", self._comment(SPA)))
                        if R() < 0.8:
                            pay_day = cal.add_bank(b2, ri(1, 15))
                            ev.append((pay_day * DAY + ri(9 * 3600, 14 * 3600), OPH, ks, -1, "", ""))
                        else:
                            pay_day = None
            if pay_day is not None:
                paid_t = pay_day * DAY + ri(15 * 3600 + 1800, 17 * 3600 + 1800)
                ev.append((paid_t, BET, -1, -1, "", ""))
            end_t_doc = paid_t if paid_t is not None else t_post

        # 4. rows -------------------------------------------------------------------------------
        if po_lines is not None:
            close = None
            if paid_t is not None:
                close = (paid_t + ri(600, 7200), "LUKKET")
            elif ended is not None and R() < 0.3:
                close = (end_t_doc + DAY, "ANNULLERET")
            self._emit_po(po_lines, po_no, po_meta, sup.sid, dept, close)
        supplier_caused = self._emit_document(
            bil, f"{bil};{fnr};{kind};{sup.sid};{cal.day_str[afs] if afs is not None else ''};{cal.day_str[fdag]};"
                 f"{cal.day_str[day]};{cal.day_str[due]};{fmt_cents(belob)};{valuta};{fmt_cents(belob_dkk)};{ordre};"
                 f"{ean};{dept};{kanal};{betinfo};",
            ev, is_credit, day, due, belob_dkk, gr if po_ok else None)
        # R10 counters and shares
        st["documents"] += 1
        st["credit_notes" if is_credit else "invoices"] += 1
        if ordre:
            st["with_po_number"] += 1
        if po_lines is not None:
            st["purchase_orders"] += 1
            st["fee_pos"] += fee_po
        key = (sup.rank, year)
        sy = self.stats.supplier_year.get(key)
        if sy is None:
            sy = self.stats.supplier_year[key] = [0, 0]
        sy[0] += 1
        if po_error or (pay_err and not is_credit) or supplier_caused:
            sy[1] += 1

    # --- pieces ------------------------------------------------------------------------------
    def _remember(self, rec: tuple) -> None:
        ring = self.recent_docs
        if len(ring) < 500:
            ring.append(rec)
        else:
            ring[self._ring_i] = rec
            self._ring_i = (self._ring_i + 1) % 500

    def _invoice_number(self, sup: Supplier, fdag: int) -> str:
        sup.inv_counter += 1 + (self.rng.random() < 0.3)
        n = sup.inv_counter
        f = sup.inv_fmt
        if f == 0:
            return f"F-{n}"
        if f == 1:
            return str(n)
        if f == 2:
            return f"{self.year_of_day[fdag]}-{n:05d}"
        if f == 3:
            return f"R-{n}"
        if f == 4:
            return f"INV{n:07d}"
        return f"{n:08d}"

    def _wrong_po(self, sup: Supplier) -> str:
        rng = self.rng
        pos = self.recent_pos
        if pos and rng.random() < 0.5:
            po, rank = pos[int(rng.random() * len(pos))]
            if rank != sup.rank:
                return po  # another supplier's PO
        r = rng.random()
        if r < 0.4:
            return str(rng.randint(4500000000, 4599999999))  # a number from the supplier's own system
        if r < 0.7:
            return f"IO-{rng.randint(2019, 2023)}-{rng.randint(1, 999999):06d}"
        return "Se aftale" if r < 0.85 else "Rekvisition " + str(rng.randint(100, 9999))

    def _purchase_order(self, sup: Supplier, unit, day: int, target: int):
        """A PO created some days before the invoice, with lines summing to about `target`
        (incl. 25% VAT for Danish suppliers), and its goods receipts. Returns (lines, PO number,
        has fee line, invoice amount in cents)."""
        rng = self.rng
        R = rng.random
        ri = self.ri
        cal = self.cal
        lead = max(1, int(rng.triangular(1, 35, 8)))
        cday = cal.pb(day - lead)
        cyear = self.year_of_day[cday]
        self.po_n[cyear] += 1
        po_no = f"IO-{cyear}-{self.po_n[cyear]:06d}"
        ct = self._at(cday, 0)
        creator = self.world.assignee(unit, ct)
        excl = target / (1.0 if sup.foreign else 1.25)
        r = R()
        n_lines = 1 if r < 0.5 else (2 if r < 0.75 else (3 if r < 0.9 else 4))
        _, catalogue = names.CATEGORIES[sup.category]
        shares = [R() + 0.2 for _ in range(n_lines)]
        tot = sum(shares)
        lines = []
        total = 0
        gr_mode = R()
        for i in range(n_lines):
            text, lo, hi, maxq = catalogue[int(R() * len(catalogue))]
            amount = excl * shares[i] / tot
            if maxq == 1:
                qty = 1
                price = max(100, round(amount))
            else:
                qty = max(1, min(maxq, round(amount / 100 / rng.uniform(lo, hi))))
                price = max(100, round(amount / qty))
            total += qty * price
            receipts = []
            if gr_mode >= P_GR_NEVER:
                if gr_mode < P_GR_NEVER + P_GR_AFTER:
                    gday = cal.add_bank(day, ri(1, 10))
                else:
                    gday = cday + ri(1, max(1, lead))
                if qty >= 2 and R() < P_GR_PARTIAL:
                    q1 = ri(1, qty - 1)
                    receipts.append((gday, q1 * 1000))
                    receipts.append((gday + ri(1, 7), (qty - q1) * 1000))
                else:
                    receipts.append((gday, qty * 1000))
                if R() < P_GR_RETURN:
                    receipts.append((receipts[-1][0] + ri(1, 10), -ri(1, max(1, qty // 2)) * 1000))
            lines.append((i + 1, False, qty * 1000, price, text, receipts))
        fee = False
        if R() < P_FEE_LINE:
            text, lo, hi = names.FEE_ITEMS[int(R() * len(names.FEE_ITEMS))]
            price = ri(lo, hi) * 100
            total += price
            lines.append((n_lines + 1, True, 1000, price, text, []))
            fee = True
        invoice = total if sup.foreign else round(total * 1.25)
        ring = self.recent_pos
        if len(ring) < 2000:
            ring.append((po_no, sup.rank))
        else:
            ring[self._po_ring_i] = (po_no, sup.rank)
            self._po_ring_i = (self._po_ring_i + 1) % 2000
        sup.last_po = po_no
        return lines, po_no, fee, invoice, (cday, ct, creator, sup.category)

    def _emit_po(self, lines, po_no: str, meta, sid: str, dept: str, close) -> None:
        """PO-line versions (ÅBEN -> (DELVIST_)MODTAGET -> LUKKET/ANNULLERET) and goods receipts."""
        rng = self.rng
        cal = self.cal
        w = self.w
        pod = w.pod
        end_t = self.end_t
        rnd = rng.random
        obufs = w.bufs[ORDRER]
        vbufs = w.bufs[VAREMODTAGELSER]
        st = self.stats.c
        cday, ct, creator, category = meta
        cdate = cal.day_str[cday]
        cuid = self.uids[creator]
        for ln, is_fee, qty, price, text, receipts in lines:
            prefix = (f"{po_no};{ln};{sid};{dept};{cdate};{cuid};{text};{category};{'J' if is_fee else 'N'};"
                      f"{fmt_qty(qty)};{fmt_cents(price)};{fmt_cents(qty * price // 1000)};")
            changes = [(ct, "ÅBEN")]
            got = 0
            for gday, q in receipts:
                gt = gday * DAY + 28800 + int(rnd() * 25201)
                if gt > end_t:
                    break
                self.vm_id += 1
                who = cuid if rnd() < 0.95 else ""
                vbufs[pod[gday]].append(f"VM-{self.vm_id:08d};{po_no};{ln};{cal.day_str[gday]};{fmt_qty(q)};{who}\r\n")
                st["goods_receipts"] += 1
                got += q
                changes.append((max(gt, changes[-1][0] + 1), "MODTAGET" if got >= qty else ("DELVIST_MODTAGET" if got > 0 else "ÅBEN")))
            if close is not None and close[0] <= end_t:
                changes.append((max(close[0], changes[-1][0] + 1), close[1]))
            st["po_lines"] += 1
            n = len(changes)
            for i in range(n):
                tc = changes[i][0]
                p = pod[tc // DAY]
                if i + 1 < n and pod[changes[i + 1][0] // DAY] == p:
                    continue
                obufs[p].append(f"{prefix}{changes[i][1]};{cal.ts(tc)}\r\n")
                st["po_line_versions"] += 1

    def _emit_document(self, bil: str, prefix: str, ev: list, is_credit: bool, day: int, due: int,
                       amount_dkk: int, gr) -> bool:
        """Events (ids in time order within the document) and the document's versions, plus the
        counters of what holds at the end of the period."""
        w = self.w
        pod = w.pod
        cal = self.cal
        uids = self.uids
        end_t = self.end_t
        ebufs = w.bufs[HAENDELSER]
        fbufs = w.bufs[FAKTURAER]
        st = self.stats.c
        stale = self.rng.random() < P_STALE
        status = "MODTAGET"
        block = "N"
        holder = -1
        bogf = betal = ""
        first_til = None
        returned = supplier_caused = posted = closed = paid = approved = blocked_ever = False
        paid_day = None
        changes = []  # (t, status, block, holder id, bogf, betal)
        prev_t = -1
        for t, code, fra, til, reason, comment in ev:
            if t > end_t:
                break
            if t < prev_t:  # never: the flows build events in time order
                raise AssertionError(f"events of {bil} out of order")
            prev_t = t
            self.ev_id += 1
            ebufs[pod[t // DAY]].append(
                f"H-{self.ev_id:09d};{bil};{cal.ts(t)};{code};{uids[fra] if fra >= 0 else ''};"
                f"{uids[til] if til >= 0 else ''};{reason};{comment}\r\n")
            st["events"] += 1
            if code in HOLDER_EVENTS:
                holder = til
                if code == TIL and first_til is None:
                    first_til = til
                if code == RET:
                    returned = True
                    if reason in LEVERANDOER_REASONS:
                        supplier_caused = True
            elif code == GOD:
                approved = True
            elif code == BOG:
                posted = closed = True
                bogf = cal.day_str[t // DAY]
            elif code == BET:
                if not paid:
                    paid_day = t // DAY
                paid = True
                betal = cal.day_str[t // DAY]
            elif code == AFV or code == ANN:
                closed = paid = True
                if code == AFV and reason in LEVERANDOER_REASONS:
                    supplier_caused = True
            elif code == SPA:
                block = "J"
                blocked_ever = True
            elif code == OPH:
                block = "N"
            if code == KOR or (stale and posted and code != BOG):
                continue
            status = STATUS_OF.get(code, status)
            changes.append((t, status, block, holder if not closed else -1, bogf, betal))
        # versions: the state at the last change within each extract period
        n = len(changes)
        for i in range(n):
            tc = changes[i][0]
            p = pod[tc // DAY]
            if i + 1 < n and pod[changes[i + 1][0] // DAY] == p:
                continue
            _, s, b, h, bo, be = changes[i]
            fbufs[p].append(f"{prefix}{s};{b};{uids[h] if h >= 0 else ''};{bo};{be};{cal.ts(tc)}\r\n")
            st["invoice_versions"] += 1
        if stale and paid and posted:
            st["status_disagreements"] += 1
        # shares and the state at the end of the period
        if returned:
            st["returned"] += 1
        if posted:
            st["posted"] += 1
            st["posted_blocked"] += blocked_ever
        if prev_t > self.max_event_t:
            self.max_event_t = prev_t
        if is_credit:
            return supplier_caused
        D = self.end_day
        if first_til is not None:
            st["assigned"] += 1
            st["routed_via_ks"] += self.is_ks[first_til]
        if paid_day is not None and posted:
            st["paid"] += 1
            st["paid_late"] += paid_day > due
        unpaid = not paid
        if unpaid and due < D:
            st["overdue"] += 1
            self.stats.amount_overdue += amount_dkk
        if posted and unpaid and block == "J":
            st["payment_blocked"] += 1
        if not closed:
            st["in_process"] += 1
            lying = D - day
            if 13 <= lying <= 30:
                st["lying_13_30"] += 1
            if lying >= 22:
                st["lying_22_plus"] += 1
                if not approved:
                    st["escalation_candidates"] += 1
            # R14: near due (bank days d with D < d <= due: bank_pos counts the bank days before a day)
            near_due = not approved and due >= D and cal.bank_pos[due + 1] - cal.bank_pos[D + 1] <= 5
            st["near_due"] += near_due
            if near_due or (lying >= 22 and not approved):
                st["escalation_worklist"] += 1
                _, issue = self.world.escalation_target(holder, D)
                if issue:
                    st["escalation_issues"] += 1
                    st["escalation_" + issue.lower()] += 1
            if holder >= 0 and self.loss_t[holder] <= end_t:
                st["holder_without_access"] += 1
            if gr is not None:
                st["in_process_with_po"] += 1
                if sum(q for d, q in gr if d <= D) <= 0:
                    st["missing_goods_receipt"] += 1
        return supplier_caused
