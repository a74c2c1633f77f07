"""Plotly figures of the HTML report, drawn from the gathered report rows (values are plotted, never recomputed)."""
from __future__ import annotations

import json
import math
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kefu.metrics.catalog import metric
from kefu.output import human_value, label
from kefu.reports.html_data import HtmlData
from kefu.reports.staffing_section import cell_text
from kefu.staffing.plan import Plan, PlanCell
from kefu.staffing.rows import busy_slots, grid, weekday_name

FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC", sans-serif'
SHOP_TRENDS = ("inquiry_buyers", "reply_rate", "conversion_rate", "inquiry_sales")
AGENT_TRENDS = ("inquiry_buyers", "reply_rate", "avg_response_s", "conversion_rate")
# Agent rankings: (metric id, higher is better).
RANKINGS = (("inquiry_sales", True), ("conversion_rate", True), ("reply_rate", True), ("avg_response_s", False))
SEVERITY_COLORS = {"严重": "#d62728", "一般": "#ff7f0e", "提示": "#1f77b4"}
FUNNEL = ("inquiry_buyers", "ordered_buyers", "paid_buyers")
# The rate shown beside each funnel stage after the first (from the same report row).
FUNNEL_RATES = {"ordered_buyers": "order_conversion_rate", "paid_buyers": "conversion_rate"}
# The staffing heatmap: shortfall red, neutral at 0, surplus green; intervals outside the judged hours grey.
SHORT_COLOR, EVEN_COLOR, SPARE_COLOR, OFF_COLOR = "#c62828", "#f7f7f7", "#1a7f37", "#dfe3e8"


def _t(lang: str, zh: str, en: str) -> str:
    """The text in the report's language."""
    return zh if lang == "zh" else en


def _axis_format(metric_id: str, grain: str) -> dict[str, str]:
    """Tick format of an axis showing this metric."""
    unit = metric(metric_id, grain).unit
    if unit == "rate":
        return {"tickformat": ".0%"}
    if unit == "yuan":
        return {"tickformat": ",.0f"}
    return {}


def _hover(metric_id: str, grain: str) -> str:
    """The d3 format of a metric's value in hover labels, matching human_value."""
    return {"rate": ".1%", "yuan": ",.2f", "seconds": ".1f", "hours": ".2f", "score": ".2f",
            "ratio": ".2f", "items": ".2f"}.get(metric(metric_id, grain).unit, ",d")


def agent_name(account: str, shop: str, single_shop: bool) -> str:
    """An account as shown in charts: without its shop prefix when the report covers one shop."""
    prefix = shop + ":"
    return account[len(prefix):] if single_shop and account.startswith(prefix) else account


def _finish(fig: go.Figure, height: int, **layout: Any) -> dict[str, Any]:
    """Common layout (with a figure's own changes), then the figure as plain JSON data for Plotly.newPlot."""
    fig.update_layout(template="plotly_white", font={"family": FONT, "size": 13}, height=height,
                      margin={"l": 60, "r": 30, "t": 50, "b": 50},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "x": 0})
    fig.update_layout(**layout)
    return json.loads(fig.to_json())


def _trend_grid(rows: list[dict[str, Any]], grain: str, metrics: tuple[str, ...], key: str,
                name_of: Any, lang: str) -> dict[str, Any]:
    """A 2×2 grid of daily lines, one line per `key` value in every panel."""
    fig = make_subplots(rows=2, cols=2, subplot_titles=[label(m, grain, lang) for m in metrics],
                        vertical_spacing=0.16, horizontal_spacing=0.08)
    names = list(dict.fromkeys(r[key] for r in rows))
    for i, m in enumerate(metrics):
        pos = {"row": i // 2 + 1, "col": i % 2 + 1}
        for n, who in enumerate(names):
            mine = [r for r in rows if r[key] == who]
            fig.add_trace(go.Scatter(
                x=[r["day"] for r in mine], y=[r[m] for r in mine], mode="lines+markers", name=name_of(mine[0]),
                legendgroup=who, showlegend=i == 0, line={"color": _color(n)},
                hovertemplate=f"%{{x}}<br>%{{y:{_hover(m, grain)}}}<extra>{name_of(mine[0])}</extra>"), **pos)
        fig.update_yaxes(rangemode="tozero", **_axis_format(m, grain), **pos)
    fig.update_xaxes(type="date", tickformat="%m-%d")
    return _finish(fig, 560)


def _color(n: int) -> str:
    """A stable colour per series."""
    palette = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
               "#bcbd22", "#17becf")
    return palette[n % len(palette)]


def shop_trends(data: HtmlData, lang: str) -> dict[str, Any]:
    """Daily shop figures, one line per shop."""
    return _trend_grid(data.shop_days, "shop_day", SHOP_TRENDS, "shop", lambda r: r["shop"], lang)


def agent_trends(data: HtmlData, lang: str) -> dict[str, Any]:
    """Daily agent figures, one line per account."""
    single = len(data.shops) == 1
    return _trend_grid(data.account_days, "account_day", AGENT_TRENDS, "account",
                       lambda r: agent_name(r["account"], r["shop"], single), lang)


