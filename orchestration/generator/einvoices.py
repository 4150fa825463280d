"""The e-invoice XML of a generated drop folder (EINVOICES.md; docs/generator.md, docs/einvoices.md).

`write_einvoices(out_dir, seed)` runs after the CSV files are written: it reads them back with
DuckDB (the generated rows are its state; flows.py and world.py are not touched) and writes one XML file per document received through NEMHANDEL (OIOUBL 2.1, some OIOUBL 3) or
PEPPOL (Peppol BIS 3) into `out_dir/einvoices/`. The XML carries what the supplier sent, i.e. the
document's first version in `fakturaer`: its PO number (missing or wrong where the generator made
it so, the cases later returned with MANGLER_/FORKERT_ORDRENUMMER), its payment details (missing or
wrong: FORKERT_BETALINGSOPLYSNING), its EAN. On top of that it plants a few errors the ERP rows
cannot show, each tied to the returns where one exists:

- an EAN that is not the municipality's on documents returned or corrected with FORKERT_MODTAGER;
- a wrong FI check digit or an impossible registration number on some documents whose payment
  details are wrong anyway (FORKERT_BETALINGSOPLYSNING);
- approver ids missing, written with a name (`Hans Hansen: NN99`) or unknown, on a few invoices
  without a PO number; due dates missing or over 30 days on a few invoices;
- malformed files for the quarantine: not XML, a UBL Order, an unknown customization.

The summary (`GenerationSummary.einvoices`) counts the files and every planted finding, so that the
end-to-end test can compare them with what the pipeline finds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import zlib
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb

from orchestration.einvoices.payment import fi_check_digit
from orchestration.einvoices.reader import DEFAULT_SUBFOLDER

P_APPROVER_ERROR = 0.04  # of invoices without PO number: a missing, malformed or unknown approver id
P_DUE_ERROR = 0.004  # of invoices: due date missing or over 30 days
P_PAYMENT_FORMAT_ERROR = 0.3  # of invoices with wrong payment details: also a bad check digit / reg. number
P_OIOUBL3 = 0.1  # of NemHandel documents: OIOUBL 3 rather than 2.1
QUARANTINE_EVERY = 1500  # one malformed file of each kind per this many documents (at least one)

UBL = {
    "FAKTURA": ("Invoice", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"),
    "KREDITNOTA": ("CreditNote", "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"),
}
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
PEPPOL_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
OIOUBL3_ID = {"FAKTURA": "urn:fdc:oioubl.dk:trns:billing:invoice:3.0",
              "KREDITNOTA": "urn:fdc:oioubl.dk:trns:billing:creditnote:3.0"}

# what the pipeline reads from the generated ERP rows, one row per document sent electronically;
# the CSV files are read as text by DuckDB (rows it cannot read are the injected bad rows: skipped)
def _csv(out_dir: Path, source: str) -> str:
    pattern = str(Path(out_dir) / f"{source}_*.csv").replace("'", "''")
    return (f"read_csv('{pattern}', delim=';', quote='\"', escape='\"', header=true, all_varchar=true, "
            "ignore_errors=true, filename=true)")


DOCUMENTS_SQL = """
with fakturaer as (
    -- the injected bad rows (EXPORTS.md's kinds of bad input) are not documents anyone sent: skipped
    select *, try_strptime("Ændret", '%d-%m-%Y %H:%M:%S') as changed from {fakturaer}
    where try_strptime("Ændret", '%d-%m-%Y %H:%M:%S') is not null
      and try_strptime("Fakturadato", '%d-%m-%Y') is not null
      and try_strptime("Forfaldsdato", '%d-%m-%Y') is not null
      and try_cast(replace("Beløb", ',', '.') as decimal(18, 2)) is not null
),
first_versions as (
    select * from fakturaer
    qualify row_number() over (partition by "Bilagsnummer" order by changed, filename) = 1
),
events as (
    select "Bilagsnummer" as bil,
        arg_min("Til_bruger", try_strptime("Tidspunkt", '%d-%m-%Y %H:%M:%S')) filter (where "Hændelse" = 'TILDELT')
            as first_holder,
        coalesce(bool_or("Årsagskode" = 'FORKERT_MODTAGER'), false) as wrong_recipient,
        coalesce(bool_or("Årsagskode" = 'FORKERT_BETALINGSOPLYSNING'), false) as wrong_payment
    from {fakturahaendelser} group by all
),
suppliers as (
    select "Leverandørnummer" as sid,
        arg_max("CVR", try_strptime("Ændret", '%d-%m-%Y %H:%M:%S')) as cvr,
        arg_max("Navn", try_strptime("Ændret", '%d-%m-%Y %H:%M:%S')) as name,
        arg_max("Land", try_strptime("Ændret", '%d-%m-%Y %H:%M:%S')) as land
    from {leverandoerer} group by all
)
select f."Bilagsnummer", f."Fakturanummer", f."Fakturatype",
    cast(strptime(f."Fakturadato", '%d-%m-%Y') as date), cast(strptime(f."Forfaldsdato", '%d-%m-%Y') as date),
    cast(replace(f."Beløb", ',', '.') as decimal(18, 2)), f."Valuta", f."Ordrenummer", f."Modtager_EAN",
    f."Kanal", f."Betalingsoplysning", s.cvr, s.name, s.land, e.first_holder,
    coalesce(e.wrong_recipient, false), coalesce(e.wrong_payment, false)
from first_versions f
left join suppliers s on s.sid = f."Leverandørnummer"
left join events e on e.bil = f."Bilagsnummer"
where f."Kanal" in ('NEMHANDEL', 'PEPPOL')
order by f."Bilagsnummer"
"""


def _el(tag: str, value, **attrs) -> str:
    attr = "".join(f' {k}="{escape(str(v))}"' for k, v in attrs.items())
    return f"<{tag}{attr}>{escape(str(value))}</{tag}>"


def _payment_xml(text: str, oioubl2: bool, due: str | None, rng: random.Random, planted: Counter,
                 plant: bool) -> str:
    """cac:PaymentMeans from the ERP's payment text (any case and spacing), or '' when there is none.
    `plant`: spoil it further (a 3-digit registration number, a wrong FI check digit)."""
    t = "".join(text.split()).upper()
    if not t:
        return ""
    # OIOUBL 2.x has no cbc:DueDate: the due date is the payment means' PaymentDueDate
    due_xml = _el("cbc:PaymentDueDate", due) if oioubl2 and due else ""
    if t.startswith("REG") and "KONTO" in t:
        reg, account = t[3:].split("KONTO", 1)
        if plant:
            reg = reg[:3]
            planted["PAYMENT_ACCOUNT_INVALID"] += 1
        body = (_el("cbc:PaymentMeansCode", "42") + due_xml
                + (_el("cbc:PaymentChannelCode", "DK:BANK") if oioubl2 else "")
                + f"<cac:PayeeFinancialAccount>{_el('cbc:ID', account)}<cac:FinancialInstitutionBranch>"
                  f"{_el('cbc:ID', reg)}</cac:FinancialInstitutionBranch></cac:PayeeFinancialAccount>")
    elif t.startswith("FIK+") and t.endswith("<") and "<" in t[4:-1] and "+" in t[4:]:
        card, rest = t[4:-1].split("<", 1)
        payment_id, creditor = rest.split("+", 1)
        if plant and payment_id.isdigit() and len(payment_id) > 1:
            wrong = (fi_check_digit(payment_id[:-1]) + 1 + rng.randrange(9)) % 10
            payment_id = payment_id[:-1] + str(wrong)
            planted["PAYMENT_CHECK_DIGIT"] += 1
        if oioubl2:
            body = (_el("cbc:PaymentMeansCode", "93") + due_xml + _el("cbc:PaymentChannelCode", "DK:FIK")
                    + _el("cbc:InstructionID", payment_id) + _el("cbc:PaymentID", card)
                    + f"<cac:CreditAccount>{_el('cbc:AccountID', creditor)}</cac:CreditAccount>")
        else:
            body = (_el("cbc:PaymentMeansCode", "93") + _el("cbc:PaymentID", f"{card}#{payment_id}")
                    + f"<cac:PayeeFinancialAccount>{_el('cbc:ID', creditor)}</cac:PayeeFinancialAccount>")
    elif t.startswith("IBAN"):
        iban = t[4:]
        bic = "DABADKKK" if iban.startswith("DK") else f"{iban[:2]}BANK{iban[:2]}XX"
        body = (_el("cbc:PaymentMeansCode", "31") + due_xml
                + f"<cac:PayeeFinancialAccount>{_el('cbc:ID', iban)}<cac:FinancialInstitutionBranch>"
                  f"<cac:FinancialInstitution>{_el('cbc:ID', bic)}</cac:FinancialInstitution>"
                  "</cac:FinancialInstitutionBranch></cac:PayeeFinancialAccount>")
    else:
        body = _el("cbc:PaymentMeansCode", "1") + due_xml
    return f"<cac:PaymentMeans>{body}</cac:PaymentMeans>"


def _document_xml(row: tuple, municipality_eans: set[str], rng: random.Random, planted: Counter) -> str:
    """One document's XML; what it plants is added to `planted`."""
    (bil, fnr, kind, fdag, due, amount, currency, po, ean, channel, pay, cvr, name, land, holder,
     wrong_recipient, wrong_payment) = row
    oioubl = channel == "NEMHANDEL"
    oioubl2 = oioubl and rng.random() >= P_OIOUBL3
    root, ns = UBL[kind]
    customization = "OIOUBL-2.1" if oioubl2 else (OIOUBL3_ID[kind] if oioubl else PEPPOL_ID)
    invoice = kind == "FAKTURA"

    due_text = due.isoformat() if invoice else None  # credit notes: no due date, no payment means
    r = rng.random()
    over_30 = False
    if invoice and r < P_DUE_ERROR / 2:
        due_text = None
        planted["DUE_DATE_MISSING"] += 1
    elif invoice and r < P_DUE_ERROR:
        due_text = (fdag + dt.timedelta(days=31 + rng.randrange(30))).isoformat()
        over_30 = True

    if not cvr:
        planted["SUPPLIER_UNKNOWN"] += 1
        supplier = _el("cbc:EndpointID", f"{land}{zlib.crc32(name.encode()):010d}", schemeID="9930")
    elif oioubl2:
        supplier = _el("cbc:EndpointID", f"DK{cvr}", schemeID="DK:CVR")
    else:
        supplier = _el("cbc:EndpointID", cvr, schemeID="0184")

    # the buyer: the EAN on the ERP row, or one that is nobody's where the recipient was wrong
    if wrong_recipient:
        ean = next(e for e in (f"57900{rng.randrange(10**8):08d}" for _ in range(100)) if e not in municipality_eans)
        planted["BUYER_EAN_UNKNOWN"] += 1
    buyer = _el("cbc:EndpointID", ean, schemeID="GLN" if oioubl2 else "0088")

    # the approver (read for invoices without a PO number): the first holder, or a planted error
    approver = holder
    if invoice and not po:
        r = rng.random()
        if r < P_APPROVER_ERROR * 0.4:
            approver = None
        elif r < P_APPROVER_ERROR * 0.8:
            approver = f"{rng.choice(('Hans Hansen', 'Mette Holm', 'Att.'))}: {holder or 'NN99'}"
            planted["APPROVER_MALFORMED"] += 1
        elif r < P_APPROVER_ERROR:
            approver = f"ZZ9{rng.randrange(100, 1000)}"  # no user id has a digit in its first four
            planted["APPROVER_UNKNOWN"] += 1
        if approver is None:
            planted["APPROVER_MISSING"] += 1
    contact = f"<cac:Contact>{_el('cbc:ID', approver)}</cac:Contact>" if approver and oioubl2 else ""
    buyer_reference = _el("cbc:BuyerReference", approver) if approver and not oioubl2 else ""

    if po:
        order = f"<cac:OrderReference>{_el('cbc:ID', po)}</cac:OrderReference>"
    else:  # Peppol requires an order reference where one is given: suppliers write NA
        order = "<cac:OrderReference><cbc:ID>NA</cbc:ID></cac:OrderReference>" if not oioubl2 and rng.random() < 0.3 else ""

    payment = ""
    if invoice:
        if not (pay or "").strip():
            planted["PAYMENT_MEANS_MISSING"] += 1
            if oioubl2 and due_text:
                planted["DUE_DATE_MISSING"] += 1  # nowhere to state it
                over_30 = False
        plant = wrong_payment and rng.random() < P_PAYMENT_FORMAT_ERROR
        payment = _payment_xml(pay or "", oioubl2, due_text, rng, planted, plant)
    if over_30:
        planted["DUE_OVER_30_DAYS"] += 1
    due_line = _el("cbc:DueDate", due_text) if due_text and not oioubl2 else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="{ns}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">\n'
        f"{_el('cbc:CustomizationID', customization)}\n{_el('cbc:ID', fnr)}\n"
        f"{_el('cbc:IssueDate', fdag.isoformat())}\n{due_line}\n"
        f"{_el('cbc:DocumentCurrencyCode', currency)}\n{buyer_reference}\n{order}\n"
        f"<cac:AccountingSupplierParty><cac:Party>{supplier}<cac:PartyName>{_el('cbc:Name', name)}"
        "</cac:PartyName></cac:Party></cac:AccountingSupplierParty>\n"
        f"<cac:AccountingCustomerParty><cac:Party>{buyer}{contact}</cac:Party></cac:AccountingCustomerParty>\n"
        f"{payment}\n"
        f"<cac:LegalMonetaryTotal>{_el('cbc:PayableAmount', f'{abs(amount):.2f}', currencyID=currency)}"
        f"</cac:LegalMonetaryTotal>\n</{root}>\n"
    )


