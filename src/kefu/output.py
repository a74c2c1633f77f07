"""Render report rows: a paged terminal table with Chinese labels, CSV, or JSON."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from kefu.config import Settings
from kefu.metrics.catalog import metric
from kefu.metrics.platform import platform_label

KEY_LABELS = {
    "shop": ("店铺", "shop"), "account": ("客服账号", "account"), "group": ("分组", "group"),
    "day": ("日期", "day"), "period": ("周期", "period"), "from": ("起", "from"), "to": ("止", "to"),
}
KEY_COLUMNS = tuple(KEY_LABELS)

# Headers of the model columns `kefu explain` lists.
EVIDENCE_LABELS = {
    "buyer": "买家", "ts": "提问时间", "reply_ts": "回复时间", "clock_start": "计时起点", "question_no": "第几问",
    "is_first": "首问", "response_s": "响应(秒)", "inquiry": "咨询", "replied": "已回复", "unclosed": "未闭环",
    "buyer_messages": "买家消息", "agent_messages": "客服消息", "last_word_buyer": "买家最后发言",
    "q0_ts": "首条消息", "first_response_s": "首次响应(秒)", "order_id": "订单号", "created_at": "下单时间",
    "paid_at": "付款时间", "amount": "金额", "items": "件数", "touch_ts": "归属依据消息",
    "paid_in_window": "窗口内付款",
    "reason": "过滤原因", "max_concurrent": "最大同时接待", "online_hours": "在线(小时)",
    "total_orders": "下单笔数", "paid_orders": "付款笔数", "total_sales": "成交金额", "silent_sales": "静默销售",
    "msg_ts": "消息时间", "rule_name": "规则", "category": "类别", "severity": "严重度", "points": "扣分",
    "matched": "命中", "findings": "质检发现", "deductions": "扣分合计", "score": "得分",
    "rated_at": "评价时间", "eval_key": "评价编号", "level": "评价等级",
    "reply_sender": "回复方", "counted_s": "计入(秒)", "left_out": "不计入原因",
    "status": "状态", "start": "开始", "end": "结束", "counted_hours": "计入(小时)",
    "refund_amount": "退款金额", "silent": "静默下单", "refund_id": "退款编号", "finished_at": "完结时间",
    "completed_by": "完结方", "disputed": "纠纷", "refund_hours": "完结时长(小时)", "complaint_id": "投诉编号",
    "service_score": "服务态度分", "applied_at": "申请时间", "complained_at": "投诉时间", "agent": "客服账号",
}


# Columns `--compare previous` adds after a metric: (suffix, zh, en).
COMPARE_SUFFIXES = (("_prev", "上期", "previous"), ("_change", "变化", "change"))


def split_compare(column: str) -> tuple[str, str]:
    """A column's metric id and its compare suffix ('' for the figure itself)."""
    for suffix, _, _ in COMPARE_SUFFIXES:
        if column.endswith(suffix) and column not in KEY_LABELS:
            return column[: -len(suffix)], suffix
    return column, ""


# Figures named by a threshold setting: (setting, Chinese name, English name) with {n} for its value; the
# catalog's own names are those of the default values.
THRESHOLD_NAMES = {
    "within_threshold_rate": ("slow_threshold_s", "{n}秒响应率", "{n}-second response rate"),
    "fast_first_response_rate": ("fast_first_response_s", "{n}秒首响率", "{n}-second first response rate"),
}


def _threshold_name(metric_id: str, settings: Settings, lang: str) -> str | None:
    """The name of a threshold figure under settings that move its threshold away from the default; else None."""
    if metric_id not in THRESHOLD_NAMES:
        return None
    setting, zh, en = THRESHOLD_NAMES[metric_id]
    n = getattr(settings, setting)
    if n == getattr(Settings(), setting):
        return None
    return (zh if lang == "zh" else en).format(n=f"{n:g}")


def counts_people(metric_id: str, grain: str) -> bool:
    """A metric that counts buyers (咨询人数…): added over days or accounts it counts person-days (人次)."""
    m = metric(metric_id, grain)
    return m.unit == "count" and m.additive and m.label_zh.endswith("人数")


