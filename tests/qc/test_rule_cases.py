"""Every default QC rule fires on its positive sentences and stays quiet on its negative ones."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from kefu.qc import Matcher, load_rules

CASES = tomllib.loads((Path(__file__).parent / "rule_cases.toml").read_text(encoding="utf-8"))
RULES = load_rules()
MATCHER = Matcher(RULES.rules, normalize=True)


def test_every_default_rule_has_cases() -> None:
    assert {r.id for r in RULES.rules} == set(CASES)


def _fired(text: str, sender: str) -> set[str]:
    return {h.rule.id for h in MATCHER.match(text, sender)}


@pytest.mark.parametrize("rule_id", sorted(k for k, v in CASES.items() if "fires" in v))
def test_word_and_regex_rules_both_ways(rule_id: str) -> None:
    rule = RULES.by_id(rule_id)
    sender = rule.applies_to[0]
    for text in CASES[rule_id]["fires"]:
        assert rule_id in _fired(text, sender), text
    for text in CASES[rule_id]["quiet"]:
        assert rule_id not in _fired(text, sender), text


@pytest.mark.parametrize("rule_id", sorted(k for k, v in CASES.items() if "meets" in v))
def test_check_expectations_both_ways(rule_id: str) -> None:
    rule = RULES.by_id(rule_id)
    assert rule.expect
    for text in CASES[rule_id]["meets"]:
        assert re.search(rule.expect, text), text
    for text in CASES[rule_id]["misses"]:
        assert not re.search(rule.expect, text), text


def test_a_rule_only_sees_its_senders() -> None:
    assert "risk.complaint" not in _fired("我要给差评", "agent")
    assert "extreme.ranking" not in _fired("全网最低价", "buyer")
