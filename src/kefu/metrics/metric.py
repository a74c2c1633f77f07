"""What a KPI declaration is: a measure over a model, a ratio of two, or a formula of others."""
from __future__ import annotations

import re
from dataclasses import dataclass

UNITS_ZH = {"count": "人/次", "rate": "%", "seconds": "秒", "hours": "小时", "yuan": "元", "items": "件",
            "ratio": "倍", "score": "分"}


@dataclass(frozen=True)
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
    agg: str | None = None
    num: str | None = None
    den: str | None = None
    formula: str | None = None
    additive: bool = True
    hidden: bool = False
    explain: str | None = None
    explain_model: str | None = None

    @property
    def kind(self) -> str:
        """measure, ratio or derived."""
        if self.agg is not None:
            return "measure"
        return "ratio" if self.num is not None else "derived"

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


def measure(id_: str, zh: str, en: str, unit: str, grains: tuple[str, ...], model: str, agg: str,
            def_zh: str, def_en: str, *, additive: bool = True, hidden: bool = False,
            explain: str | None = None, explain_model: str | None = None) -> Metric:
    """A base measure: an aggregate over the rows of a model (explained by rows of explain_model)."""
    return Metric(id_, zh, en, unit, grains, def_zh, def_en, model=model, agg=agg, additive=additive,
                  hidden=hidden, explain=explain, explain_model=explain_model)


def ratio(id_: str, zh: str, en: str, grains: tuple[str, ...], num: str, den: str, def_zh: str, def_en: str,
          *, unit: str = "rate") -> Metric:
    """A ratio of two metrics; null when the denominator is 0."""
    return Metric(id_, zh, en, unit, grains, def_zh, def_en, num=num, den=den)


def derived(id_: str, zh: str, en: str, unit: str, grains: tuple[str, ...], formula: str, def_zh: str,
            def_en: str, *, model: str | None = None, explain: str | None = None) -> Metric:
    """A formula over other metrics of the same row, e.g. '{a} - {b}'."""
    return Metric(id_, zh, en, unit, grains, def_zh, def_en, formula=formula, model=model, explain=explain)