def _malformed(kind: str, i: int) -> str:
    if kind == "NOT_WELL_FORMED":
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="{UBL["FAKTURA"][1]}">\n<ID>X-{i}\n'
    if kind == "NOT_AN_INVOICE":
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Order xmlns="urn:oasis:names:specification:ubl:'
                f'schema:xsd:Order-2" xmlns:cbc="{CBC}">{_el("cbc:ID", f"IO-{i}")}</Order>\n')
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="{UBL["FAKTURA"][1]}" xmlns:cbc="{CBC}">'
            f'{_el("cbc:CustomizationID", "urn:www.cenbii.eu:transaction:biitrns010:ver2.0")}'
            f'{_el("cbc:ID", f"X-{i}")}</Invoice>\n')


def write_einvoices(out_dir: Path, *, seed: int, overwrite: bool = False) -> dict:
    """Write `out_dir/einvoices/*.xml` for the generated drop folder in `out_dir`; return the counts."""
    folder = Path(out_dir) / DEFAULT_SUBFOLDER
    existing = sorted(folder.glob("*.xml")) if folder.is_dir() else []
    if existing and not overwrite:
        raise FileExistsError(f"{folder} already holds {len(existing)} XML files (e.g. {existing[0].name}); "
                              "pass overwrite=True to replace them")
    for p in existing:
        p.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"einvoices-{seed}")
    sources = {name: _csv(out_dir, name) for name in ("fakturaer", "fakturahaendelser", "leverandoerer")}
    with duckdb.connect(":memory:") as conn:
        eans = {e for (e,) in conn.execute(f'select distinct "Modtager_EAN" from {sources["fakturaer"]}').fetchall()}
        rows = conn.execute(DOCUMENTS_SQL.format(**sources)).fetchall()
    planted: Counter = Counter()
    syntaxes: Counter = Counter()
    kinds: Counter = Counter()
    seen: set[str] = set()
    resent = 0
    for row in rows:
        mine: Counter = Counter()
        xml = _document_xml(row, eans, rng, mine)
        digest = hashlib.sha256(xml.encode("utf-8")).hexdigest()
        (folder / f"{row[0]}.xml").write_text(xml, encoding="utf-8")
        if digest in seen:  # a duplicate sent again with the same bytes: read once
            resent += 1
            continue
        seen.add(digest)
        planted.update(mine)
        syntaxes["OIOUBL" if row[9] == "NEMHANDEL" else "PEPPOL"] += 1
        kinds[row[2]] += 1
    quarantine = {}
    n_bad = max(1, len(rows) // QUARANTINE_EVERY)
    for kind in ("NOT_WELL_FORMED", "NOT_AN_INVOICE", "UNKNOWN_CUSTOMIZATION"):
        for i in range(n_bad):
            (folder / f"zz_{kind.lower()}_{i + 1}.xml").write_text(_malformed(kind, i), encoding="utf-8")
        quarantine[kind] = n_bad
    return {
        "folder": str(folder),
        "files": len(rows) + sum(quarantine.values()),
        "documents": len(seen),  # distinct bytes: what the pipeline reads
        "resent_identical": resent,
        "invoices": kinds["FAKTURA"],
        "credit_notes": kinds["KREDITNOTA"],
        "by_syntax": dict(sorted(syntaxes.items())),
        "quarantined": quarantine,
        "planted_findings": dict(sorted(planted.items())),
    }
