"""QC rules as data: one TOML file holds a list of rules; loading checks every field with a Chinese error."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from kefu.schema import SENDERS

SEVERITIES = ("严重", "一般", "提示")
# Structural checks over whole conversations; each is one SQL file, kefu/qc/sql/check_<name>.sql.
CHECKS = ("first_response_slow", "no_greeting", "no_verify", "no_farewell", "unclosed", "impolite",
          "slow_no_apology", "no_follow_up", "transfer_unexplained", "off_topic", "no_invite")
# The parameters a check takes (a rule's `params` table overrides them), with their defaults.
CHECK_PARAMS: dict[str, dict[str, float]] = {
    "slow_no_apology": {"threshold_s": 180, "within": 2},  # slower than this, apologise in the next replies
    "no_follow_up": {"wait_min": 15},  # after 稍等/马上…, the next reply comes within this (or is missing)
    "off_topic": {"max_chars": 5},  # a reply shorter than this that names none of the attributes asked about
}
# Flag letters of a rule's regex: i = ASCII case-insensitive, s = `.` matches a line break.
_FLAGS = {"i": re.I | re.A, "s": re.S}
_ID = re.compile(r"^[a-z][a-z0-9_.]*$")


class RuleError(ValueError):
    """A rule file that cannot be used, with the file, rule and reason in the message."""


@dataclass(frozen=True)
class Rule:
    """One QC rule: who it applies to, what it costs, and its matcher (words, regex, both, or a check)."""

    id: str
    name: str
    category: str
    severity: str
    points: float
    applies_to: tuple[str, ...]
    words: tuple[str, ...] = ()
    allow: dict[str, str] = field(default_factory=dict)
    regex: str | None = None
    flags: str = ""
    check: str | None = None
    expect: str | None = None
    once_per_conversation: bool = False
    description: str = ""
    params: dict[str, float] = field(default_factory=dict)  # a check's parameters, defaults filled in

    @property
    def kind(self) -> str:
        """words, regex, words+regex or check."""
        if self.check:
            return "check"
        return "+".join(k for k, v in (("words", self.words), ("regex", self.regex)) if v)

    @property
    def re_flags(self) -> int:
        """The Python re flags of the rule's regex."""
        out = 0
        for letter in self.flags:
            out |= _FLAGS[letter]
        return out

    def compiled(self) -> re.Pattern[str] | None:
        """The rule's regex compiled with its flags (None when it has none)."""
        return re.compile(self.regex, self.re_flags) if self.regex else None