def rankings(data: HtmlData, lang: str) -> dict[str, Any]:
    """Horizontal bars ranking the agents over the range, best at the top of each panel."""
    single = len(data.shops) == 1
    grain = "account_day"
    fig = make_subplots(rows=2, cols=2, subplot_titles=[label(m, grain, lang, summed=True) for m, _ in RANKINGS],
                        vertical_spacing=0.12, horizontal_spacing=0.22)
    for i, (m, higher) in enumerate(RANKINGS):
        # Worst first: plotly draws the first category at the bottom, so the best ends up on top.
        ranked = sorted((r for r in data.accounts if r[m] is not None), key=lambda r: r[m], reverse=not higher)
        fig.add_trace(go.Bar(
            y=[agent_name(r["account"], r["shop"], single) for r in ranked], x=[r[m] for r in ranked],
            orientation="h", marker={"color": _color(i)}, showlegend=False,
            text=[human_value(m, grain, r[m]) for r in ranked], textposition="outside", cliponaxis=False,
            hovertemplate=f"%{{y}}: %{{x:{_hover(m, grain)}}}<extra></extra>"), row=i // 2 + 1, col=i % 2 + 1)
        fig.update_xaxes(**_axis_format(m, grain), row=i // 2 + 1, col=i % 2 + 1)
    return _finish(fig, max(420, 2 * (len(data.accounts) * 26 + 90)))


def response_histogram(data: HtmlData, lang: str) -> dict[str, Any]:
    """Response times in bins per shop (stacked), with the slow-response threshold as a line."""
    h, threshold = data.histogram, data.settings.slow_threshold_s
    fig = go.Figure()
    for n, shop in enumerate(data.shops):
        mine = [c for c in h.counts if c["shop"] == shop]
        fig.add_trace(go.Bar(
            x=[(c["bin"] - 0.5) * h.width for c in mine], y=[c["n"] for c in mine], width=h.width, name=shop,
            marker={"color": _color(n)}, customdata=[[(c["bin"] - 1) * h.width, c["bin"] * h.width] for c in mine],
            hovertemplate=_t(lang, "%{customdata[0]:.0f}–%{customdata[1]:.0f} 秒：%{y} 次",
                             "%{customdata[0]:.0f}–%{customdata[1]:.0f} s: %{y}") + f"<extra>{shop}</extra>"))
    cap = h.bins * h.width
    ticks = [threshold * k for k in range(0, int(cap // threshold))]
    fig.add_vline(x=threshold, line={"color": "#d62728", "dash": "dash", "width": 2},
                  annotation_text=_t(lang, f"{threshold} 秒界限", f"{threshold} s threshold"),
                  annotation_position="top right", annotation_font_color="#d62728")
    fig.update_layout(barmode="stack", bargap=0.05, showlegend=len(data.shops) > 1)
    fig.update_xaxes(title_text=_t(lang, "响应时间（秒）", "response time (s)"), range=[0, cap + h.width],
                     tickvals=ticks + [cap + h.width / 2], ticktext=[str(t) for t in ticks] + [f">{cap:g}"],
                     tickangle=0)
    fig.update_yaxes(title_text=_t(lang, "响应次数", "responses"))
    return _finish(fig, 380)


def funnel(data: HtmlData, lang: str) -> dict[str, Any]:
    """询单→下单→付款 per shop, with the report's conversion rates beside the stages.

    The stages add the accounts' daily counts (only the account grain knows who ordered), so they are person-days
    (人次) and their rates are rates of person-days, labelled so: the cards' shop rates count distinct buyers.
    """
    grain = "account_day"
    per = "（按人次）" if lang == "zh" else " (of person-days)"
    fig = go.Figure()
    for n, row in enumerate(data.shop_accounts):
        text = []
        for m in FUNNEL:
            rate = FUNNEL_RATES.get(m)
            extra = f" · {label(rate, grain, lang)}{per} {human_value(rate, grain, row[rate])}" if rate else ""
            text.append(f"{human_value(m, grain, row[m])}{extra}")
        fig.add_trace(go.Funnel(
            y=[label(m, grain, lang, summed=True) for m in FUNNEL], x=[row[m] for m in FUNNEL], name=row["shop"],
            text=text, textinfo="text", marker={"color": _color(n)}, hoverinfo="y+x+name"))
    fig.update_layout(showlegend=len(data.shop_accounts) > 1)
    return _finish(fig, 340)


def qc_categories(data: HtmlData, lang: str) -> dict[str, Any]:
    """QC findings per category, stacked by severity."""
    fig = go.Figure()
    categories = list(dict.fromkeys(c["category"] for c in data.qc.counts))
    for severity in dict.fromkeys(c["severity"] for c in data.qc.counts):
        counts = {c["category"]: c["n"] for c in data.qc.counts if c["severity"] == severity}
        fig.add_trace(go.Bar(x=categories, y=[counts.get(c, 0) for c in categories], name=severity,
                             marker={"color": SEVERITY_COLORS.get(severity, "#7f7f7f")}))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=_t(lang, "问题数", "findings"))
    return _finish(fig, 360)


def _gap_scale(gaps: list[float]) -> tuple[float, float, list[list[Any]]]:
    """zmin, zmax and a colour scale white at 0: each side spans its own extreme, so a one-agent shortfall is
    deep red even beside a four-agent surplus (a scale symmetric about 0 would leave it pale)."""
    low, high = min(gaps + [-1.0]), max(gaps + [1.0])
    mid = -low / (high - low)
    return low, high, [[0.0, SHORT_COLOR], [mid / 2, "#ef9a9a"], [mid, EVEN_COLOR],
                       [mid + (1 - mid) / 2, "#a5d6a7"], [1.0, SPARE_COLOR]]


def _cell_data(p: PlanCell | None, lang: str) -> list[Any]:
    """Hover figures of a cell: needed, scheduled, online, predicted service level, mean wait (s), and a line when
    no staffing meets the target there."""
    if p is None:
        return [None] * 5 + [""]
    wait = p.staffing.avg_wait_s
    reach = "" if p.staffing.reachable or not p.judged else _t(
        lang, "<br>不限人数也达不到目标：回复本身就慢", "<br>no staffing meets the target: the replies are slow")
    return [p.required, p.scheduled, round(p.cell.agents_online, 2), p.staffing.service_level,
            wait if math.isfinite(wait) else None, reach]


def staffing_heatmap(plan: Plan, lang: str) -> dict[str, Any]:
    """Weekday × time of day coloured by online minus needed agents (the report's and the web page's figure).

    Rows are the intervals with anything in them, earliest at the top; each cell reads 需/在 (needed / online),
    and the intervals outside the platform's hours (not judged) are a grey layer of their own.
    """
    cells, slots = grid(plan), busy_slots(plan)
    x = [weekday_name(d, lang) for d in range(1, 8)]
    y = [plan.demand.interval_label(s) for s in slots]
    at = [[cells.get((s, d)) for d in range(1, 8)] for s in slots]
    judged = [[p is not None and p.judged for p in row] for row in at]
    unjudged = [[p is not None and not p.judged for p in row] for row in at]
    z = [[p.gap if p is not None and on else None for p, on in zip(row, ons)] for row, ons in zip(at, judged)]
    off = [[0 if on else None for on in ons] for ons in unjudged]
    custom = [[_cell_data(p, lang) for p in row] for row in at]
    low, high, scale = _gap_scale([g for row in z for g in row if g is not None])
    hover = _t(lang, "%{x} %{y}<br>需在线 %{customdata[0]} 人 · 需排班 %{customdata[1]} 人"
                     "<br>实际平均在线 %{customdata[2]:.1f} 人 · 在线−需要 %{z:+.1f}"
                     "<br>预计达标率 %{customdata[3]:.1%} · 预计平均等待 %{customdata[4]:.1f} 秒%{customdata[5]}"
                     "<extra></extra>",
               "%{x} %{y}<br>needed online %{customdata[0]} · to schedule %{customdata[1]}"
               "<br>online on average %{customdata[2]:.1f} · online − needed %{z:+.1f}"
               "<br>predicted service level %{customdata[3]:.1%} · mean wait %{customdata[4]:.1f} s%{customdata[5]}"
               "<extra></extra>")
    off_hover = _t(lang, "%{x} %{y}<br>考核时段外，不按目标配人<br>实际平均在线 %{customdata[2]:.1f} 人<extra></extra>",
                   "%{x} %{y}<br>outside the platform's hours: not judged"
                   "<br>online on average %{customdata[2]:.1f}<extra></extra>")
    fig = go.Figure()
    common = {"x": x, "y": y, "customdata": custom, "texttemplate": "%{text}", "xgap": 2, "ygap": 2,
              "hoverongaps": False, "textfont": {"size": 11}}
    fig.add_trace(go.Heatmap(z=off, text=_texts(at, unjudged), colorscale=[[0, OFF_COLOR], [1, OFF_COLOR]],
                             showscale=False, hovertemplate=off_hover, name=_t(lang, "考核时段外", "not judged"),
                             **common))
    fig.add_trace(go.Heatmap(z=z, text=_texts(at, judged), zmin=low, zmax=high, colorscale=scale,
                             hovertemplate=hover, name=_t(lang, "在线−需要", "online − needed"),
                             colorbar={"title": {"text": _t(lang, "在线−需要（人）", "online − needed")},
                                       "thickness": 14}, **common))
    fig.update_xaxes(side="top", type="category", fixedrange=True)
    fig.update_yaxes(type="category", autorange="reversed", fixedrange=True, title_text=_t(lang, "时段", "interval"))
    return _finish(fig, max(320, 22 * len(slots) + 90), margin={"l": 70, "r": 30, "t": 40, "b": 20})


def _texts(at: list[list[PlanCell | None]], shown: list[list[bool]]) -> list[list[str]]:
    """The 需/在 text of the cells a layer shows, blank elsewhere."""
    return [[cell_text(p) if p is not None and on else "" for p, on in zip(row, ons)] for row, ons in zip(at, shown)]
