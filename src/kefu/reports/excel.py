"""The Excel workbook managers open: shop and agent reports, group subtotals, lost buyers, QC, metric notes."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from xlsxwriter.workbook import Workbook

from kefu.config import Settings
from kefu.metrics.catalog import metrics_of
from kefu.metrics.compile import UNGROUPED, ReportSpec
from kefu.metrics.metric import UNITS_ZH
from kefu.output import KEY_COLUMNS, label
from kefu.report import NoData, Report, prepared_engine, rows_of_shops, run_report
from kefu.reports.lost import COLUMN_LABELS, lost_between, status_text
from kefu.reports.staffing_section import cell_text, last_days, section, shop_views, tone
from kefu.reports.xlsx import Sheet, column_format, date_cell, sheet_name, workbook
from kefu.scoring.plan import GRAIN
from kefu.scoring.score import Scorecard
from kefu.staffing.rows import BACKTEST_COLUMNS, PLAN_COLUMNS, backtest_rows, busy_slots, grid, plan_rows, weekday_name
from kefu.staffing.rows import label as staffing_label
from kefu.staffing.service import StaffingView
from kefu.tz import utc_to_local

SHEETS = {"overview": ("概览", "Overview"), "daily": ("客服日报", "Agents daily"),
          "summary": ("客服汇总", "Agents summary"), "lost": ("询单流失", "Lost buyers"),
          "qc": ("质检", "QC findings"), "staffing": ("排班", "Staffing"), "notes": ("指标说明", "Metric notes")}
NOTE_HEADERS = {"zh": ["中文名", "id", "粒度", "单位", "定义", "英文名", "definition"],
                "en": ["name (zh)", "id", "grain", "unit", "definition (zh)", "name", "definition"]}
QC_COLUMNS = ("day", "ts", "shop", "account", "buyer", "rule_name", "category", "severity", "points", "matched",
              "text")
QC_LABELS = {"day": "日期", "ts": "时间", "shop": "店铺", "account": "客服账号", "buyer": "买家", "rule_name": "规则",
             "category": "类别", "severity": "严重程度", "points": "扣分", "matched": "命中", "text": "消息"}
SCORE_LABELS = {"shop": ("店铺", "shop"), "account": ("客服账号", "account"), "group": ("分组", "group"),
                "agent_name": ("姓名", "name"), "total": ("总分", "total"), "rank": ("排名", "rank"),
                "gates_passed": ("门槛通过", "gates passed"), "bonus": ("奖金(元)", "bonus (yuan)")}
SCORE_FORMATS = {"total": "0.00", "rank": "0", "bonus": "#,##0.00"}
# The staffing sheet: number formats of the plan's and the backtest's columns (others as they are), and the
# background of a grid cell by its tone (short, spare, outside the judged hours).
PLAN_FORMATS = {"arrivals_mean": "0.00", "handle_s": "0.0", "required": "0", "scheduled": "0", "service_level": "0.0%",
                "avg_wait_s": "0.0", "occupancy": "0.0%", "agents_online": "0.00", "gap": "+0.00;-0.00;0.00"}
BACKTEST_FORMATS = {"intervals": "0", "rounds": "#,##0", "measured": "0.0%", "predicted": "0.0%",
                    "bias": "+0.0%;-0.0%;0.0%", "mae": "0.0%", "noise": "0.0%"}
TONE_FILLS = {"short": "#F4CCCC", "spare": "#D9EAD3", "off": "#EDEDED"}
SUBTOTAL = {"zh": "{group} 小计", "en": "{group} subtotal"}
TOTAL = {"zh": "全部客服合计（人次）", "en": "all agents (person-days)"}


def report_sheet(wb: Workbook, name: str, report: Report, lang: str, rows: list[dict[str, Any]] | None = None,
                 bold: set[int] | None = None) -> Sheet:
    """A sheet of report rows with labelled headers and unit formats (bold: indexes of subtotal rows)."""
    grain = report.spec.grain
    columns = report.columns or list(report.spec.key_columns) + [m.id for m in metrics_of(grain)]
    keys = [c for c in columns if c in KEY_COLUMNS]
    sheet = Sheet(wb, name, [label(c, grain, lang, report.settings, report.spec.adds_up_days) for c in columns],
                  [column_format(c, grain) for c in columns], frozen_cols=len(keys))
    for i, row in enumerate(report.rows if rows is None else rows):
        sheet.add([date_cell(c, row.get(c)) for c in columns], bold=i in (bold or set()))
    sheet.close()
    return sheet


def write_report_xlsx(path: Path, report: Report, lang: str = "zh") -> Path:
    """One report (any grain, period, grouping or comparison) as a formatted one-sheet workbook."""
    title = {"account_day": SHEETS["daily"], "shop_day": SHEETS["overview"]}[report.spec.grain]
    with workbook(path) as wb:
        report_sheet(wb, title[0] if lang == "zh" else title[1], report, lang)
    return path


def _summary_rows(con: duckdb.DuckDBPyConnection, settings: Settings, spec: ReportSpec, engine: Any,
                  lang: str) -> tuple[Report, list[dict[str, Any]], set[int]]:
    """Agents over the period, each group followed by its subtotal (recomputed from summed counts), then all."""
    agents = run_report(con, spec, settings, engine)
    groups = run_report(con, dataclasses.replace(spec, by="group", period="all"), settings, engine)
    total = run_report(con, dataclasses.replace(spec, by="shop", period="all"), settings, engine)
    table = engine.build([("shop_accounts", "")])["shop_accounts"]
    group_of = {(s, a): g for s, a, g in con.execute(f"SELECT shop, account, grp FROM {table}").fetchall()}
    rows: list[dict[str, Any]] = []
    bold: set[int] = set()
    for g in groups.rows:
        members = [r for r in agents.rows
                   if r["shop"] == g["shop"] and (group_of.get((r["shop"], r["account"])) or UNGROUPED) == g["group"]]
        rows += members
        bold.add(len(rows))
        rows.append({**g, "account": SUBTOTAL[lang].format(group=g["group"])})
    for t in total.rows:
        bold.add(len(rows))
        rows.append({**t, "account": TOTAL[lang]})
    return agents, rows, bold


def _qc_rows(con: duckdb.DuckDBPyConnection, settings: Settings, day_from: dt.date,
             day_to: dt.date) -> list[dict[str, Any]]:
    """The stored QC findings of the days (times shop-local), when the QC feature has stored any."""
    ((exists,),) = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'qc_findings'"
                               ).fetchall()
    if not exists or not con.execute("SELECT count(*) FROM qc_findings").fetchall()[0][0]:
        return []
    from kefu.qc import findings

    rows = findings(con, day_from=day_from, day_to=day_to, mask=True)
    if rows:
        local = utc_to_local(np.array([r["ts"] for r in rows], dtype="datetime64[us]"), settings.timezone)
        for row, ts in zip(rows, local.astype("datetime64[s]")):
            row["ts"] = str(ts).replace("T", " ")
    return rows


def write_workbook(path: str | Path, con: duckdb.DuckDBPyConnection, settings: Settings,
                   day_from: dt.date | None = None, day_to: dt.date | None = None, lang: str = "zh",
                   shops: Collection[str] | None = None) -> Path:
    """The manager's workbook over a day range (default: all data), of some shops (default: all); returns the path.

    Every row a sheet holds is one shop's (totals are per shop), so a shop's workbook is the rows of its shop.
    """
    path = Path(path)
    engine = prepared_engine(con, settings, day_from, day_to)
    assert engine.first_day is not None and engine.last_day is not None
    first, last = day_from or engine.first_day, day_to or engine.last_day
    names = {k: v[0] if lang == "zh" else v[1] for k, v in SHEETS.items()}
    empty = NoData(f"所选日期内没有数据（仓库中的数据为 {engine.first_day} ~ {engine.last_day}）"
                   f" / no data in the chosen days")
    if first > last:
        raise empty
    shop = run_report(con, ReportSpec(grain="shop_day", day_from=first, day_to=last, shops=shops), settings, engine)
    if not shop.rows:
        raise empty
    daily = run_report(con, ReportSpec(grain="account_day", day_from=first, day_to=last, shops=shops), settings,
                       engine)
    period_spec = ReportSpec(grain="account_day", period="all", day_from=first, day_to=last, shops=shops)
    agents, summary, bold = _summary_rows(con, settings, period_spec, engine, lang)
    lost = rows_of_shops(lost_between(con, settings, first, last, engine=engine), shops)
    qc = rows_of_shops(_qc_rows(con, settings, first, last), shops)
    staffing = shop_views(engine, settings, last_days(shop.rows))
    with workbook(path) as wb:
        report_sheet(wb, names["overview"], shop, lang)
        report_sheet(wb, names["daily"], daily, lang)
        report_sheet(wb, names["summary"], agents, lang, rows=summary, bold=bold)
        _lost_sheet(wb, names["lost"], lost, lang)
        if qc:
            _qc_sheet(wb, names["qc"], qc, lang)
        for name, (shop_name, view) in zip(staffing_names(names["staffing"], list(staffing)), staffing.items()):
            _staffing_sheet(wb, name, shop_name, view, lang)
        _notes_sheet(wb, names["notes"], lang)
    return path


def _lost_sheet(wb: Workbook, name: str, rows: list[dict[str, Any]], lang: str) -> None:
    """The lost-buyer follow-up list, most promising first within each day."""
    columns = list(COLUMN_LABELS)
    headers = [COLUMN_LABELS[c][0 if lang == "zh" else 1] for c in columns]
    formats = ["#,##0.00" if c == "order_value" else None for c in columns]
    sheet = Sheet(wb, name, headers, formats, frozen_cols=3)
    for r in rows:
        sheet.add([date_cell(c, _lost_cell(c, r[c], lang)) for c in columns])
    sheet.close()


def _lost_cell(column: str, value: Any, lang: str) -> Any:
    """A lost-list value as a manager reads it: the status with its action, yes/no flags."""
    if column == "status":
        return status_text(value, lang)
    if column in ("replied", "unclosed"):
        return _yes_no(value, lang)
    return value


def _yes_no(flag: Any, lang: str) -> str:
    """是/否 (yes/no) for a flag."""
    return ("是" if flag else "否") if lang == "zh" else ("yes" if flag else "no")


def staffing_names(base: str, shops: list[str]) -> list[str]:
    """The staffing sheet of each shop: 排班 for one shop, 排班·店铺 (within Excel's 31 characters, unique) for more."""
    if len(shops) == 1:
        return [base]
    names: list[str] = []
    for i, shop in enumerate(shops, 1):
        name = sheet_name(f"{base}·{shop}")
        names.append(name if name not in names else sheet_name(f"{base}{i}·{shop}"))
    return names


def _staffing_sheet(wb: Workbook, name: str, shop: str, view: StaffingView, lang: str) -> None:
    """One shop's staffing: the summary lines over the weekday × interval grid of 需/在 coloured by the gap, then the
    plan's rows and the backtest weeks."""
    plan, part = view.plan, section(shop, view, lang)
    title = f"{shop} · 排班与人力需求" if lang == "zh" else f"{shop} · staffing"
    headers = [staffing_label("interval", lang)] + [weekday_name(d, lang) for d in range(1, 8)]
    sheet = Sheet(wb, name, headers, [None] * len(headers), frozen_cols=1,
                  above=[title, part.summary, part.window, *part.notes, part.legend])
    cells = grid(plan)
    for slot in busy_slots(plan):
        row = [cells.get((slot, d)) for d in range(1, 8)]
        sheet.add([plan.demand.interval_label(slot)] + [cell_text(p) if p else None for p in row],
                  fills=[None] + [TONE_FILLS.get(tone(p)) if p else None for p in row])
    sheet.line("每个星期几 × 时段的明细" if lang == "zh" else "every weekday × interval", gap=1, bold=True)
    sheet.table([staffing_label(c, lang) for c in PLAN_COLUMNS], [PLAN_FORMATS.get(c) for c in PLAN_COLUMNS], gap=0)
    for values, p in zip(plan_rows(plan, lang), plan.cells):
        sheet.add([_yes_no(values[c], lang) if isinstance(values[c], bool) else values[c] for c in PLAN_COLUMNS],
                  fills=[TONE_FILLS.get(tone(p)) if c == "gap" and p.judged else None for c in PLAN_COLUMNS])
    sheet.line("回测：在线人数下的预测达标率 vs 实测平台口径" if lang == "zh" else
               "backtest: predicted service level of the agents online vs the platform figure measured",
               gap=1, bold=True)
    checks = backtest_rows(list(view.checks))
    if checks:
        sheet.table([staffing_label(c, lang) for c in BACKTEST_COLUMNS],
                    [BACKTEST_FORMATS.get(c) for c in BACKTEST_COLUMNS], gap=0)
        for check in checks:
            sheet.add([dt.date.fromisoformat(check[c]) if c == "week_start" else check[c] for c in BACKTEST_COLUMNS])
    else:
        sheet.line("没有平台口径轮次可回测" if lang == "zh" else "no platform rounds to backtest")
    sheet.close(filtered=1)  # the filter on the plan's rows: by weekday, interval or whether judged


def _qc_sheet(wb: Workbook, name: str, rows: list[dict[str, Any]], lang: str) -> None:
    """The stored QC findings, newest first."""
    headers = [QC_LABELS[c] if lang == "zh" else c for c in QC_COLUMNS]
    sheet = Sheet(wb, name, headers, ["0.0" if c == "points" else None for c in QC_COLUMNS], frozen_cols=1)
    for r in rows:
        sheet.add([date_cell(c, r.get(c)) for c in QC_COLUMNS])
    sheet.close()


def _notes_sheet(wb: Workbook, name: str, lang: str) -> None:
    """Every metric's names, id, grain, unit and definition, from the declarations."""
    sheet = Sheet(wb, name, NOTE_HEADERS[lang], [None] * len(NOTE_HEADERS[lang]), frozen_cols=2)
    for grain in ("account_day", "shop_day"):
        for m in metrics_of(grain):
            sheet.add([m.label_zh, m.id, grain, UNITS_ZH[m.unit], m.definition_zh, m.label_en, m.definition_en])
    sheet.close()


def write_lost_xlsx(path: Path, rows: list[dict[str, Any]], lang: str = "zh") -> Path:
    """The lost-buyer list as a one-sheet workbook."""
    with workbook(path) as wb:
        _lost_sheet(wb, SHEETS["lost"][0 if lang == "zh" else 1], rows, lang)
    return path


def write_score_xlsx(path: Path, card: Scorecard, lang: str = "zh") -> Path:
    """A scorecard as a workbook: one row per agent (value and points of each metric, total, rank, bonus)."""
    columns, rows = card.flat()
    headers, formats = [], []
    for c in columns:
        base = c.removesuffix("_points")
        if c in SCORE_LABELS:
            headers.append(SCORE_LABELS[c][0 if lang == "zh" else 1])
            formats.append(SCORE_FORMATS.get(c))
        elif c != base:
            headers.append(f"{label(base, GRAIN, lang, card.settings)}·{'得分' if lang == 'zh' else 'points'}")
            formats.append("0.00")
        else:
            headers.append(label(c, GRAIN, lang, card.settings))
            formats.append(column_format(c, GRAIN))
    explain = {"zh": "计算过程", "en": "arithmetic"}[lang]
    with workbook(path) as wb:
        sheet = Sheet(wb, card.plan.name[:31], headers + [explain], formats + [None], frozen_cols=3)
        for flat, row in zip(rows, card.rows):
            sheet.add([flat[c] for c in columns] + [row["explain"]])
        sheet.close()
    return path
