"""The HTML page's charts: matplotlib figures rendered to inline SVG (no files, no URLs)."""

from __future__ import annotations

import io
import re
from collections import defaultdict

import matplotlib
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from orchestration.report import labels as L
from orchestration.report.data import LYING_BUCKETS, ReportData

_STYLE = {
    "svg.fonttype": "none",  # text stays text: small files, the page's font
    "svg.hashsalt": "rettidig",  # stable element ids: the same marts give the same file
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
}
BLUE, RED, GREY, GREEN = "#1f4e79", "#c0392b", "#7f7f7f", "#2e7d32"
BUCKET_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
RESPONSIBLE_COLOURS = {"LEVERANDØR": "#1f4e79", "FORVALTNING": "#e07b39", "KS": "#6a9f58"}
_INT = FuncFormatter(lambda v, _: L.fmt_int(v))


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight",
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and DOCTYPE
    # Inline SVG in HTML needs no namespace declarations; dropping them keeps the page free of URLs.
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    return svg


def _months(months: list) -> list[str]:
    return [L.month_short(m) for m in months]


def overdue_against_milestone(data: ReportData) -> str | None:
    """Small multiples: overdue invoices per department after each month close vs the milestone."""
    records = data.period_close.records()
    if not records:
        return None
    months = sorted({r["month"] for r in records})
    by_department: dict[str, dict] = defaultdict(dict)
    for r in records:
        by_department[r["department"]][r["month"]] = r
    departments = sorted(by_department)
    columns = 4
    rows = -(-len(departments) // columns)
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(11, 2.6 * rows))
        axes = fig.subplots(rows, columns, squeeze=False, sharex=True)
        for index, ax in enumerate(axes.flat):
            if index >= len(departments):
                ax.set_visible(False)
                continue
            department = departments[index]
            series = [by_department[department].get(m) for m in months]
            x = range(len(months))
            overdue = [s["overdue"] if s else 0 for s in series]
            colours = [RED if s and s["met_overdue_target"] is False else BLUE for s in series]
            ax.bar(x, overdue, color=colours, width=0.7)
            # each month's milestone as a dash across its bar (milestones change over time)
            targets = [(i, s["target_overdue"]) for i, s in enumerate(series) if s and s["target_overdue"] is not None]
            ax.hlines([t for _, t in targets], [i - 0.45 for i, _ in targets], [i + 0.45 for i, _ in targets],
                      color="black", linewidth=1.8, linestyle=(0, (3, 1.5)))
            ax.set_title(department)
            ax.yaxis.set_major_formatter(_INT)
            ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
            ax.set_xticks(list(x), _months(months), rotation=90 if len(months) > 6 else 0)
            ax.tick_params(axis="x", labelsize=7)
            ax.tick_params(axis="x", labelbottom=True)
        fig.legend(
            handles=[Patch(color=BLUE, label="Forfaldne, milepæl nået"),
                     Patch(color=RED, label="Forfaldne, over milepælen"),
                     Line2D([], [], color="black", linestyle=(0, (3, 1.5)), label="Milepæl")],
            loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False,
        )
        fig.tight_layout()
        return _svg(fig)


def aging_distribution(data: ReportData) -> str | None:
    """Stacked bars: invoices in process per department by days lying."""
    records = data.aging.records()
    if not records:
        return None
    departments = sorted({r["department"] for r in records}, reverse=True)
    counts = {(r["department"], r["lying_bucket"]): r["invoices"] for r in records}
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(11, 0.45 * len(departments) + 1.2))
        ax = fig.subplots()
        left = [0] * len(departments)
        for bucket, colour in zip(LYING_BUCKETS, BUCKET_COLOURS):
            values = [counts.get((d, bucket), 0) for d in departments]
            ax.barh(departments, values, left=left, color=colour, label=f"{bucket} dage", height=0.65)
            left = [a + b for a, b in zip(left, values)]
        ax.xaxis.set_major_formatter(_INT)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Fakturaer i behandling")
        ax.legend(ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
        fig.tight_layout()
        return _svg(fig)


def on_time_trend(data: ReportData) -> str | None:
    """Lines: share of invoices paid on time per month of payment, per department and in total."""
    records = [r for r in data.on_time_trend.records() if not r["is_total"]]
    totals = {r["month"]: r["on_time_rate"] for r in data.on_time_trend.records() if r["is_total"]}
    if not records:
        return None
    months = sorted({r["month"] for r in records})
    departments = sorted({r["department"] for r in records})
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(11, 3.6))
        ax = fig.subplots()
        x = list(range(len(months)))
        palette = matplotlib.colormaps["tab10"]
        for index, department in enumerate(departments):
            rates = {r["month"]: r["on_time_rate"] for r in records if r["department"] == department}
            ax.plot(x, [rates.get(m, float("nan")) for m in months], marker="o", markersize=3,
                    linewidth=1, color=palette(index % 10), label=department)
        # the total per month (total on time / total paid) is computed in rpt_on_time_trend
        total_rates = [totals.get(m) for m in months]
        ax.plot(x, [float("nan") if r is None else r for r in total_rates],
                color="black", linewidth=2.5, marker="o", markersize=4, label="I alt")
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xticks(x, _months(months), rotation=90 if len(months) > 12 else 0)
        ax.grid(axis="y", color="#dddddd")
        ax.set_ylabel("Betalt rettidigt")
        ax.legend(ncols=len(departments) + 1, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
        fig.tight_layout()
        return _svg(fig)


def returns_by_reason(data: ReportData) -> str | None:
    """Horizontal bars: returns to KS by reason code, coloured by who is responsible."""
    records = data.returns_by_reason.records()
    if not records:
        return None
    records = sorted(records, key=lambda r: (r["returns"], r["reason_code"]))
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(11, 0.35 * len(records) + 1.2))
        ax = fig.subplots()
        colours = [RESPONSIBLE_COLOURS.get(r["responsible"], GREY) for r in records]
        bars = ax.barh([r["reason_code"] for r in records], [r["returns"] for r in records],
                       color=colours, height=0.65)
        ax.bar_label(bars, labels=[L.fmt_int(r["returns"]) for r in records], padding=3, fontsize=8)
        ax.xaxis.set_major_formatter(_INT)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Returneringer")
        responsible = sorted({r["responsible"] for r in records})
        ax.legend(handles=[Patch(color=RESPONSIBLE_COLOURS.get(r, GREY), label=r.capitalize()) for r in responsible],
                  title="Ansvarlig", frameon=False, loc="lower right")
        fig.tight_layout()
        return _svg(fig)


