"""The default rules on real JD service utterances: severe rules flag well under 1 % (false positives)."""
from __future__ import annotations

from collections import Counter

import pytest

from kefu.qc import Matcher, load_rules
from tests.conftest import SHARED

DATA = SHARED / "data" / "real" / "jddc_chat_sample.txt"


@pytest.mark.skipif(not DATA.exists(), reason=f"real JDDC sample not found at {DATA}")
def test_severe_rules_rarely_fire_on_real_service_utterances() -> None:
    lines = [line.split("\t") for line in DATA.read_text(encoding="utf-8").splitlines()]
    texts = [parts[6] for parts in lines if len(parts) >= 7 and parts[2] == "1"]
    assert len(texts) > 6000
    rules = [r for r in load_rules().rules if r.check is None and "agent" in r.applies_to]
    flagged = Counter(h.rule.id for h in Matcher(rules, normalize=True).scan(texts, ["agent"] * len(texts)))
    for rule in rules:
        limit = 0.002 if rule.severity == "严重" else 0.01
        assert flagged[rule.id] / len(texts) < limit, (rule.id, flagged[rule.id])