@dataclass(frozen=True)
class RuleSet:
    """The active rules and where they came from."""

    rules: tuple[Rule, ...]
    sources: tuple[str, ...]

    @property
    def label(self) -> str:
        """What qc_runs.rules records: the files the rules were read from."""
        return ";".join(self.sources)

    def by_id(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError when absent."""
        return next(r for r in self.rules if r.id == rule_id)


def _fail(source: str, rule_id: str, reason: str) -> RuleError:
    return RuleError(f"规则文件 {source} 中规则 {rule_id}：{reason} / rule {rule_id} in {source}: invalid")


def _strings(source: str, rid: str, raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(source, rid, f"{key} 必须是非空字符串的列表")
    return tuple(value)


def parse_rule(raw: dict[str, Any], source: str) -> Rule:
    """One rule from its TOML table; RuleError naming the file, the rule and the problem."""
    rid = str(raw.get("id", "?"))
    if not _ID.match(rid):
        raise _fail(source, rid, "id 只能由小写字母、数字、点和下划线组成")
    for key in ("name", "category", "severity"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _fail(source, rid, f"缺少 {key}")
    known = {"id", "name", "category", "severity", "points", "applies_to", "words", "allow", "regex", "flags",
             "check", "expect", "once_per_conversation", "description", "params"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _fail(source, rid, f"未知字段 {', '.join(unknown)}")
    if raw["severity"] not in SEVERITIES:
        raise _fail(source, rid, f"severity 必须是 {'/'.join(SEVERITIES)} 之一")
    points = raw.get("points", 0)
    if not isinstance(points, (int, float)) or isinstance(points, bool) or points < 0:
        raise _fail(source, rid, "points（扣分）必须是不小于 0 的数")
    applies_to = _strings(source, rid, raw, "applies_to")
    if not applies_to or set(applies_to) - set(SENDERS):
        raise _fail(source, rid, f"applies_to 必须是 {', '.join(SENDERS)} 中的若干个")
    words = _strings(source, rid, raw, "words")
    allow = raw.get("allow", {})
    if not isinstance(allow, dict) or not all(isinstance(v, str) and v for v in allow.values()):
        raise _fail(source, rid, "allow 必须是 “放行词 = 理由” 的表，每个放行词都要写理由")
    regex, flags, check, expect = raw.get("regex"), raw.get("flags", ""), raw.get("check"), raw.get("expect")
    if set(flags) - set(_FLAGS):
        raise _fail(source, rid, "flags 只能包含 i（不分大小写）和 s（. 匹配换行）")
    for pattern in (regex, expect):
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise _fail(source, rid, f"正则表达式无效：{exc}") from exc
    if check is not None:
        if check not in CHECKS:
            raise _fail(source, rid, f"check 必须是 {', '.join(CHECKS)} 之一")
        if words or regex:
            raise _fail(source, rid, "结构检查（check）不能同时有 words 或 regex")
    elif not words and not regex:
        raise _fail(source, rid, "需要 words、regex 或 check 之一")
    params = _params(source, rid, check, raw.get("params", {}))
    if any(a == w for a in allow for w in words):
        raise _fail(source, rid, "放行词不能与违规词完全相同")
    return Rule(id=rid, name=raw["name"], category=raw["category"], severity=raw["severity"], points=float(points),
                applies_to=applies_to, words=words, allow=dict(allow), regex=regex, flags=flags, check=check,
                expect=expect, once_per_conversation=bool(raw.get("once_per_conversation", False)),
                description=str(raw.get("description", "")), params=params)


def _params(source: str, rid: str, check: str | None, raw: Any) -> dict[str, float]:
    """A check's parameters: its defaults, overridden by the rule's `params` (numbers, names it knows)."""
    defaults = CHECK_PARAMS.get(check or "", {})
    if not isinstance(raw, dict):
        raise _fail(source, rid, "params 必须是 “参数 = 数值” 的表")
    unknown = sorted(set(raw) - set(defaults))
    if unknown:
        known = "、".join(defaults) or "（无）"
        raise _fail(source, rid, f"未知参数 {', '.join(unknown)}，检查 {check} 的参数有：{known}")
    for key, value in raw.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise _fail(source, rid, f"参数 {key} 必须是不小于 0 的数")
    return {**defaults, **{k: float(v) for k, v in raw.items()}}


def parse_rules(text: str, source: str) -> list[Rule]:
    """The rules of one TOML document (a `[[rule]]` array)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"规则文件 {source} 不是有效的 TOML：{exc} / {source} is not valid TOML") from exc
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleError(f"规则文件 {source} 中没有 [[rule]] / {source} holds no [[rule]] tables")
    return [parse_rule(r, source) for r in raw_rules]


def default_rule_files() -> list[tuple[str, str]]:
    """(name, text) of every shipped QC rule file, in name order."""
    folder = resources.files("kefu.qc").joinpath("rules")
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    return [(f"kefu/qc/rules/{p.name}", p.read_text(encoding="utf-8")) for p in files]


def load_rules(extra: list[Path] | None = None, *, defaults: bool = True) -> RuleSet:
    """The shipped rules (unless defaults=False) plus the rules of each extra file; a later id replaces an earlier."""
    sources: list[tuple[str, str]] = default_rule_files() if defaults else []
    for path in extra or []:
        try:
            sources.append((str(path), Path(path).read_text(encoding="utf-8")))
        except OSError as exc:
            raise RuleError(f"无法读取规则文件 {path}：{exc.strerror} / cannot read {path}") from exc
    by_id: dict[str, Rule] = {}
    for source, text in sources:
        seen: set[str] = set()
        for rule in parse_rules(text, source):
            if rule.id in seen:
                raise _fail(source, rule.id, "同一文件中 id 重复")
            seen.add(rule.id)
            by_id[rule.id] = rule
    return RuleSet(tuple(by_id.values()), tuple(s for s, _ in sources))
