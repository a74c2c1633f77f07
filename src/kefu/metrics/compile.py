"""Compile metric declarations into one report query over the materialised models."""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from string import Template

from kefu.config import Settings
from kefu.metrics.catalog import METRICS_BY_ID, metrics_of, walk
from kefu.metrics.metric import Metric
from kefu.metrics.platform import platform_values
from kefu.sqltext import lit

GRAINS = ("account_day", "shop_day")
PERIODS = ("day", "week", "month", "all")
BY_CHOICES = {"account_day": ("account", "group", "shop"), "shop_day": ("shop",)}
SCOPE_OF_GRAIN = {"account_day": "account", "shop_day": "shop"}
ROWSET_OF_GRAIN = {"account_day": "account_days", "shop_day": "shop_days"}
UNGROUPED = "未分组"


class ReportError(ValueError):
    """A report was asked for with options that do not fit together."""


@dataclass(frozen=True)
class ReportSpec:
    """What a report shows: grain, grouping, period, day range and (None: all) the shops reported on."""

    grain: str = "account_day"
    by: str | None = None
    period: str = "day"
    day_from: dt.date | None = None
    day_to: dt.date | None = None
    shops: Collection[str] | None = None

    def __post_init__(self) -> None:
        if self.shops is not None:  # a sorted tuple: specs stay hashable (reports are cached by spec)
            object.__setattr__(self, "shops", tuple(sorted(set(self.shops))))
        if self.grain not in GRAINS:
            raise ReportError(f"未知粒度 {self.grain!r}，可选：{', '.join(GRAINS)} / unknown grain")
        if self.period not in PERIODS:
            raise ReportError(f"未知周期 {self.period!r}，可选：{', '.join(PERIODS)} / unknown period")
        if self.by is not None and self.by not in BY_CHOICES[self.grain]:
            raise ReportError(
                f"粒度 {self.grain} 不能按 {self.by} 汇总，可选：{', '.join(BY_CHOICES[self.grain])}"
                f" / grain {self.grain} cannot be grouped by {self.by}"
            )
        if self.day_from and self.day_to and self.day_from > self.day_to:
            raise ReportError("开始日期晚于结束日期 / --from is after --to")

    @property
    def adds_up_days(self) -> bool:
        """True when a row adds the daily counts of several days or accounts: its buyer counts are person-days (§5)."""
        return self.period != "day" or (self.grain == "account_day" and self.group_by in ("group", "shop"))

    @property
    def group_by(self) -> str:
        """The entity the rows are grouped by (default: finest of the grain)."""
        return self.by or BY_CHOICES[self.grain][0]

    @property
    def key_columns(self) -> list[str]:
        """The entity key columns of each output row, before the period column."""
        return {"account": ["shop", "account"], "group": ["shop", "group"], "shop": ["shop"]}[self.group_by]


def _key_exprs(spec: ReportSpec) -> list[tuple[str, str]]:
    """(output name, SQL over `t` and `sa`) of each entity key."""
    exprs = {"shop": "t.shop", "account": "t.account", "group": f"COALESCE(sa.grp, '{UNGROUPED}')"}
    return [(name, exprs[name]) for name in spec.key_columns]


def period_start_sql(period: str, day: str, first_day: dt.date) -> str:
    """SQL for the first day of the period holding `day`."""
    if period == "day":
        return day
    if period == "all":
        return f"DATE '{first_day.isoformat()}'"
    return f"CAST(date_trunc('{period}', {day}) AS DATE)"


def needed_measures(grain: str) -> list[Metric]:
    """The base measures a grain's metrics read, directly or through ratios and formulas."""
    out: dict[str, Metric] = {}
    for m in metrics_of(grain, include_hidden=True):
        out.update((inner.id, inner) for inner in walk(m, grain))
    return list(out.values())