def label(column: str, grain: str, lang: str = "zh", settings: Settings | None = None, summed: bool = False) -> str:
    """The header users see for a column (given the settings, the platform figures are named as the preset does).

    summed: the rows add daily counts of several days or accounts, so buyer counts read 人次 (person-days),
    never the 人数 that a shop-grain figure of distinct buyers carries (metrics.md §5).
    """
    if column in KEY_LABELS:
        zh, en = KEY_LABELS[column]
        return zh if lang == "zh" else en
    base, suffix = split_compare(column)
    m = metric(base, grain)
    named = (platform_label(base, settings, lang) or _threshold_name(base, settings, lang)) if settings else None
    text = named or (m.label_zh if lang == "zh" else m.label_en)
    if summed and counts_people(base, grain):
        text = text.removesuffix("人数") + "人次" if lang == "zh" else f"{text} (person-days)"
    for sfx, zh, en in COMPARE_SUFFIXES:
        if suffix == sfx:
            text += f"·{zh}" if lang == "zh" else f" ({en})"
    return text


# How evidence columns read: 0/1 flags as 是/否, money to the fen, seconds to 0.1, filter reasons in words.
FLAG_COLUMNS = frozenset({"inquiry", "replied", "unclosed", "last_word_buyer", "is_first", "paid_in_window"})
MONEY_COLUMNS = frozenset({"amount", "total_sales", "silent_sales", "refund_amount"})
SECONDS_COLUMNS = frozenset({"response_s", "first_response_s", "counted_s"})
HOURS_COLUMNS = frozenset({"counted_hours", "refund_hours"})
# Coded values in words, per column: (Chinese, English).
VALUE_WORDS = {
    "reason": {"blocklist": ("黑名单", "blocklist"), "sub_account": ("子账号", "sub-account"),
               "internal": ("内部账号", "internal account"), "ad": ("广告", "advertising")},
    "status": {"online": ("在线", "online"), "busy": ("忙碌", "busy")},
    "completed_by": {"merchant": ("商家", "merchant"), "platform": ("平台（小二）", "platform"),
                     "buyer": ("买家", "buyer")},
}


def evidence_cell(value: Any, lang: str = "zh", column: str = "") -> str:
    """An evidence value as a person reads it: — for nothing, 是/否 (yes/no) for flags, money and seconds rounded."""
    if value is None:
        return "—"
    if isinstance(value, bool) or (column in FLAG_COLUMNS and value in (0, 1)):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if column in MONEY_COLUMNS and isinstance(value, (int, float, Decimal)):
        return f"{value:,.2f}"
    if column in SECONDS_COLUMNS and isinstance(value, (int, float, Decimal)):
        return f"{value:.1f}"
    if column in HOURS_COLUMNS and isinstance(value, (int, float, Decimal)):
        return f"{value:.2f}"
    words = VALUE_WORDS.get(column, {})
    if value in words:
        return words[value][0 if lang == "zh" else 1]
    return str(value)


def human_value(column: str, grain: str, value: Any) -> str:
    """A value as a person reads it: percentages, one decimal for time, two for money."""
    if value is None:
        return "—"
    if column in KEY_LABELS:
        return str(value)
    base, suffix = split_compare(column)
    if suffix == "_change":
        # A change of a rate is in percentage points; others keep their unit, always signed.
        if metric(base, grain).unit == "rate":
            return f"{value * 100:+.1f}pp"
        shown = human_value(base, grain, abs(value))
        return ("-" if value < 0 else "+") + shown
    unit = metric(base, grain).unit
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit in ("seconds", "hours", "score", "items") and isinstance(value, float):
        return f"{value:.2f}" if unit in ("hours", "score", "items") else f"{value:.1f}"
    if unit == "yuan":
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def to_json(payload: dict[str, Any]) -> str:
    """The machine form of a report: grain, settings and rows, nulls as null."""
    return json.dumps(payload, ensure_ascii=False, indent=1)


# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any, enabled: bool = True) -> Any:
    """Text that a spreadsheet would run as a formula, prefixed with a quote (when enabled); else as it is."""
    if enabled and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# Nine decimals keep every figure's meaning (a rate to 1e-9, seconds to the nanosecond) and drop the binary
