"""The ad rule of metrics.md §1 as a QC rule (kefu/qc/ad_filter.toml), matched in Python and as engine SQL."""
from __future__ import annotations

import re
from importlib import resources

from kefu.qc.matcher import Matcher
from kefu.qc.rules import Rule, parse_rules


def load_ad_rule() -> Rule:
    """The shipped ad rule: an ad word AND a contact."""
    text = resources.files("kefu.qc").joinpath("ad_filter.toml").read_text(encoding="utf-8")
    return parse_rules(text, "kefu/qc/ad_filter.toml")[0]


class AdRule:
    """A message is an ad when the rule (words and a contact regex) matches it; one matcher for QC and filters."""

    def __init__(self, rule: Rule) -> None:
        if not rule.words or rule.regex is None or rule.allow:
            raise ValueError("an ad rule needs words and a contact regex, and no allow-list")
        self.rule = rule
        self._matcher = Matcher([rule])

    def matches(self, text: str | None) -> bool:
        """True when the text is an ad by this rule."""
        return bool(self._matcher.match(text))


DEFAULT_AD_RULE = AdRule(load_ad_rule())
AD_WORDS: tuple[str, ...] = DEFAULT_AD_RULE.rule.words
CONTACT_PATTERN: str = DEFAULT_AD_RULE.rule.regex or ""
CONTACT_FLAGS: int = DEFAULT_AD_RULE.rule.re_flags


def ascii_case_insensitive(pattern: str) -> str:
    """Rewrite a regex so that each ASCII letter outside a class matches both cases.

    RE2 (DuckDB, and Java for Spark) folds case by Unicode rules, which would let
    e.g. 'ſ' match 's'; spelling the cases out keeps Python's re.A semantics.
    """
    out: list[str] = []
    in_class = escaped = False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "]":
            in_class = False
            out.append(ch)
        elif not in_class and ch.isascii() and ch.isalpha():
            out.append(f"[{ch.upper()}{ch.lower()}]")
        else:
            out.append(ch)
    return "".join(out)


def _sql_string(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ad_condition_sql(column: str, rule: AdRule = DEFAULT_AD_RULE) -> str:
    """A SQL boolean expression that is true when `column` is an ad by the rule."""
    words = "|".join(re.escape(w) for w in rule.rule.words)
    contact = rule.rule.regex or ""
    if "i" in rule.rule.flags:
        contact = ascii_case_insensitive(contact)
    if "s" in rule.rule.flags:
        # `.` matching a line break as an inline flag, which RE2 (DuckDB) and Java (Spark) both read.
        contact = "(?s)" + contact
    return (
        f"(regexp_matches({column}, {_sql_string(words)}) "
        f"AND regexp_matches({column}, {_sql_string(contact)}))"
    )
