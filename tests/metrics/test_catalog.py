"""The metric declarations: structured aggregates, one declaration order, one walker, the worked example."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kefu.metrics import catalog
from kefu.metrics.catalog import GRAIN_ORDER, METRICS, METRICS_BY_ID, metrics_of, walk
from kefu.metrics.metric import Agg, Metric, Rows, count_rows, latest_of, measure, quantile_of, ratio, sum_of

ROOT = Path(__file__).resolve().parents[2]

AGG_SQL = [
    (count_rows(), "COUNT(*)"),
    (count_rows("level >= 4"), "SUM(CASE WHEN level >= 4 THEN 1 ELSE 0 END)"),
    (sum_of("sales"), "SUM(sales)"),
    (sum_of("online_us", per=3600000000.0), "SUM(online_us) / 3600000000.0"),
    (sum_of("n", where="n > 0"), "SUM(CASE WHEN n > 0 THEN n ELSE 0 END)"),
    (quantile_of("response_s", 0.9, where="reply_ts IS NOT NULL"),
     "quantile_cont(CASE WHEN reply_ts IS NOT NULL THEN response_s END, 0.9)"),
    (latest_of("refunds_28d", by="day"), "max_by(refunds_28d, day)"),
    (latest_of("score", by="seq", where="score IS NOT NULL"),
     "max_by(score, CASE WHEN score IS NOT NULL THEN seq END)"),
]


@pytest.mark.parametrize(("agg", "sql"), AGG_SQL, ids=[s for _, s in AGG_SQL])
def test_each_aggregate_kind_renders_its_sql(agg: Agg, sql: str) -> None:
    assert agg.sql() == sql


@pytest.mark.parametrize("bad", [
    {"kind": "median", "expr": "x"},  # not a kind
    {"kind": "count", "expr": "x"},  # count takes no expression
    {"kind": "sum"},  # sum needs one
    {"kind": "quantile", "expr": "x"},  # without q
    {"kind": "latest", "expr": "x"},  # without by
])
def test_a_malformed_aggregate_is_refused(bad: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        Agg(**bad)  # type: ignore[arg-type]  # the cases are deliberately malformed


def test_a_metric_is_exactly_one_of_aggregate_ratio_formula() -> None:
    base: dict[str, Any] = {"id": "x", "label_zh": "x", "label_en": "x", "unit": "count", "grains": ("account_day",),
            "definition_zh": "x", "definition_en": "x"}
    with pytest.raises(ValueError):
        Metric(**base)  # nothing to compute
    with pytest.raises(ValueError):
        Metric(**base, num="a", den="b", formula="{a}")
    with pytest.raises(ValueError):
        Metric(**base, agg=count_rows())  # an aggregate over no model


def test_explain_reads_the_aggregate_filter_unless_other_rows_explain_it() -> None:
    responses, paid = METRICS_BY_ID[("account_day", "responses")], METRICS_BY_ID[("account_day", "paid_buyers")]
    assert (responses.explain_model, responses.explain) == ("questions", "reply_ts IS NOT NULL")
    assert (paid.explain_model, paid.explain) == ("credited_orders", "paid_in_window = 1")


def test_the_declaration_order_is_the_column_order() -> None:
    declared = [m.id for m in METRICS if "account_day" in m.grains and not m.hidden]
    assert list(GRAIN_ORDER["account_day"]) == declared
    shop = list(GRAIN_ORDER["shop_day"])
    # The one declared exception: the shop's conversion rate follows its paying buyers (metrics.md §4).
    assert shop[shop.index("paid_buyers") + 1] == "conversion_rate"
    assert [i for i in shop if i != "conversion_rate"] == [
        m.id for m in METRICS if "shop_day" in m.grains and not m.hidden and m.id != "conversion_rate"]
    assert len(set(shop)) == len(shop) and len(set(declared)) == len(declared)


def test_every_reference_resolves_in_each_grain_and_ids_are_unique() -> None:
    for grain in GRAIN_ORDER:
        ids = [m.id for m in METRICS if grain in m.grains]
        assert len(ids) == len(set(ids)), grain
        for m in metrics_of(grain, include_hidden=True):
            assert all((grain, ref) in METRICS_BY_ID for ref in m.references()), (grain, m.id)


def test_walk_follows_formulas_down_to_measures_once() -> None:
    within = METRICS_BY_ID[("account_day", "within_threshold_rate")]
    assert [m.id for m in walk(within, "account_day")] == ["responses", "slow_responses"]
    unreplied = METRICS_BY_ID[("account_day", "unreplied_buyers")]
    assert walk(unreplied, "account_day", stop=lambda m: m.rows is not None) == [unreplied]


def test_the_contributing_guides_worked_example_is_a_valid_declaration() -> None:
    text = (ROOT / "docs" / "contributing.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(\s*ratio\(.*?\)),\n```", text, re.S)
    assert block, "docs/contributing.md lost its worked example"
    example = eval(block[1].strip(), {**vars(catalog), "ratio": ratio, "measure": measure, "Rows": Rows})
    assert isinstance(example, Metric) and example.kind == "ratio"
    assert all(("account_day", ref) in METRICS_BY_ID for ref in example.references())
    assert example.id not in GRAIN_ORDER["account_day"]
