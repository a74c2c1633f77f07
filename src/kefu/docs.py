"""Documentation generated from the declarations: metric tables and the SQL behind a metric."""
from __future__ import annotations

import json

import duckdb

from kefu.config import SETTINGS, Settings
from kefu.engines.duckdb import macro_sql
from kefu.metrics.catalog import metrics_of, walk
from kefu.metrics.compile import SCOPE_OF_GRAIN, fill, metric_sql
from kefu.metrics.metric import UNITS_ZH, Metric
from kefu.models import build_order, render

GRAIN_TITLES = {"account_day": "客服日指标 (account_day)", "shop_day": "店铺日指标 (shop_day)"}


def metrics_markdown(grains: list[str]) -> str:
    """A Markdown table per grain: id, 中文名, unit, definition (Chinese and English)."""
    out: list[str] = []
    for g in grains:
        out += [f"### {GRAIN_TITLES[g]}", "", "| id | 中文 | 单位 | 定义 | definition |",
                "| --- | --- | --- | --- | --- |"]
        for m in metrics_of(g):
            out.append(f"| `{m.id}` | {m.label_zh} | {UNITS_ZH[m.unit]} | {m.definition_zh} | {m.definition_en} |")
        out.append("")
    return "\n".join(out)


def _default_text(value: object) -> str:
    """A default as a reader writes it in kefu.toml: true/false, （空） for the empty text."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if value != "" else "（空）"


def settings_markdown() -> str:
    """The settings table of docs/cli.md: name, default and help, in declaration order."""
    lines = ["| 名称 | 默认值 | 说明 |", "| --- | --- | --- |"]
    lines += [f"| `{s.name}` | {_default_text(s.default)} | {s.help_zh} |" for s in SETTINGS]
    return "\n".join(lines) + "\n"


def metrics_json(grains: list[str]) -> str:
    """Every metric of the grains as JSON objects."""
    return json.dumps(
        [{"grain": g, "id": m.id, "label_zh": m.label_zh, "label_en": m.label_en, "unit": m.unit,
          "definition_zh": m.definition_zh, "definition_en": m.definition_en} for g in grains for m in metrics_of(g)],
        ensure_ascii=False, indent=1)


def _aggregates(m: Metric, grain: str, settings: Settings) -> dict[str, str]:
    """Each measure id a metric reads, mapped to its aggregate over its model."""
    return {x.id: f"{fill(x.agg.sql(), settings)}  -- FROM {x.model}" for x in walk(m, grain) if x.agg}


def metric_sql_text(m: Metric, grain: str, settings: Settings, dialect: str = "duckdb") -> str:
    """The SQL that computes a metric in a dialect (duckdb or spark): engine functions, models, the expression."""
    scope = SCOPE_OF_GRAIN[grain]
    reuse = True
    if dialect == "spark":
        from kefu.engines.spark import REUSE_ACCOUNT_ROWS, spark_functions, to_spark_sql

        reuse = REUSE_ACCOUNT_ROWS  # the build graph the Spark engine runs, not DuckDB's

        def translate(sql: str) -> str:
            return to_spark_sql(sql, settings)

        parts = ["-- engine functions (Spark SQL, expanded where the models call them; _0, _1 are the arguments)"]
        parts += [f"--   {name}(…) = {body}" for name, body in spark_functions(settings).items()]
        create = "CREATE OR REPLACE TEMPORARY VIEW"
    else:
        def translate(sql: str) -> str:
            return sql

        parts = ["-- engine functions (DuckDB)"] + [s + ";" for s in macro_sql(settings, None)]
        create = "CREATE TEMP TABLE"
    models = dict.fromkeys(x.model for x in walk(m, grain) if x.model)
    for model, model_scope in build_order([(name, scope) for name in models], reuse):
        sql = translate(render(model, settings, model_scope or "account", reuse)).rstrip()
        parts.append(f"\n-- model {model.table(model_scope)}\n{create} {model.table(model_scope)} AS\n{sql};")
    parts.append(f"\n-- {m.id} per row (grouped by the row's keys: shop[, account], day or period)")
    for measure_id, agg in _aggregates(m, grain, settings).items():
        parts.append(f"--   {measure_id} = {agg}")
    parts.append(translate(f"SELECT {fill(metric_sql(m, grain, settings), settings)} AS {m.id}"))
    return "\n".join(parts)


_STORED_AS = {"table": "表（按店铺维护）", "view": "视图", "temp": "每次连接定义"}


def _summary(sql: str) -> str:
    """The first sentence of a model's leading comment."""
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    text = " ".join(lines)
    end = text.find(". ")
    return (text if end < 0 else text[: end + 1]).replace("|", "\\|")