# noise of float sums and interpolated quantiles (56.60000000000007 -> 56.6).
CSV_FLOAT_DECIMALS = 9


def csv_cell(value: Any, escape_formulas: bool = True) -> Any:
    """One CSV cell: null empty, floats without binary noise, formula-like text defused unless told."""
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, CSV_FLOAT_DECIMALS)
    return defuse(value, escape_formulas)


def to_csv(columns: list[str], rows: Iterable[dict[str, Any]], *, escape_formulas: bool = True) -> str:
    """CSV with the exact metric ids as headers; null is an empty cell; formula-like text defused unless told."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c), escape_formulas) for c in columns])
    return buf.getvalue()


def column_pages(widths: list[int], room: int) -> list[list[int]]:
    """Split column indexes into pages whose widths (plus borders) fit the room (at least one per page)."""
    pages: list[list[int]] = [[]]
    used = 0
    for i, width in enumerate(widths):
        if pages[-1] and used + width + 3 > room:
            pages.append([])
            used = 0
        pages[-1].append(i)
        used += width + 3
    return pages


def _entity_name(row: dict[str, Any], keys: list[str]) -> str:
    """A row's varying keys as one short header; a shop's own sub-accounts without the shop prefix."""
    parts = []
    for k in keys:
        value = str(row.get(k, ""))
        if k == "account" and value == row["shop"]:
            value = "主账号"
        elif k == "account" and value.startswith(f"{row['shop']}:"):
            value = value[len(row["shop"]) + 1:]
        parts.append(value)
    return " ".join(parts)


def print_table(console: Console, title: str, grain: str, columns: list[str], rows: list[dict[str, Any]],
                lang: str = "zh", settings: Settings | None = None, summed: bool = False) -> None:
    """Print rows for a person: metrics down the side when the rows fit across, else pages of columns.

    Key columns that hold one value in every row (one shop, one period) move into the title.
    """
    all_keys = [c for c in columns if c in KEY_COLUMNS]
    constant = [k for k in all_keys if len({r.get(k) for r in rows}) == 1 and k != "account"]
    if constant:
        shown = [str(rows[0][k]) for k in constant if k not in ("from", "to")]
        title = f"{title} · {' · '.join(shown)}"
    keys = [k for k in all_keys if k not in constant and k not in ("from", "to")]
    values = [c for c in columns if c not in KEY_COLUMNS]
    cells = {c: [human_value(c, grain, r.get(c)) for r in rows] for c in columns}
    names = [_entity_name(r, keys) for r in rows]
    label_width = min(22, max(cell_len(label(c, grain, lang, settings, summed)) for c in values))
    widths = [max(cell_len(n), *(cell_len(cells[c][i]) for c in values)) for i, n in enumerate(names)]
    if label_width + sum(w + 3 for w in widths) + 4 <= console.width:
        table = Table(title=title, header_style="bold cyan")
        table.add_column("指标" if lang == "zh" else "metric", max_width=label_width, overflow="fold")
        for name in names:
            table.add_column(name, justify="right", no_wrap=True)
        for c in values:
            table.add_row(label(c, grain, lang, settings, summed), *cells[c])
        console.print(table)
        return

    def width(c: str) -> int:
        return max([min(cell_len(label(c, grain, lang, settings, summed)), 12)] + [cell_len(v) for v in cells[c]])

    room = console.width - sum(width(k) + 3 for k in keys) - 1
    pages = column_pages([width(c) for c in values], room)
    for number, page in enumerate(pages, start=1):
        suffix = f"（{number}/{len(pages)}）" if len(pages) > 1 else ""
        table = Table(title=f"{title}{suffix}", header_style="bold cyan")
        for k in keys:
            table.add_column(label(k, grain, lang, settings), no_wrap=True)
        for i in page:
            table.add_column(label(values[i], grain, lang, settings, summed), justify="right", overflow="fold",
                             min_width=width(values[i]))
        for n, row in enumerate(rows):
            shown = [_entity_name(row, [k]) if k == "account" else cells[k][n] for k in keys]
            table.add_row(*shown, *[cells[values[i]][n] for i in page])
        console.print(table)
