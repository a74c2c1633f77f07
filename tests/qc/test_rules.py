"""Rule files: every field checked with a clear Chinese error; user files add to or replace the defaults."""
from __future__ import annotations

from pathlib import Path

import pytest

from kefu.qc.rules import CHECKS, RuleError, load_rules, parse_rules

GOOD = """
[[rule]]
id = "my.words"
name = "自定义"
category = "违规词"
severity = "一般"
points = 2
applies_to = ["agent"]
words = ["包邮到家"]
"""


@pytest.mark.parametrize("change, reason", [
    (('severity = "一般"', 'severity = "很严重"'), "severity"),
    (("points = 2", "points = -1"), "points"),
    (('applies_to = ["agent"]', 'applies_to = ["robot"]'), "applies_to"),
    (('words = ["包邮到家"]', 'regex = "(["'), "正则表达式无效"),
    (('words = ["包邮到家"]', 'check = "nope"'), "check"),
    (('words = ["包邮到家"]', ""), "需要 words、regex 或 check"),
    (('id = "my.words"', 'id = "My Words"'), "id"),
    (("points = 2", "points = 2\nallow = { \"包邮\" = \"\" }"), "理由"),
    (("points = 2", "points = 2\ncolour = 1"), "未知字段"),
])
def test_bad_rules_are_named_with_the_reason(change: tuple[str, str], reason: str) -> None:
    with pytest.raises(RuleError) as err:
        parse_rules(GOOD.replace(*change), "my.toml")
    assert "my.toml" in str(err.value) and reason in str(err.value)


def test_not_toml_and_no_rules() -> None:
    with pytest.raises(RuleError, match="TOML"):
        parse_rules("[[rule]\n", "x.toml")
    with pytest.raises(RuleError, match=r"\[\[rule\]\]"):
        parse_rules("title = 1", "x.toml")


def test_defaults_cover_every_category_and_check() -> None:
    rules = load_rules().rules
    assert {r.category for r in rules} == {"违规词", "极限词", "站外引流", "语气", "礼貌", "流程", "风险会话"}
    assert {r.check for r in rules if r.check} == set(CHECKS)
    assert all(r.severity == "严重" for r in rules if r.category in ("违规词", "站外引流"))


def test_a_user_file_adds_rules_and_replaces_by_id(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD + GOOD.replace("my.words", "tone.rude").replace("包邮到家", "滚"), encoding="utf-8")
    rules = load_rules([path])
    assert rules.by_id("my.words").words == ("包邮到家",)
    assert rules.by_id("tone.rude").words == ("滚",)
    assert str(path) in rules.label
    only = load_rules([path], defaults=False)
    assert [r.id for r in only.rules] == ["my.words", "tone.rude"]
    with pytest.raises(RuleError, match="无法读取"):
        load_rules([tmp_path / "missing.toml"])
