"""The follow-up report as one self-contained HTML page: key figures, focus areas, charts.

Everything is inline (CSS, SVG charts), so the file opens from disk with no server and no network.
"""

from __future__ import annotations

from html import escape

from orchestration.report import charts
from orchestration.report import labels as L
from orchestration.report.data import KeyFigure, ReportData
from orchestration.report.excel import sheet_specs

_CSS = """
:root { --blue: #1f4e79; --red: #9c0006; --grey: #595959; --line: #d9dee5; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; margin: 0;
       background: #f4f6f9; line-height: 1.45; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 32px 48px; }
header { background: var(--blue); color: white; padding: 20px 32px; }
header > div { max-width: 1136px; margin: 0 auto; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 600; }
header p { margin: 0; opacity: .9; }
header a { color: white; }
.notice { background: #ffc7ce; color: var(--red); font-weight: 600; padding: 10px 16px;
          border-left: 6px solid var(--red); margin: 20px 0; border-radius: 4px; }
h2 { font-size: 19px; color: var(--blue); margin: 32px 0 8px; border-bottom: 2px solid var(--line);
     padding-bottom: 4px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; }
.card { background: white; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
.card .value { font-size: 26px; font-weight: 600; color: var(--blue); font-variant-numeric: tabular-nums; }
.card .label { color: var(--grey); font-size: 13px; }
section { background: white; border: 1px solid var(--line); border-radius: 6px; padding: 4px 20px 16px;
          margin-top: 20px; }
section p.note { color: var(--grey); font-size: 13px; margin: 4px 0 8px; }
ul.focus li { margin: 4px 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th { background: var(--blue); color: white; font-weight: 600; text-align: right; padding: 6px 8px;
     vertical-align: bottom; }
td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
tr.total td { font-weight: 700; border-top: 2px solid #1a1a1a; border-bottom: 3px double #1a1a1a; }
td.over { color: var(--red); font-weight: 600; }
.chart svg { width: 100%; height: auto; }
.empty { color: var(--grey); font-style: italic; padding: 12px 0; }
footer { color: var(--grey); font-size: 12px; margin-top: 28px; }
"""

_SUMMARY_COLUMNS = ["department", "in_process", "lying_13_30", "lying_22_plus",
                    "overdue", "overdue_amount_dkk", "missing_goods_receipt", "payment_blocked",
                    "holder_without_access", "escalation_candidates", "on_time_rate", "target_overdue"]


