"""The ad rule of metrics.md §1: an ad word AND a contact, as Python and as engine SQL."""
from __future__ import annotations

import re
from dataclasses import dataclass

AD_WORDS: tuple[str, ...] = ("刷单", "兼职", "日结", "招聘", "代运营", "推广合作", "引流", "返利", "贷款", "加群")

# Case-insensitive with ASCII-only folding; `.` also matches a line break.
CONTACT_PATTERN = r"(https?://|www\.)|[0-9]{6,}|(微信|VX|V信|QQ|Q群).{0,3}[A-Za-z0-9]"
CONTACT_FLAGS = re.I | re.A | re.S


@dataclass(frozen=True)
class AdRule:
    """A message is an ad when it contains one of `words` and matches `contact`."""

    words: tuple[str, ...] = AD_WORDS
    contact: str = CONTACT_PATTERN

    def matches(self, text: str | None) -> bool:
        """True when the text is an ad by this rule."""
        if not text:
            return False
        return any(w in text for w in self.words) and re.search(self.contact, text, CONTACT_FLAGS) is not None


DEFAULT_AD_RULE = AdRule()


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
    words = "|".join(re.escape(w) for w in rule.words)
    # `.` matching a line break is an inline flag, which RE2 (DuckDB) and Java (Spark) both read.
    contact = "(?s)" + ascii_case_insensitive(rule.contact)
    return (
        f"(regexp_matches({column}, {_sql_string(words)}) "
        f"AND regexp_matches({column}, {_sql_string(contact)}))"
    )
