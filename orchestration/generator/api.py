"""`generate()`: write a deterministic synthetic Kvantum drop folder. See docs/generator.md."""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from orchestration.loading.contract import FILE_NAME_PATTERN, SOURCES

from .claims import write_claims
from .clock import DAY, Calendar, add_months, csv_field
from .einvoices import write_einvoices
from .flows import Flows
from .world import World
from .writer import BRUGERE, EXTRACT_MODES, LEVERANDOERER, ExtractWriter, extract_periods

FLUSH_DOCUMENTS = 20_000  # append the buffered rows to the files after this many documents


@dataclass
class GenerationSummary:
    """What `generate()` wrote. Counts are of distinct keys (documents, PO lines, suppliers,
    users) or of rows (events, goods receipts, versions) in the files, bad rows excluded; the
    `at_watermark` counts are states as of the data watermark, as the rules in RULES.md define them."""

    out_dir: str
    seed: int
    extracts: str
    start: dt.date
    end: dt.date
    extract_dates: int  # number of extracts (files per source)
    files: dict[str, int]  # file name -> data rows (bad rows included)
    bytes_written: int
    documents: int
    invoices: int  # Fakturatype FAKTURA
    credit_notes: int  # Fakturatype KREDITNOTA
    invoice_versions: int
    events: int
    purchase_orders: int
    po_lines: int
    po_line_versions: int
    goods_receipts: int
    suppliers: int
    supplier_versions: int
    users: int
    user_versions: int
    data_watermark: dt.date
    shares: dict[str, float]
    at_watermark: dict[str, float]
    status_disagreements: int  # invoices whose `fakturaer` status deliberately lags their events
    expense_claims: int = 0  # distinct claims in `udlaeg`
    expense_claim_versions: int = 0  # rows in `udlaeg`
    # R16 at the data watermark (claims submitted by then, each in its version valid then)
    expense_claims_at_watermark: dict[str, int] = field(default_factory=dict)
    bad_rows: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, kind)
    elapsed_seconds: float = 0.0
    einvoices: dict = field(default_factory=dict)  # with einvoices=True: files, planted findings (generator/einvoices.py)

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("start", "end", "data_watermark"):
            d[k] = d[k].isoformat()
        d["bad_rows"] = [list(b) for b in self.bad_rows]
        return d


def _day_counts(rng: random.Random, cal: Calendar, first: int, last: int, n: int) -> list[int]:
    """`n` documents spread over the days first..last: weekdays carry most, weekends and
    holidays a few (largest remainder, so the month total is exact)."""
    weights = []
    for d in range(first, last + 1):
        date = cal.dates[d]
        w = 1.0 if cal.is_bank[d] else (0.15 if date.weekday() < 5 else (0.12 if date.weekday() == 5 else 0.08))
        weights.append(w * rng.uniform(0.85, 1.15))
    total = sum(weights)
    exact = [n * w / total for w in weights]
    counts = [int(x) for x in exact]
    rest = n - sum(counts)
    for i in sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))[:rest]:
        counts[i] += 1
    return counts


def _clear(out_dir: Path, overwrite: bool) -> None:
    if not out_dir.exists():
        return
    existing = sorted(p for p in out_dir.iterdir()
                      if (m := FILE_NAME_PATTERN.match(p.name)) and m["source"] in SOURCES)
    if existing and not overwrite:
        raise FileExistsError(
            f"{out_dir} already holds {len(existing)} export files (e.g. {existing[0].name}); "
            "pass overwrite=True to replace them")
    for p in existing:
        p.unlink()