def facts_markdown() -> str:
    """A Markdown table of every stored fact: name, how it is stored, its grain and what it holds."""
    from kefu.facts import FACTS

    out = ["| fact | 存储 / stored as | 粒度 / grain | 内容 / holds |", "| --- | --- | --- | --- |"]
    for f in FACTS:
        grain = ", ".join(f.model.grain_in(f.scope)) or "—"
        sql = render(f.model, Settings(), f.scope or "account")
        out.append(f"| `{f.table}` | {_STORED_AS[f.kind]} | {grain} | {_summary(sql)} |")
    return "\n".join(out) + "\n"


# The worked example of docs/platform.md: one human account's day, (buyer, sender, shop-local time, content).
PRESET_EXAMPLE_DAY = "2026-11-11"
PRESET_EXAMPLE_ACCOUNT = "示例店:小雅"
PRESET_EXAMPLE = (
    ("b1", "buyer", "08:30:00", "在吗"), ("b1", "buyer", "08:30:20", "这款有 L 码吗"),
    ("b1", "agent", "08:30:25", "亲，有的"), ("b1", "buyer", "08:40:00", "什么时候发货"),
    ("b1", "agent", "08:42:30", "今天下午发出"),
    ("b2", "buyer", "09:10:00", "能便宜点吗"), ("b2", "agent", "09:21:40", "亲，已经是活动价了"),
    ("b3", "buyer", "10:00:00", "发什么快递"), ("b3", "bot", "10:00:02", "默认中通快递"),
    ("b3", "agent", "10:01:00", "可以改顺丰"),
    ("b4", "buyer", "12:00:00", "有优惠券吗"),
    ("b6", "buyer", "14:00:00", "退货运费谁出"), ("b6", "agent", "14:00:20", "有运费险的"),
    ("b5", "buyer", "23:30:00", "还在吗"), ("b5", "agent", "23:30:40", "在的亲"),
)


def preset_example_csv() -> tuple[str, str]:
    """(accounts.csv, messages.csv) of the worked example."""
    shop, name = PRESET_EXAMPLE_ACCOUNT.split(":")
    accounts = f"account,shop,agent_name,group,kind\n{PRESET_EXAMPLE_ACCOUNT},{shop},{name},售前,human\n"
    lines = ["msg_id,shop,buyer,account,sender,ts,content,msg_type"]
    lines += [f"m{i},{shop},{buyer},{PRESET_EXAMPLE_ACCOUNT},{sender},{PRESET_EXAMPLE_DAY} {t},{text},text"
              for i, (buyer, sender, t, text) in enumerate(PRESET_EXAMPLE, start=1)]
    return accounts, "\n".join(lines) + "\n"


def presets_markdown(con: duckdb.DuckDBPyConnection) -> str:
    """The worked example's messages and, per shipped preset, its platform figures on them (docs/platform.md)."""
    from kefu.config import settings_from
    from kefu.metrics.compile import ReportSpec
    from kefu.metrics.platform import platform_label
    from kefu.output import human_value
    from kefu.presets import shipped
    from kefu.report import run_report

    out = ["| 买家 | 发送方 | 时间 | 内容 |", "| --- | --- | --- | --- |"]
    out += [f"| {buyer} | {sender} | {t} | {text} |" for buyer, sender, t, text in PRESET_EXAMPLE]
    out += ["", "| 预设 | 平台 | 咨询轮次 | 已响应 | 及时响应 | N 秒响应率 | 平均响应时长 |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    grain = "account_day"
    for name, preset in shipped().items():
        settings = settings_from({"preset": name})
        rows = run_report(con, ReportSpec(grain=grain), settings).rows
        row = next(r for r in rows if r["account"] == PRESET_EXAMPLE_ACCOUNT)
        rate, mean = (f"{platform_label(m, settings)}：{human_value(m, grain, row[m])}"
                      for m in ("platform_fast_rate", "platform_avg_response_s"))
        out.append(f"| `{name}` | {preset.title} | {row['platform_rounds']} | {row['platform_answered']} "
                   f"| {row['platform_fast_rounds']} | {rate} | {mean} |")
    return "\n".join(out) + "\n"
