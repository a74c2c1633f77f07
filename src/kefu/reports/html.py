"""The offline HTML report: one self-contained file with headline cards and Plotly charts (JS inlined, no CDN)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from plotly.offline import get_plotlyjs

from kefu import __version__
from kefu.config import Settings
from kefu.metrics.catalog import metric
from kefu.output import human_value, label
from kefu.reports import html_charts
from kefu.reports.html_data import Card, HtmlData, gather
from kefu.reports.staffing_section import Section, section

TEMPLATE = "html_report.html.j2"
# The agent table's columns; QC and exam scores join when those features' metrics hold a value in the range.
TABLE_COLUMNS = ("inquiry_buyers", "reply_rate", "avg_response_s", "within_threshold_rate", "avg_first_response_s",
                 "conversion_rate", "inquiry_sales", "avg_order_value", "lost_buyers")
OPTIONAL_COLUMNS = ("qc_score", "emotion_worsened_rate", "exam_score")
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class CardView:
    """A headline card as shown: label, value text and the change vs the previous period."""

    card: Card
    label: str
    text: str
    change: str
    trend: str


def _change(card: Card, lang: str) -> tuple[str, str]:
    """The change vs the previous period as text, and whether it is better, worse or the same."""
    if card.value is None or card.previous is None:
        return ("上期无数据" if lang == "zh" else "no previous data"), "none"
    unit = metric(card.metric_id, card.grain).unit
    # The change is rounded as the card shows it, so a change too small to show reads as unchanged.
    scale, digits, suffix_zh, suffix_en = {"rate": (100, 1, "个百分点", "pp"), "yuan": (1, 2, "元", "yuan"),
                                           "seconds": (1, 1, "秒", "s")}.get(unit, (1, 2, "", ""))
    diff = round((card.value - card.previous) * scale, digits)
    if diff == 0:
        return ("与上期持平" if lang == "zh" else "unchanged"), "same"
    number = f"{diff:+,.{digits}f}"
    text = f"较上期 {number} {suffix_zh}" if lang == "zh" else f"vs previous {number} {suffix_en}"
    return text.rstrip(), "better" if (diff > 0) == card.higher_is_better else "worse"


def card_view(card: Card, lang: str, settings: Settings) -> CardView:
    """How one headline card reads (a preset's platform figures by the preset's names)."""
    change, trend = _change(card, lang)
    value = human_value(card.metric_id, card.grain, card.value)
    # A card adds the range's daily counts: buyer counts read 人次.
    return CardView(card, label(card.metric_id, card.grain, lang, settings, summed=True), value, change, trend)


def agent_table(data: HtmlData, lang: str) -> tuple[list[str], list[list[str]]]:
    """The agents' figures over the range as a table: headers and formatted cells, best sales first."""
    grain = "account_day"
    columns = list(TABLE_COLUMNS) + [c for c in OPTIONAL_COLUMNS
                                     if any(r.get(c) is not None for r in data.accounts)]
    single = len(data.shops) == 1
    headers = [label("account", grain, lang)] + [label(c, grain, lang, data.settings, summed=True) for c in columns]
    ordered = sorted(data.accounts, key=lambda r: (-(r["inquiry_sales"] or 0), r["account"]))
    rows = [[html_charts.agent_name(r["account"], r["shop"], single)] + [human_value(c, grain, r[c]) for c in columns]
            for r in ordered]
    return headers, rows


def figures(data: HtmlData, lang: str) -> dict[str, dict[str, Any]]:
    """Every chart of the report by its element id."""
    figs = {
        "shop-trends": html_charts.shop_trends(data, lang),
        "agent-trends": html_charts.agent_trends(data, lang),
        "agent-ranking": html_charts.rankings(data, lang),
        "response-histogram": html_charts.response_histogram(data, lang),
        "funnel": html_charts.funnel(data, lang),
    }
    if data.qc.counts:
        figs["qc-categories"] = html_charts.qc_categories(data, lang)
    for element, part in staffing_sections(data, lang):
        if part.busy:
            figs[element] = html_charts.staffing_heatmap(part.view.plan, lang)
    return figs


def staffing_sections(data: HtmlData, lang: str) -> list[tuple[str, Section]]:
    """Each shop's staffing section with the id of its heatmap element, in report order."""
    return [(f"staffing-{i}", section(shop, data.staffing[shop], lang))
            for i, shop in enumerate((s for s in data.shops if s in data.staffing), 1)]


def render_data(data: HtmlData, lang: str = "zh") -> str:
    """The HTML page of gathered figures."""
    def span(lo: dt.date, hi: dt.date) -> str:
        return f"{lo.isoformat()} ~ {hi.isoformat()}"

    return _ENV.get_template(TEMPLATE).render(
        lang=lang, zh=lang == "zh", version=__version__, shops=data.shops,
        period=span(data.day_from, data.day_to),
        previous=span(data.prev_from, data.prev_to) if data.has_previous else None,
        cards={shop: [card_view(c, lang, data.settings) for c in data.cards if c.shop == shop] for shop in data.shops},
        table=agent_table(data, lang), figures=figures(data, lang), qc=data.qc, settings=data.settings.as_dict(),
        staffing=staffing_sections(data, lang),
        plotly_js=get_plotlyjs(),
    )


def render_html(con: duckdb.DuckDBPyConnection, settings: Settings, day_from: dt.date | None = None,
                day_to: dt.date | None = None, lang: str = "zh", shops: Collection[str] | None = None) -> str:
    """The self-contained offline HTML report over a day range (default: the whole warehouse), of some shops."""
    return render_data(gather(con, settings, day_from, day_to, shops), lang)
