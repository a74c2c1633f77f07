"""The starter bank shipped with kefu: common exam questions with keys, plus questions from the metric catalog."""
from __future__ import annotations

import random
from importlib import resources
from pathlib import Path

from kefu.exam.model import SINGLE, Question, normalize
from kefu.exam.structured import collect, read_toml
from kefu.metrics.catalog import metrics_of
from kefu.metrics.metric import Metric

DISTRACTORS = 3
METRIC_TAGS = ("指标", "kefu")


def formula_metrics() -> list[Metric]:
    """The shown ratio and formula metrics of every grain, each once."""
    seen: dict[str, Metric] = {}
    for grain in ("account_day", "shop_day"):
        for m in metrics_of(grain):
            if m.kind != "measure":
                seen.setdefault(m.id, m)
    return list(seen.values())


def metric_questions() -> list[Question]:
    """"How is X computed?" for each formula metric, the other metrics' formulas as distractors."""
    metrics = formula_metrics()
    out = []
    for m in metrics:
        others = sorted({o.definition_zh for o in metrics if normalize(o.definition_zh) != normalize(m.definition_zh)})
        rng = random.Random(m.id)  # the same options every time the bank is built
        options = rng.sample(others, DISTRACTORS) + [m.definition_zh]
        rng.shuffle(options)
        out.append(Question(
            f"在 kefu 中，{m.label_zh}（{m.id}）是怎样计算的？", tuple(options), (m.definition_zh,), SINGLE,
            f"{m.label_zh} = {m.definition_zh}（kefu metrics show {m.id} 可看计算方法）", METRIC_TAGS))
    return out


def starter_questions() -> list[Question]:
    """The shipped questions (all keyed, each with an explanation) and the catalog's formula questions."""
    text = resources.files("kefu.exam").joinpath("starter.toml").read_text(encoding="utf-8")
    shipped, problems = collect(Path("starter.toml"), read_toml(Path("starter.toml"), text))
    assert not problems, problems  # the shipped file is checked by the tests
    return shipped + metric_questions()
