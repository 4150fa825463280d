"""The synthetic drop-folder generator: determinism, the export contract, deltas, shares, bad rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import BAD_KINDS, generate
from orchestration.generator.writer import extract_periods
from orchestration.loading.contract import FILE_NAME_PATTERN, SOURCES, TIMESTAMP_FORMAT, DATE_FORMAT, Kind

START = dt.date(2024, 1, 1)
NUMBER = {Kind.AMOUNT: re.compile(r"^-?\d+,\d{2}$"), Kind.QUANTITY: re.compile(r"^-?\d+(,\d{1,3})?$"),
          Kind.INTEGER: re.compile(r"^\d+$")}
QUOTED = re.compile(r'"(?:[^"]|"")*"')
# event -> the invoice status it leaves (KORRIGERET and the payment block leave it unchanged)
STATUS_OF = {"MODTAGET": "MODTAGET", "TILDELT": "I_GODKENDELSE", "VIDERESENDT": "I_GODKENDELSE",
             "ESKALERET": "I_GODKENDELSE", "RETURNERET": "RETURNERET", "GODKENDT": "GODKENDT",
             "BOGFØRT": "BOGFØRT", "BETALT": "BETALT", "AFVIST": "AFVIST", "ANNULLERET": "ANNULLERET"}


def read(folder: Path, source: str) -> list[dict]:
    """All rows of a source, every value as text (None = empty), with `filename` and `extract`."""
    rel = duckdb.sql(
        f"select * from read_csv('{folder}/{source}_*.csv', delim=';', quote='\"', escape='\"', header=true, "
        "all_varchar=true, filename=true)")
    cols = rel.columns
    rows = [dict(zip(cols, r)) for r in rel.fetchall()]
    for r in rows:
        r["filename"] = Path(r["filename"]).name
        r["extract"] = dt.datetime.strptime(r["filename"][-12:-4], "%Y%m%d").date()
    return rows


def ts(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, TIMESTAMP_FORMAT)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    return folder, generate(folder, invoices_per_month=200, months=4, start=START, seed=7, progress=False)


@pytest.fixture(scope="module")
def larger(tmp_path_factory):
    """Enough documents for the shares to settle (about 12,000)."""
    folder = tmp_path_factory.mktemp("larger")
    return folder, generate(folder, invoices_per_month=2000, months=6, start=START, seed=11, extracts="full",
                            progress=False)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    args = dict(invoices_per_month=120, months=3, start=START, extracts="weekly", bad_rows=7, progress=False)
    generate(tmp_path / "a", seed=1, **args)
    generate(tmp_path / "b", seed=1, **args)
    generate(tmp_path / "c", seed=2, **args)
    a, b, c = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    assert a == b
    assert a.keys() == c.keys()
    assert a != c


def test_a_file_per_source_per_extract_and_nothing_else(small):
    folder, summary = small
    dates = [last + dt.timedelta(days=1) for _, last in extract_periods(START, dt.date(2024, 4, 30), "monthly")]
    assert dates == [dt.date(2024, 2, 1), dt.date(2024, 3, 1), dt.date(2024, 4, 1), dt.date(2024, 5, 1)]
    expected = {f"{s}_{d:%Y%m%d}.csv" for s in SOURCES for d in dates}
    assert {p.name for p in folder.iterdir()} == expected
    assert set(summary.files) == expected
    assert all(FILE_NAME_PATTERN.match(name) for name in expected)
    assert summary.extract_dates == 4


def test_monthly_then_daily_extracts_deliver_the_last_month_day_by_day():
    periods = extract_periods(START, dt.date(2024, 3, 31), "monthly-then-daily")
    assert periods[:2] == [(dt.date(2024, 1, 1), dt.date(2024, 1, 31)), (dt.date(2024, 2, 1), dt.date(2024, 2, 29))]
    assert periods[2:] == [(dt.date(2024, 3, d), dt.date(2024, 3, d)) for d in range(1, 32)]


def test_files_follow_the_format(small):
    """UTF-8 with BOM, CRLF line ends (line breaks only inside quoted fields), the header as in the
    contract, every value readable as its type and inside its code list, required values present."""
    folder, summary = small
    for path in sorted(folder.iterdir()):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path.name
        text = raw.decode("utf-8")
        unquoted = QUOTED.sub("", text)
        assert '"' not in unquoted, path.name
        assert unquoted.count("\n") == unquoted.count("\r\n") == unquoted.count("\r"), path.name
        assert text.endswith("\r\n")
        source = FILE_NAME_PATTERN.match(path.name)["source"]
        assert text[1:].split("\r\n", 1)[0] == ";".join(SOURCES[source].column_names)
    quoted_line_breaks = 0
    for name, source in SOURCES.items():
        rows = read(folder, name)
        assert rows, name
        for row in rows:
            for col in source.columns:
                v = row[col.name]
                if v is None:
                    assert not col.required, (name, col.name, row)
                    continue
                if col.kind is Kind.DATE:
                    dt.datetime.strptime(v, DATE_FORMAT)
                elif col.kind is Kind.TIMESTAMP:
                    ts(v)
                elif col.kind is Kind.FLAG:
                    assert v in ("J", "N"), (name, col.name, v)
                elif col.kind in NUMBER:
                    assert NUMBER[col.kind].match(v), (name, col.name, v)
                elif col.codes is not None:
                    assert v in col.codes, (name, col.name, v)
            if name == "fakturahaendelser" and row["Kommentar"] and "\n" in row["Kommentar"]:
                quoted_line_breaks += 1
            if name == "fakturahaendelser" and row["Hændelse"] in ("RETURNERET", "AFVIST", "SPÆRRET", "KORRIGERET"):
                assert row["Årsagskode"], row
    assert quoted_line_breaks > 0


def test_header_only_files_when_nothing_happened(tmp_path):
    summary = generate(tmp_path, invoices_per_month=15, months=1, start=START, extracts="daily", progress=False)
    empty = [n for n, rows in summary.files.items() if rows == 0]
    assert empty and len(summary.files) == 31 * 7
    for name in empty:
        source = name.rsplit("_", 1)[0]
        assert (tmp_path / name).read_bytes() == ("\ufeff" + ";".join(SOURCES[source].column_names) + "\r\n").encode()


def test_summary_counts_match_the_files(small):
    folder, s = small
    data = {name: read(folder, name) for name in SOURCES}
    assert s.files == {n: c for n, c in Counter(r["filename"] for rows in data.values() for r in rows).items()} | {
        n: 0 for n, c in s.files.items() if c == 0}
    docs = {r["Bilagsnummer"]: r["Fakturatype"] for r in data["fakturaer"]}
    assert s.documents == len(docs) == 4 * 200
    assert s.invoices == sum(t == "FAKTURA" for t in docs.values())
    assert s.credit_notes == sum(t == "KREDITNOTA" for t in docs.values())
    assert s.invoice_versions == len(data["fakturaer"])
    assert s.events == len(data["fakturahaendelser"])
    assert s.po_lines == len({(r["Ordrenummer"], r["Linjenummer"]) for r in data["indkoebsordrer"]})
    assert s.purchase_orders == len({r["Ordrenummer"] for r in data["indkoebsordrer"]})
    assert s.po_line_versions == len(data["indkoebsordrer"])
    assert s.goods_receipts == len(data["varemodtagelser"])
    assert s.suppliers == len({r["Leverandørnummer"] for r in data["leverandoerer"]})
    assert s.supplier_versions == len(data["leverandoerer"])
    assert s.users == len({r["Bruger_id"] for r in data["brugere"]})
    assert s.user_versions == len(data["brugere"])
    assert s.data_watermark == max(ts(r["Tidspunkt"]) for r in data["fakturahaendelser"]).date() == s.end
    assert s.bytes_written == sum(p.stat().st_size for p in folder.iterdir())
    assert s.bad_rows == []
    assert s.as_dict()["data_watermark"] == "2024-04-30"


def test_delta_semantics(small):
    """Each extract holds what was created or changed in its period (the first: everything up to
    its end); an entity key appears at most once per extract, with increasing `Ændret`; event ids
    are unique across all files."""
    folder, _ = small
    periods = extract_periods(START, dt.date(2024, 4, 30), "monthly")
    first_day = {last + dt.timedelta(days=1): (first if i else dt.date.min) for i, (first, last) in enumerate(periods)}

    def in_period(extract: dt.date, d: dt.date) -> bool:
        return first_day[extract] <= d < extract

    for name, source in SOURCES.items():
        rows = read(folder, name)
        if source.is_event:
            when = "Tidspunkt" if name == "fakturahaendelser" else "Modtaget_dato"
            parse = ts if when == "Tidspunkt" else (lambda v: dt.datetime.strptime(v, DATE_FORMAT))
            assert all(in_period(r["extract"], parse(r[when]).date()) for r in rows), name
            ids = Counter(r[source.key[0]] for r in rows)
            assert max(ids.values()) == 1, name
            continue
        versions = defaultdict(list)
        for r in rows:
            assert in_period(r["extract"], ts(r["Ændret"]).date()), (name, r)
            versions[tuple(r[k] for k in source.key)].append((r["extract"], ts(r["Ændret"])))
        several = 0
        for key, vs in versions.items():
            vs.sort()
            assert len({e for e, _ in vs}) == len(vs), (name, key)
            assert all(a[1] < b[1] for a, b in zip(vs, vs[1:])), (name, key, vs)
            several += len(vs) > 1
        if name in ("fakturaer", "indkoebsordrer"):
            assert several > 0.1 * len(versions), name  # those still open at a month's end change later


def test_invoice_status_agrees_with_events(small):
    """The current `fakturaer` row says what the events say, except the few deliberate lags."""
    folder, s = small
    current = {}
    for r in read(folder, "fakturaer"):
        if r["Bilagsnummer"] not in current or ts(r["Ændret"]) > ts(current[r["Bilagsnummer"]]["Ændret"]):
            current[r["Bilagsnummer"]] = r
    events = defaultdict(list)
    for e in read(folder, "fakturahaendelser"):
        events[e["Bilagsnummer"]].append(e)
    disagree = 0
    for bil, evs in events.items():
        evs.sort(key=lambda e: (ts(e["Tidspunkt"]), e["Hændelses_id"]))
        assert evs[0]["Hændelse"] == "MODTAGET"
        status, block, holder, in_process = "MODTAGET", "N", None, True
        for e in evs:
            status = STATUS_OF.get(e["Hændelse"], status)
            if e["Hændelse"] in ("TILDELT", "VIDERESENDT", "ESKALERET", "RETURNERET"):
                holder = e["Til_bruger"]
            if e["Hændelse"] in ("BOGFØRT", "AFVIST", "ANNULLERET"):
                in_process = False
            block = {"SPÆRRET": "J", "SPÆRRE_OPHÆVET": "N"}.get(e["Hændelse"], block)
        row = current[bil]
        got = (row["Status"], row["Betalingsspærre"], row["Aktuel_behandler"])
        if got != (status, block, holder if in_process else None):
            disagree += 1
            assert row["Status"] == "BOGFØRT" and status == "BETALT", (bil, got, status)
    assert disagree == s.status_disagreements


def test_users_suppliers_and_hierarchy(small):
    folder, _ = small
    users = read(folder, "brugere")
    by_id = defaultdict(list)
    for u in users:
        by_id[u["Bruger_id"]].append(u)
    directors = {k for k, vs in by_id.items() if vs[0]["Leder_id"] is None}
    assert {by_id[d][0]["Forvaltning"] for d in directors} == {"ØKF", "BUF", "SUF", "SOF", "TMF", "KFF", "BIF", "KS"}
    # every Leder_id names a user, except the one deliberate gap (R14: "names no user")
    assert {v["Leder_id"] for vs in by_id.values() for v in vs if v["Leder_id"] and v["Leder_id"] not in by_id} == {"XXXX99"}
    assert any(v["Kvantum_adgang"] == "N" for vs in by_id.values() for v in vs[1:])  # access lost later
    assert any(len({v["Leder_id"] for v in vs}) > 1 for vs in by_id.values())  # a new manager
    suppliers = {r["Leverandørnummer"]: r for r in read(folder, "leverandoerer")}
    foreign = [r for r in suppliers.values() if r["Land"] != "DK"]
    assert foreign and all(r["CVR"] is None for r in foreign)
    assert all(re.fullmatch(r"\d{8}", r["CVR"]) for r in suppliers.values() if r["Land"] == "DK")
    eur = [r for r in read(folder, "fakturaer") if r["Valuta"] == "EUR"]
    assert eur
    for r in eur:
        rate = float(r["Beløb_DKK"].replace(",", ".")) / float(r["Beløb"].replace(",", "."))
        assert 7.44 < rate < 7.48, r


def test_shares(larger):
    _, s = larger
    sh = s.shares
    assert 0.005 <= sh["returned"] <= 0.02
    assert 0.07 <= sh["routed_via_ks"] <= 0.13
    assert 0.01 <= sh["credit_notes"] <= 0.06
    assert 0.08 <= sh["paid_late"] <= 0.18
    assert 0.003 <= sh["payment_block"] <= 0.015
    assert 0.10 <= sh["fee_po"] <= 0.20
    assert 0.06 <= sh["foreign_suppliers"] <= 0.15
    assert 0.68 <= sh["with_po_number"] <= 0.82
    assert 0.01 <= sh["missing_goods_receipt"] <= 0.12
    w = s.at_watermark
    assert w["in_process"] > 0 and w["lying_22_plus"] > 0 and w["escalation_candidates"] > 0
    assert w["overdue"] > 0 and w["payment_blocked"] > 0 and w["holder_without_access"] > 0
    assert w["contact_list_supplier_years"] > 0


def test_bad_rows_are_injected_exactly_and_located(tmp_path):
    n = 13
    s = generate(tmp_path, invoices_per_month=150, months=3, start=START, bad_rows=n, progress=False)
    assert len(s.bad_rows) == n
    kinds = [k for _, _, k in s.bad_rows]
    assert kinds[:6] == list(BAD_KINDS) and kinds.count("duplicate_event") == 1
    assert s.shares["bad_rows"] == round(n / sum(s.files.values()), 4)
    seen_ids: dict[str, str] = {}
    for path in sorted(tmp_path.iterdir(), key=lambda p: (p.name[-12:], p.name)):
        if path.name.startswith("fakturahaendelser"):
            for line in path.read_bytes().decode("utf-8-sig").split("\r\n")[1:]:
                seen_ids.setdefault(line.split(";")[0], line)
    for file, line, kind in s.bad_rows:
        source = file.rsplit("_", 1)[0]
        columns = SOURCES[source].column_names
        physical = (tmp_path / file).read_bytes().decode("utf-8-sig").split("\n")
        row = physical[line - 1].rstrip("\r")
        assert '"' not in row
        fields = row.split(";")
        if kind == "field_count":
            assert len(fields) != len(columns)
            continue
        assert len(fields) == len(columns)
        value = dict(zip(columns, fields))
        col = {c.name: c for c in SOURCES[source].columns}
        if kind == "bad_date":
            bad = [c for c, v in value.items() if col[c].kind in (Kind.DATE, Kind.TIMESTAMP) and v and
                   not _parses(v, DATE_FORMAT if col[c].kind is Kind.DATE else TIMESTAMP_FORMAT)]
            assert bad, row
        elif kind == "bad_number":
            assert any(col[c].kind in NUMBER and v and not NUMBER[col[c].kind].match(v) for c, v in value.items()), row
        elif kind == "missing_required":
            assert any(col[c].required and not v for c, v in value.items()), row
        elif kind == "bad_code":
            assert any(col[c].codes and v and v not in col[c].codes for c, v in value.items()), row
        elif kind == "duplicate_event":
            first = seen_ids[fields[0]]
            assert first != row and first.split(";")[1] == fields[1]
    good_events = sum(c for name, c in s.files.items() if name.startswith("fakturahaendelser")) - sum(
        f.startswith("fakturahaendelser") for f, _, _ in s.bad_rows)
    assert good_events == s.events


def _parses(value: str, fmt: str) -> bool:
    try:
        dt.datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def test_existing_exports_are_not_overwritten_silently(tmp_path):
    args = dict(invoices_per_month=20, months=1, start=START, progress=False)
    generate(tmp_path, **args)
    with pytest.raises(FileExistsError):
        generate(tmp_path, **args)
    (tmp_path / "notes.txt").write_text("kept")
    generate(tmp_path, overwrite=True, extracts="full", **args)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{s}_20240201.csv" for s in SOURCES] + ["notes.txt"])


def test_full_extract_holds_each_key_once(larger):
    folder, s = larger
    assert len(s.files) == 7
    rows = read(folder, "fakturaer")
    assert len(rows) == len({r["Bilagsnummer"] for r in rows}) == s.documents == 12000


def test_expense_claims_match_the_summary_and_break_every_control(small):
    folder, s = small
    rows = read(folder, "udlaeg")
    assert s.expense_claim_versions == len(rows) > 0
    assert s.expense_claims == len({r["Udlægsnummer"] for r in rows})
    users = {u["Bruger_id"] for u in read(folder, "brugere")}
    assert {r["Bruger_id"] for r in rows} <= users
    w = s.expense_claims_at_watermark
    flags = ("self_approved", "approver_not_manager", "no_receipt", "no_purpose",
             "representation_without_participants", "possible_duplicate", "late_submission")
    assert all(w[f] >= 1 for f in flags), w
    assert w["claims"] == s.expense_claims  # monthly extracts: every claim is submitted by the end
    assert w["open"] >= 1 and w["paid"] > w["paid_within_limit"] >= 1
    assert w["worklist"] <= w["open"] + w["flagged"]
    statuses = {r["Status"] for r in rows}
    assert {"INDSENDT", "GODKENDT", "UDBETALT"} <= statuses
    # a duplicate pair: the same employee, expense date and amount under two claim ids
    current = {}
    for r in rows:
        current[r["Udlægsnummer"]] = r
    pairs = Counter((r["Bruger_id"], r["Udgiftsdato"], r["Beløb_DKK"]) for r in current.values())
    assert max(pairs.values()) >= 2


def test_situations_for_escalation_and_dwell(small, larger):
    """R14: a manager chain of several levels, managers without access, a chain without a manager,
    one naming no user, and a cycle; the worklist at the watermark shows each issue code. R15:
    misrouted invoices forwarded on, second approvals, payment blocks lifted and set again."""
    folder, s = small
    w = s.at_watermark
    assert w["near_due"] >= 1 and w["escalation_worklist"] >= w["near_due"]
    assert w["escalation_no_holder"] >= 1 and w["escalation_no_manager"] >= 1 and w["escalation_cycle"] >= 1
    assert w["escalation_issues"] == w["escalation_no_holder"] + w["escalation_no_manager"] + w["escalation_cycle"]
    users = {}
    for u in read(folder, "brugere"):
        users[u["Bruger_id"]] = u  # one version each for these users
    cycle = [u for u in users.values() if u["Leder_id"] in users and users[u["Leder_id"]]["Leder_id"] == u["Bruger_id"]]
    assert len(cycle) == 2 and all(u["Kvantum_adgang"] == "N" for u in cycle)
    chains = [u for u in users.values() if u["Leder_id"] in users and users[u["Leder_id"]]["Leder_id"] in users
              and users[users[u["Leder_id"]]["Leder_id"]]["Leder_id"] is None]
    assert chains  # employee -> manager -> director
    assert any(u["Leder_id"] is None and u["Kvantum_adgang"] == "N" for u in users.values())
    big, _ = larger
    events = defaultdict(list)
    for e in read(big, "fakturahaendelser"):
        events[e["Bilagsnummer"]].append(e)
    dept = {r["Bruger_id"]: r["Forvaltning"] for r in read(big, "brugere")}
    inv_dept = {r["Bilagsnummer"]: r["Forvaltning"] for r in read(big, "fakturaer")}
    twice = blocked_again = forwarded_on = 0
    for bil, evs in events.items():
        evs.sort(key=lambda e: (ts(e["Tidspunkt"]), e["Hændelses_id"]))
        kinds = [e["Hændelse"] for e in evs]
        twice += kinds.count("GODKENDT") == 2
        blocked_again += "SPÆRRET" in kinds[kinds.index("SPÆRRE_OPHÆVET"):] if "SPÆRRE_OPHÆVET" in kinds else False
        forwarded_on += any(e["Hændelse"] == "VIDERESENDT" and dept.get(e["Fra_bruger"]) not in ("KS", inv_dept[bil])
                            for e in evs)
    assert twice > 0 and blocked_again > 0 and forwarded_on > 0