def render_html(data: ReportData, figures: list[KeyFigure], workbook_name: str) -> str:
    close = data.latest_close
    close_text = (f"seneste periodeluk {L.month_name(close['month'])}" if close
                  else "ingen lukkede måneder endnu")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="da"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>KS-opfølgningsrapport {L.fmt_date(data.as_of)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header><div>",
        f"<h1>{escape(L.TITLE)}</h1>",
        f"<p>Opgjort pr. <strong>{L.fmt_date(data.as_of)}</strong> · datavandmærke "
        f"{L.fmt_date(data.data_watermark)} · {close_text} · lister med fakturaer: "
        f'<a href="{escape(workbook_name)}">{escape(workbook_name)}</a></p>',
        "</div></header><main>",
        f'<div class="notice">{escape(L.PERSONAL_DATA_NOTICE)}. Rapporten og Excel-filen med '
        "behandlernes navne må ikke sendes uden for organisationen.</div>",
        "<h2>Nøgletal</h2>",
        '<div class="cards">',
        *(f'<div class="card" id="kf-{f.key}"><div class="value">{L.fmt_value(f.value, f.kind) or "–"}</div>'
          f'<div class="label">{escape(f.label)}</div></div>' for f in figures),
        "</div>",
        _focus_areas(data),
        _summary_table(data),
        _chart_section(
            "Forfaldne fakturaer efter periodeluk mod milepæl",
            "Antal forfaldne fakturaer pr. forvaltning ved hvert månedsluk (søjler) mod forvaltningens "
            "milepæl (stiplet linje); røde søjler er over milepælen.",
            charts.overdue_against_milestone(data),
            L.NO_CLOSED_MONTHS,
        ),
        _chart_section(
            "Liggetid for fakturaer i behandling",
            f"Fakturaer i behandling pr. {L.fmt_date(data.as_of)} efter antal dage siden modtagelse.",
            charts.aging_distribution(data),
            "Ingen fakturaer i behandling.",
        ),
        _chart_section(
            "Rettidig betaling måned for måned",
            "Andel af de fakturaer, der er betalt i måneden, som blev betalt senest på forfaldsdatoen. "
            "Indeværende måned er til dato.",
            charts.on_time_trend(data),
            "Ingen betalte fakturaer endnu.",
        ),
        _chart_section(
            "Returneringer til KS efter årsag",
            _returns_period(data),
            charts.returns_by_reason(data),
            "Ingen returneringer.",
        ),
        _escalation_section(data),
        _chart_section(
            "Hvor går dagene? Gennemsnitlige dage pr. trin",
            "Fakturaer betalt i de seneste tre måneder (til dato): gennemsnitligt antal dage i hvert trin "
            "– Koncernservice, godkendelse i forvaltningen, fra godkendt til bogført, fra bogført til betalt "
            "og spærret – pr. forvaltning (RULES.md R15).",
            charts.dwell_by_department(data),
            "Ingen betalte fakturaer i perioden.",
        ),
        _variants_section(data),
        _chart_section(
            "Procesdiagram over de hyppigste forløb",
            "Hændelsestyper og overgangene mellem dem i de hyppigste forløb: antal overgange og "
            "mediandage mellem hændelserne. Tykkere pile er hyppigere.",
            charts.process_map(data),
            "Ingen betalte fakturaer i perioden.",
        ),
        _expense_claims_section(data),
        "<footer>Kilde: tabellerne i skemaerne <code>marts</code> og <code>reporting</code> i datavarehuset – "
        "de samme tal som BI-værktøjerne viser. Rapporten tæller, filtrerer og summerer kun. "
        f"Dannes hver mandag og torsdag. {escape(L.PERSONAL_DATA_NOTICE)}.</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def _focus_areas(data: ReportData) -> str:
    """Recommended controlling focus areas (initiative 7), by filtering the marts' numbers."""
    departments = [r for r in data.summary.records() if not r["is_total"]]
    items = []
    close = data.latest_close
    if close:
        month = L.month_name(close["month"])
        over = close["over_overdue_target"]
        items.append(
            f"Over milepælen for forfaldne fakturaer ved periodeluk {month}: <strong>{', '.join(over)}</strong>."
            if over else f"Alle forvaltninger nåede milepælen for forfaldne fakturaer ved periodeluk {month}."
        )
        over = close["over_lying_13_30_target"]
        items.append(
            f"Over milepælen for liggetid 13-30 dage ved periodeluk {month}: <strong>{', '.join(over)}</strong>."
            if over else f"Alle forvaltninger nåede milepælen for liggetid 13-30 dage ved periodeluk {month}."
        )
    else:
        items.append(escape(L.NO_CLOSED_MONTHS))
    for key, text, sheet in (
        ("escalation_candidates", "På eskaleringslisten (22+ dage uden godkendelse) – send videre til næste godkender", "Eskaleringsliste"),
        ("overdue", "Forfaldne fakturaer", "Forfaldne fakturaer"),
        ("holder_without_access", "Hos medarbejdere uden adgang til Kvantum – skal fordeles om", "Behandler uden adgang"),
        ("missing_goods_receipt", "Venter på varemodtagelse", "Manglende varemodtagelse"),
        ("payment_blocked", "Bogført med betalingsspærre", "Betalingsspærre"),
    ):
        top = sorted((d for d in departments if d[key]), key=lambda d: (-d[key], d["department"]))
        if top:
            total = data.totals[key]  # the total row of rpt_department_summary
            most = ", ".join(f"{escape(d['department'])} ({L.fmt_int(d[key])})" for d in top[:3])
            items.append(f"{text}: <strong>{L.fmt_int(total)}</strong>; flest i {most}. Se arket »{sheet}«.")
    if len(data.supplier_contacts):
        items.append(f"Leverandører med systematiske fejl i {data.supplier_year}, der bør kontaktes: "
                     f"<strong>{L.fmt_int(len(data.supplier_contacts))}</strong>. Se arket »Leverandørkontakt«.")
    body = "".join(f"<li>{item}</li>" for item in items)
    return f'<section><h2>Fokusområder</h2><ul class="focus">{body}</ul></section>'


def _summary_table(data: ReportData) -> str:
    spec = next(s for s in sheet_specs(data) if s.table == "summary")
    columns = [c for c in spec.columns if c in _SUMMARY_COLUMNS]
    head = "".join(f"<th>{escape(spec.headers.get(c, L.header(c)))}</th>" for c in columns)
    rows = []
    for record in data.summary.records():
        total = record["is_total"]
        cells = []
        for c in columns:
            over = (c == "overdue" and record["target_overdue"] is not None
                    and record["overdue"] > record["target_overdue"])
            css = ' class="over"' if over else ""
            cells.append(f"<td{css}>{escape(L.fmt_value(record[c], L.kind(c)))}</td>")
        css = ' class="total"' if total else ""
        name = f' title="{escape(record["department_name"])}"' if record["department_name"] else ""
        rows.append(f"<tr{css}{name}>{''.join(cells)}</tr>")
    return ("<section><h2>Oversigt pr. forvaltning</h2>"
            f'<p class="note">Status pr. {L.fmt_date(data.as_of)}. Rettidighed gælder fakturaer betalt i '
            "indeværende måned; milepælen er den, der gælder for indeværende måned. Røde tal er over milepælen.</p>"
            f'<div class="scroll"><table id="summary"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></section>')


def _chart_section(title: str, note: str, svg: str | None, empty_text: str) -> str:
    body = f'<div class="chart">{svg}</div>' if svg else f'<p class="empty">{escape(empty_text)}</p>'
    return f'<section><h2>{escape(title)}</h2><p class="note">{escape(note)}</p>{body}</section>'


def _returns_period(data: ReportData) -> str:
    records = data.returns_by_reason.records()
    if not records:
        return "Fakturaer og kreditnotaer returneret fra forvaltningerne til KS."
    first = min(r["first_month"] for r in records)
    last = max(r["last_month"] for r in records)
    return (f"Antal returneringer fra forvaltningerne til KS, {L.month_name(first)} – {L.month_name(last)}, "
            "efter årsagskode; farven viser, hvem årsagen ligger hos.")


def _table(columns: list[str], records: list[dict], table_id: str, headers: dict[str, str] | None = None) -> str:
    headers = headers or {}
    head = "".join(f"<th>{escape(headers.get(c, L.header(c)))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(L.fmt_value(r[c], L.kind(c)))}</td>" for c in columns) + "</tr>"
        for r in records)
    return (f'<div class="scroll"><table id="{table_id}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _escalation_section(data: ReportData) -> str:
    records = data.escalation_worklist.records()
    near = sum(1 for r in records if r["is_near_due"])
    lying = sum(1 for r in records if r["is_lying_22_plus"])
    issues = [r for r in records if r["escalation_issue"]]
    note = (f"{L.fmt_int(len(records))} fakturaer på eskaleringslisten pr. {L.fmt_date(data.as_of)}: "
            f"{L.fmt_int(near)} tæt på forfald (højst 5 bankdage, ikke godkendt) og {L.fmt_int(lying)} med 22 dage "
            f"eller mere uden godkendelse; {L.fmt_int(len(issues))} uden eskaleringsmodtager (problem i "
            "lederkæden). De første 15 vises; hele listen er i Excel-arket 'Eskalering (tæt på forfald)'.")
    if not records:
        return f'<section id="escalation"><h2>Eskalering før forfald</h2><p class="empty">Ingen fakturaer tæt på forfald eller over 22 dage.</p></section>'
    columns = ["invoice_id", "department", "trigger_text", "due_date", "bank_days_to_due", "days_lying",
               "holder_name", "bank_days_with_holder", "escalation_target_name", "escalation_issue_text"]
    return (f'<section id="escalation"><h2>Eskalering før forfald</h2><p class="note">{escape(note)}</p>'
            + _table(columns, records[:15], "escalation-worklist") + "</section>")


def _variants_section(data: ReportData) -> str:
    records = data.process_variants.records()
    if not records:
        return ""
    return ('<section id="variants"><h2>De hyppigste procesforløb</h2><p class="note">Fakturaer betalt i de '
            "seneste tre måneder: hele rækkefølgen af hændelser til første betaling, hvor mange der fulgte den, "
            "og mediandage fra modtagelse til betaling.</p>"
            + _table(["variant", "invoices", "share_of_invoices", "median_days_to_pay"], records, "process-variants")
            + "</section>")


def _expense_claims_section(data: ReportData) -> str:
    records = data.expense_claims_by_department.records()
    total_open = sum(r["open_claims"] for r in records)
    flagged = sum(r["flagged_claims"] for r in records)
    if not any(r["open_claims"] or r["flagged_claims"] or r["paid"] for r in records):
        return ('<section id="expense-claims"><h2>Udlæg</h2><p class="empty">Ingen udlæg i data '
                "(Kvantum har ikke leveret udlaeg-udtræk).</p></section>")
    note = (f"{L.fmt_int(total_open)} åbne udlæg efter alder og {L.fmt_int(flagged)} udlæg med kontrolpunkter pr. "
            f"{L.fmt_date(data.as_of)}; udbetalt inden for 30 dage efter indsendelse blandt de udbetalte. "
            "Listen med navne er i Excel-arket 'Udlæg'.")
    columns = ["department", "open_claims", "open_0_12", "open_13_21", "open_22_30", "open_31_plus",
               "flagged_claims", "paid", "paid_within_limit", "paid_within_limit_rate"]
    return (f'<section id="expense-claims"><h2>Udlæg</h2><p class="note">{escape(note)}</p>'
            + _table(columns, records, "expense-claims-by-department") + "</section>")
