"""The scorecard as a terminal table: each metric's value and points, total, rank and bonus."""
from __future__ import annotations

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table

from kefu.output import column_pages, human_value, label
from kefu.reports.names import short_account
from kefu.scoring.plan import GRAIN
from kefu.scoring.score import Scorecard

HEADERS = {"zh": ("排名", "客服", "分组", "姓名", "总分", "门槛", "奖金(元)"),
           "en": ("rank", "agent", "group", "name", "total", "gates", "bonus (yuan)")}


def _cells(card: Scorecard, lang: str) -> tuple[list[str], list[list[str]]]:
    """Row labels and, per scored row, its cells: each metric as 'value → points', then total, rank, gates, bonus."""
    _, _, _, _, total, gates, bonus = HEADERS[lang]
    rank = HEADERS[lang][0]
    labels = []
    for pm in card.plan.metrics:
        weight = f"权重 {pm.weight:g}" if lang == "zh" else f"weight {pm.weight:g}"
        labels.append(f"{label(pm.id, GRAIN, lang, card.settings)} ({weight})")
    labels += [total, rank, gates, bonus]
    ok = ("通过", "未通过") if lang == "zh" else ("passed", "failed")
    columns = []
    for r in card.rows:
        cells = [f"{human_value(line.metric_id, GRAIN, line.value)} → {line.points:.2f}" for line in r["lines"]]
        cells += [f"{r['total']:.2f}", str(r["rank"]), ok[0] if r["gates_passed"] else ok[1], f"{r['bonus']:,.2f}"]
        columns.append(cells)
    return labels, columns


def _name(card: Scorecard, row: dict) -> str:
    """A scored row's header: the short account and the person's name, or the group."""
    if card.by == "group":
        return str(row["group"])
    name = short_account(row["shop"], row["account"])
    return f"{name}（{row['agent_name']}）" if row.get("agent_name") else name


def score_table(card: Scorecard, lang: str = "zh", width: int = 120) -> Group:
    """Metrics down the side and one column per agent, the agents split over several tables when they do not fit."""
    spelled = card.period == f"{card.day_from}..{card.day_to}"  # a range period already names its days
    title = f"{card.plan.name} · {card.period}" + ("" if spelled else f"（{card.day_from} ~ {card.day_to}）")
    labels, columns = _cells(card, lang)
    names = [_name(card, r) for r in card.rows]
    widths = [max(cell_len(n), *(cell_len(c) for c in col)) for n, col in zip(names, columns)]
    side = max(cell_len(x) for x in labels)
    tables = []
    for page, agents in enumerate(column_pages(widths, width - side - 4)):
        more = "（续）" if lang == "zh" else " (continued)"
        table = Table(title=title + (more if page else ""), header_style="bold cyan")
        table.add_column("指标 (分)" if lang == "zh" else "metric (points)", no_wrap=True)
        for i in agents:
            table.add_column(names[i], justify="right", no_wrap=True)
        for row, text in enumerate(labels):
            table.add_row(text, *[columns[i][row] for i in agents])
        tables.append(table)
    return Group(*tables)
