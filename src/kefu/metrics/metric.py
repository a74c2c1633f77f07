"""What a KPI declaration is: a measure (an aggregate over a model), a ratio of two, or a formula of others."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

UNITS_ZH = {"count": "人/次", "rate": "%", "seconds": "秒", "hours": "小时", "yuan": "元", "items": "件",
            "ratio": "倍", "score": "分"}
AGG_KINDS = ("count", "sum", "avg", "max", "quantile", "latest")


@dataclass(frozen=True, kw_only=True)
class Agg:
    """How a measure folds its model's rows: an aggregate `kind` of `expr` over the rows meeting `where`."""

    kind: str
    expr: str = ""
    where: str | None = None
    q: float | None = None  # quantile: which one (0.5 is the median)
    by: str | None = None  # latest: the column that orders the rows
    per: float | None = None  # the aggregate divided by it, e.g. microseconds per hour

    def __post_init__(self) -> None:
        if self.kind not in AGG_KINDS:
            raise ValueError(f"unknown aggregate kind {self.kind!r}: one of {', '.join(AGG_KINDS)}")
        if (self.kind == "count") == bool(self.expr):
            raise ValueError(f"{self.kind}: expr is {'not ' if self.kind == 'count' else ''}taken")
        if (self.kind == "quantile") != (self.q is not None) or (self.kind == "latest") != (self.by is not None):
            raise ValueError(f"{self.kind}: q goes with quantile, by with latest")

    def sql(self) -> str:
        """The aggregate as DuckDB SQL (the Spark engine transpiles it)."""
        where, expr = self.where, self.expr
        # The filtered forms sum CASEs rather than use FILTER: a group of rows none of which qualifies sums to 0.
        if self.kind == "count":
            text = "COUNT(*)" if where is None else f"SUM(CASE WHEN {where} THEN 1 ELSE 0 END)"
        elif self.kind == "sum":
            text = f"SUM({expr})" if where is None else f"SUM(CASE WHEN {where} THEN {expr} ELSE 0 END)"
        else:
            value = expr if where is None else f"CASE WHEN {where} THEN {expr} END"
            if self.kind == "avg":
                text = f"AVG({value})"
            elif self.kind == "max":
                text = f"MAX({value})"
            elif self.kind == "quantile":
                text = f"quantile_cont({value}, {self.q})"
            else:  # latest: the value of the last row by `by` among the rows meeting where
                order = self.by if where is None else f"CASE WHEN {where} THEN {self.by} END"
                text = f"max_by({expr}, {order})"
        return text if self.per is None else f"{text} / {self.per!r}"


def count_rows(where: str | None = None) -> Agg:
    """The number of rows (meeting where)."""
    return Agg(kind="count", where=where)


def sum_of(expr: str, where: str | None = None, per: float | None = None) -> Agg:
    """The sum of expr (over the rows meeting where, divided by per)."""
    return Agg(kind="sum", expr=expr, where=where, per=per)


def avg_of(expr: str, where: str | None = None) -> Agg:
    """The mean of expr over the rows meeting where."""
    return Agg(kind="avg", expr=expr, where=where)


def max_of(expr: str) -> Agg:
    """The largest expr."""
    return Agg(kind="max", expr=expr)


def quantile_of(expr: str, q: float, where: str | None = None) -> Agg:
    """The q-quantile of expr, interpolated linearly between neighbouring ranks."""
    return Agg(kind="quantile", expr=expr, q=q, where=where)


def latest_of(expr: str, by: str, where: str | None = None) -> Agg:
    """expr of the row with the largest `by` (among the rows meeting where)."""
    return Agg(kind="latest", expr=expr, by=by, where=where)


@dataclass(frozen=True)
class Rows:
    """The rows that explain a figure when not its measure's own: a model's rows meeting a condition."""

    model: str
    where: str | None = None


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One KPI: a base measure (model + aggregate), a ratio (num/den), or a formula over other ids."""

    id: str
    label_zh: str
    label_en: str
    unit: str
    grains: tuple[str, ...]
    definition_zh: str
    definition_en: str
    model: str | None = None
    agg: Agg | None = None
    num: str | None = None
    den: str | None = None
    formula: str | None = None
    additive: bool = True
    hidden: bool = False
    rows: Rows | None = None  # explained by these rows instead of the rows its aggregate reads
    place_after: Mapping[str, str] = field(default_factory=dict)  # grain -> the column it follows there

    def __post_init__(self) -> None:
        kinds = [self.agg is not None, self.num is not None, self.formula is not None]
        if kinds.count(True) != 1 or (self.agg is not None) != (self.model is not None) or (
                (self.num is None) != (self.den is None)):
            raise ValueError(f"{self.id}: a metric is a model's aggregate, a num/den ratio or a formula")

    @property
    def kind(self) -> str:
        """measure, ratio or derived."""
        if self.agg is not None:
            return "measure"
        return "ratio" if self.num is not None else "derived"

    @property
    def explain_model(self) -> str | None:
        """The model whose rows explain the figure (None: a formula explained by its parts)."""
        return self.rows.model if self.rows else self.model

    @property
    def explain(self) -> str | None:
        """The condition on those rows: the rows the figure counts or adds."""
        if self.rows:
            return self.rows.where
        return self.agg.where if self.agg else None

    def expression(self) -> str:
        """The expression over other metric ids, with `{id}` references (not for measures)."""
        if self.num is not None:
            return f"CAST({{{self.num}}} AS DOUBLE) / NULLIF({{{self.den}}}, 0)"
        assert self.formula is not None
        return self.formula

    def references(self) -> list[str]:
        """The ids this metric's expression reads (empty for a measure)."""
        if self.kind == "measure":
            return []
        return re.findall(r"\{(\w+)\}", self.expression())


def measure(*, id: str, zh: str, en: str, unit: str, grains: tuple[str, ...], model: str, agg: Agg,
            def_zh: str, def_en: str, additive: bool = True, hidden: bool = False,
            rows: Rows | None = None) -> Metric:
    """A base measure: an aggregate over the rows of a model."""
    return Metric(id=id, label_zh=zh, label_en=en, unit=unit, grains=grains, definition_zh=def_zh,
                  definition_en=def_en, model=model, agg=agg, additive=additive, hidden=hidden, rows=rows)


def ratio(*, id: str, zh: str, en: str, grains: tuple[str, ...], num: str, den: str, def_zh: str, def_en: str,
          unit: str = "rate", place_after: Mapping[str, str] | None = None) -> Metric:
    """A ratio of two metrics; null when the denominator is 0."""
    return Metric(id=id, label_zh=zh, label_en=en, unit=unit, grains=grains, definition_zh=def_zh,
                  definition_en=def_en, num=num, den=den, place_after=place_after or {})


def derived(*, id: str, zh: str, en: str, unit: str, grains: tuple[str, ...], formula: str, def_zh: str,
            def_en: str, rows: Rows | None = None) -> Metric:
    """A formula over other metrics of the same row, e.g. '{a} - {b}'."""
    return Metric(id=id, label_zh=zh, label_en=en, unit=unit, grains=grains, definition_zh=def_zh,
                  definition_en=def_en, formula=formula, rows=rows)