def metric_sql(m: Metric, grain: str, settings: Settings, column_of: dict[str, str] | None = None) -> str:
    """The SQL expression of a metric in the final select (measures read their aggregate column)."""
    if m.kind == "measure":
        ref = (column_of or {}).get(m.id, m.id)
        return f"COALESCE({ref}, 0)" if m.additive else ref
    text = m.expression()
    for ref in m.references():
        inner = metric_sql(METRICS_BY_ID[(grain, ref)], grain, settings, column_of)
        text = text.replace("{" + ref + "}", f"({inner})")
    return text


def fill(text: str, settings: Settings) -> str:
    """Fill ${setting} placeholders of a declaration with the settings' values."""
    values = {k: str(v) for k, v in settings.as_dict().items()} | platform_values(settings)
    return Template(text).substitute(values)


def model_tables(grain: str) -> list[tuple[str, str]]:
    """The (model, scope) pairs a grain's report reads."""
    scope = SCOPE_OF_GRAIN[grain]
    names = {ROWSET_OF_GRAIN[grain]} | {m.model for m in needed_measures(grain) if m.model}
    return [(n, scope) for n in sorted(names)]


def report_sql(spec: ReportSpec, settings: Settings, table_of: dict[str, str], first_day: dt.date) -> str:
    """The query that yields one row per key and period, with every metric of the grain."""
    grain = spec.grain
    keys = _key_exprs(spec)
    needs_group = spec.group_by == "group"
    period = period_start_sql(spec.period, "t.day", first_day)
    conds = []
    if spec.day_from:
        conds.append(f"t.day >= DATE '{spec.day_from.isoformat()}'")
    if spec.day_to:
        conds.append(f"t.day <= DATE '{spec.day_to.isoformat()}'")
    if spec.shops is not None:
        # Every row is one shop's, so a shop's report is the rows of its shop: filtered before aggregating.
        conds.append(f"t.shop IN ({', '.join(lit(s) for s in spec.shops)})" if spec.shops else "FALSE")
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    join_sa = ("LEFT JOIN shop_accounts sa ON sa.shop = t.shop AND sa.account = t.account"
               if needs_group else "")
    select_keys = ", ".join(f'{expr} AS "{name}"' for name, expr in keys) + f", {period} AS period_start"
    group_list = ", ".join(str(i + 1) for i in range(len(keys) + 1))
    key_names = [f'"{name}"' for name, _ in keys] + ["period_start"]

    by_model: dict[str, list[Metric]] = {}
    for m in needed_measures(grain):
        assert m.model is not None and m.agg is not None
        by_model.setdefault(m.model, []).append(m)

    ctes = [f"report_rows AS (\n    SELECT DISTINCT {select_keys}\n    FROM {table_of[ROWSET_OF_GRAIN[grain]]} t"
            f" {join_sa}\n    {where}\n)"]
    column_of: dict[str, str] = {}
    joins = []
    for i, (model, measures) in enumerate(sorted(by_model.items())):
        alias = f"m{i}"
        aggs = ",\n        ".join(f"{fill(m.agg.sql(), settings)} AS {m.id}" for m in measures if m.agg)
        ctes.append(
            f"{alias} AS (\n    SELECT {select_keys},\n        {aggs}\n    FROM {table_of[model]} t {join_sa}\n"
            f"    {where}\n    GROUP BY {group_list}\n)"
        )
        joins.append(f"LEFT JOIN {alias} USING ({', '.join(key_names)})")
        column_of.update({m.id: f"{alias}.{m.id}" for m in measures})

    outputs = ",\n    ".join(
        f"{fill(metric_sql(m, grain, settings, column_of), settings)} AS {m.id}" for m in metrics_of(grain)
    )
    order = ", ".join(key_names)
    return (
        "WITH " + ",\n".join(ctes)
        + f"\nSELECT {', '.join(key_names)},\n    {outputs}\nFROM report_rows\n"
        + "\n".join(joins) + f"\nORDER BY {order}"
    )