def generate(out_dir: Path, *, invoices_per_month: int = 3000, months: int = 18,
             start: dt.date = dt.date(2024, 1, 1), extracts: str = "monthly", seed: int = 42,
             bad_rows: int = 0, progress: bool = True, overwrite: bool = False,
             einvoices: bool = False) -> GenerationSummary:
    """Write a synthetic Kvantum drop folder to `out_dir` (see docs/generator.md).

    `invoices_per_month` documents (invoices and credit notes) are received in each of `months`
    months from `start`; `extracts` is `full`, `monthly`, `weekly` or `daily`; `bad_rows` rows that
    break the contract are injected; `einvoices` also writes the e-invoice XML into `einvoices/`. The same arguments always give the same bytes. Export files
    already in `out_dir` are an error unless `overwrite` (then they are deleted first).
    """
    t_start = time.perf_counter()
    if extracts not in EXTRACT_MODES:
        raise ValueError(f"extracts must be one of {EXTRACT_MODES}, not {extracts!r}")
    if invoices_per_month < 1 or months < 1 or bad_rows < 0:
        raise ValueError("invoices_per_month and months must be at least 1, bad_rows not negative")
    out_dir = Path(out_dir)
    _clear(out_dir, overwrite)
    rng = random.Random(seed)
    end = add_months(start, months) - dt.timedelta(days=1)
    origin = start - dt.timedelta(days=2600)
    cal = Calendar(origin, (end - origin).days + 1 + 800)
    start_day, end_day = cal.day(start), cal.day(end)
    world = World(rng, cal, start_day, end_day, invoices_per_month)
    periods = extract_periods(start, end, extracts)
    flows_ref: list[Flows] = []
    writer = ExtractWriter(out_dir, cal, periods, bad_rows, lambda: flows_ref[0].new_event_id())
    month_bounds = [(cal.day(add_months(start, i)), cal.day(add_months(start, i + 1)) - 1) for i in range(months)]
    month_of_day = [0] * cal.n_days
    for i, (a, b) in enumerate(month_bounds):
        for d in range(a, b + 1):
            month_of_day[d] = i
    flows = Flows(rng, cal, world, writer, start_day, end_day, month_of_day, months)
    flows_ref.append(flows)
    versions = _write_master_data(world, writer, cal)

    bar = tqdm(total=invoices_per_month * months, unit=" docs", unit_scale=True, desc="generate",
               disable=not progress, file=sys.stderr, mininterval=0.5)
    since_flush = 0
    for m, (first, last) in enumerate(month_bounds):
        counts = _day_counts(rng, cal, first, last, invoices_per_month)
        if m == months - 1 and counts[-1] == 0:
            # the last day gets at least one document, so the data watermark is the period's end
            counts[-1] = 1
            counts[max(range(len(counts) - 1), key=lambda i: (counts[i], -i))] -= 1
        for i, n in enumerate(counts):
            day = first + i
            document = flows.document
            for _ in range(n):
                document(day)
            since_flush += n
            bar.update(n)
            if since_flush >= FLUSH_DOCUMENTS and not (m == months - 1 and day == last):
                writer.flush()
                since_flush = 0
    # expense claims from their own random stream, so the invoices do not depend on them
    claims = write_claims(random.Random(seed * 7919 + 1), cal, world, writer, start_day, end_day)
    writer.flush(final=True)
    bar.close()

    c = flows.stats.c
    n_sup = len(world.suppliers)
    data_rows = sum(writer.files().values())
    contact = sum(1 for docs, err in flows.stats.supplier_year.values() if docs > 25 and err >= 0.10 * docs)

    def share(a: str | int, b: str | int) -> float:
        num = c[a] if isinstance(a, str) else a
        den = c[b] if isinstance(b, str) else b
        return round(num / den, 4) if den else 0.0

    shares = {
        "returned": share("returned", "documents"),
        "routed_via_ks": share("routed_via_ks", "assigned"),
        "payment_block": share("posted_blocked", "posted"),
        "missing_goods_receipt": share("missing_goods_receipt", "in_process_with_po"),
        "fee_po": share("fee_pos", "purchase_orders"),
        "foreign_suppliers": share(sum(s.foreign for s in world.suppliers), n_sup),
        "credit_notes": share("credit_notes", "documents"),
        "paid_late": share("paid_late", "paid"),
        "with_po_number": share("with_po_number", "documents"),
        "bad_rows": share(len(writer.injected), data_rows),
    }
    at_wm = {k: c[k] for k in ("in_process", "lying_13_30", "lying_22_plus", "escalation_candidates", "overdue",
                               "payment_blocked", "holder_without_access", "missing_goods_receipt",
                               # R14: near due, the worklist (near due or candidates) and its issues
                               "near_due", "escalation_worklist", "escalation_issues", "escalation_no_holder",
                               "escalation_no_manager", "escalation_cycle")}
    at_wm["overdue_amount_dkk"] = flows.stats.amount_overdue / 100
    at_wm["contact_list_supplier_years"] = contact
    summary = GenerationSummary(
        out_dir=str(out_dir), seed=seed, extracts=extracts, start=start, end=end, extract_dates=len(periods),
        files=writer.files(), bytes_written=writer.bytes,
        documents=c["documents"], invoices=c["invoices"], credit_notes=c["credit_notes"],
        invoice_versions=c["invoice_versions"], events=c["events"], purchase_orders=c["purchase_orders"],
        po_lines=c["po_lines"], po_line_versions=c["po_line_versions"], goods_receipts=c["goods_receipts"],
        suppliers=n_sup, supplier_versions=versions[LEVERANDOERER], users=len(world.users),
        user_versions=versions[BRUGERE], data_watermark=cal.date(flows.max_event_t // DAY),
        shares=shares, at_watermark=at_wm, status_disagreements=c["status_disagreements"],
        expense_claims=claims.claims, expense_claim_versions=claims.versions,
        expense_claims_at_watermark=claims.at_watermark,
        bad_rows=[(b.file, b.line, b.kind) for b in writer.injected],
        elapsed_seconds=round(time.perf_counter() - t_start, 2),
    )
    if einvoices:
        summary.einvoices = write_einvoices(out_dir, seed=seed, overwrite=overwrite)
    return summary


def _write_master_data(world: World, writer: ExtractWriter, cal: Calendar) -> dict[int, int]:
    """Supplier and user versions into their extracts (a version per period in which it changed)."""
    pod = writer.pod
    written = {LEVERANDOERER: 0, BRUGERE: 0}

    def emit(src: int, versions: list[tuple[int, str]]) -> list[int]:
        """Write the versions (the last of each extract period); return the indices written."""
        bufs = writer.bufs[src]
        n = len(versions)
        out = []
        for i, (t, row) in enumerate(versions):
            p = pod[t // DAY]
            if p < 0:
                break
            if i + 1 < n and pod[versions[i + 1][0] // DAY] == p:
                continue
            bufs[p].append(f"{row};{cal.ts(t)}\r\n")
            written[src] += 1
            out.append(i)
        return out

    for s in world.suppliers:
        emit(LEVERANDOERER, [(t, f"{s.sid};{c};{name};{land};{pay};{kr}") for t, name, c, land, pay, kr in s.versions])
    # the user versions as the exports show them: what "the version valid at a date" sees (R14, R16)
    world.written = []
    for u in world.users:
        name = csv_field(u.name)
        idx = emit(BRUGERE, [(t, f"{u.uid};{name};{u.dept};{enhed};{leder};{adgang}") for t, enhed, leder, adgang in u.versions])
        world.written.append([u.versions[i] for i in idx] or u.versions[:1])
    return written