# --- v1.1: where the days went (R15) ----------------------------------------------------------

STEP_COLOURS = {"KS": "#6a9f58", "APPROVAL": "#1f4e79", "POSTING": "#e07b39", "PAYMENT": "#8e9aaf",
                "BLOCKED": "#c0392b"}
# event type -> (x, y) on the process map: the main path on y = 0, side tracks above and below
PROCESS_MAP_POSITIONS = {
    "MODTAGET": (0, 0.0), "TILDELT": (1.4, 0.0), "KORRIGERET": (2.2, 1.0), "RETURNERET": (2.2, -1.0),
    "VIDERESENDT": (3.0, 0.6), "ESKALERET": (3.0, -0.6), "GODKENDT": (4.2, 0.0), "BOGFØRT": (5.4, 0.0),
    "SPÆRRET": (6.0, 1.1), "SPÆRRE_OPHÆVET": (7.2, 1.1), "BETALT": (7.8, 0.0), "AFVIST": (4.2, -1.3),
    "ANNULLERET": (5.4, -1.3),
}


def dwell_figure(data: ReportData) -> Figure | None:
    """Average days per step by department: grouped bars, one per step (each average is over the
    invoices that had the step, so they are not stacked)."""
    records = data.dwell_by_department_step.records()
    if not records:
        return None
    departments = sorted({r["department"] for r in records}, reverse=True)
    avg = {(r["department"], r["step"]): float(r["avg_days"]) for r in records}
    steps = list(STEP_COLOURS)
    height = 0.8 / len(steps)
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(8.5, 0.75 * len(departments) + 1.4))
        ax = fig.subplots()
        for k, step in enumerate(steps):
            offsets = [i + ((len(steps) - 1) / 2 - k) * height for i in range(len(departments))]
            values = [avg.get((d, step), 0.0) for d in departments]
            ax.barh(offsets, values, height=height * 0.95, color=STEP_COLOURS[step], label=L.STEPS[step])
            for y, v in zip(offsets, values):
                if v > 0:
                    ax.text(v + 0.2, y, f"{v:.1f}".replace(".", ","), va="center", fontsize=6.5, color=GREY)
        ax.set_yticks(range(len(departments)), departments)
        ax.set_xlabel("Gennemsnitlige dage i trinnet (blandt fakturaer der havde trinnet)")
        ax.legend(ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    return fig


def dwell_by_department(data: ReportData) -> str | None:
    fig = dwell_figure(data)
    return _svg(fig) if fig is not None else None


def process_map_figure(data: ReportData) -> Figure | None:
    """The process map of the most common paths: nodes are event types, edges the transitions
    between them with their count and median days (networkx graph, matplotlib drawing)."""
    import networkx as nx

    edges = data.process_map_edges.records()
    if not edges:
        return None
    graph = nx.DiGraph()
    for e in edges:
        graph.add_edge(e["from_event"], e["to_event"], transitions=e["transitions"], median_days=e["median_days"])
    # a fixed place per event type, in process order left to right (side tracks above and below),
    # so that the map reads the same every week
    pos = {n: PROCESS_MAP_POSITIONS.get(n, (8.6, 0.0)) for n in graph.nodes}
    most = max(e["transitions"] for e in edges)
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(11, 6))
        ax = fig.subplots()
        ax.set_axis_off()
        widths = [0.8 + 5 * graph.edges[e]["transitions"] / most for e in graph.edges]
        nx.draw_networkx_edges(graph, pos, ax=ax, width=widths, edge_color=GREY, arrows=True, arrowsize=12,
                               node_size=2300, connectionstyle="arc3,rad=0.12")
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=BLUE, node_size=2300, node_shape="o")
        nx.draw_networkx_labels(graph, pos, ax=ax, labels={n: n.replace("_", "_\n") for n in graph.nodes},
                                font_color="white", font_size=6.5)
        labels = {(a, b): f"{L.fmt_int(d['transitions'])} · {d['median_days']:g} d".replace(".", ",")
                  for a, b, d in graph.edges(data=True)}
        nx.draw_networkx_edge_labels(graph, pos, edge_labels=labels, ax=ax, font_size=7, label_pos=0.5,
                                     connectionstyle="arc3,rad=0.12", node_size=2300,
                                     bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
        ax.margins(0.08)
        ax.set_title("Procesdiagram: de hyppigste forløb (antal overgange · mediandage)")
    return fig


def process_map(data: ReportData) -> str | None:
    fig = process_map_figure(data)
    return _svg(fig) if fig is not None else None


def save_png(fig: Figure, path) -> None:
    """A chart as a PNG file (the process map beside the report; the pictures in docs/img)."""
    with matplotlib.rc_context({**_STYLE, "svg.fonttype": "path"}):
        fig.savefig(path, format="png", dpi=130, bbox_inches="tight", metadata={"Software": None})
