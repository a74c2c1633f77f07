"""Import formats as data: TOML profiles naming header aliases, value cleaners, value maps and the target table."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from kefu.ingest.cleaners import CLEANERS
from kefu.ingest.readers import normalise_name
from kefu.schema import TABLES, TABLES_BY_NAME, Table

PROFILE_DIR = Path(__file__).with_name("profiles")
MARKERS_FILE = Path(__file__).with_name("markers.toml")
KINDS = ("table", "chat_table", "chat_text")
# Chat tables may name who sent and who received a message instead of the canonical sender role.
CHAT_FIELDS = ("sender_nick", "receiver_nick")
RULES = ("refund_completed_by",)


class ProfileError(ValueError):
    """A profile file, --map or --format cannot be used."""


@dataclass(frozen=True)
class Markers:
    """Lists that tell chat senders apart (see markers.toml)."""

    bot_nicks: tuple[str, ...]
    auto_prefixes: tuple[str, ...]
    system_nicks: tuple[str, ...]
    system_patterns: tuple[re.Pattern[str], ...]
    roles: dict[str, str]  # role word -> sender


@dataclass(frozen=True)
class Profile:
    """One import format: where it comes from, the canonical table it fills and how to read its columns."""

    name: str
    title: str
    title_en: str
    kind: str
    table: Table
    columns: dict[str, tuple[str, ...]]  # target column -> header names, first match wins
    detect: tuple[str, ...] = ()
    cleaners: tuple[str, ...] = ()
    column_cleaners: dict[str, tuple[str, ...]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # target -> raw value -> canonical value
    rules: tuple[str, ...] = ()
    text: dict[str, tuple[str, ...]] = field(default_factory=dict)  # chat_text layout regexes
    markers: Markers | None = None
    example: str = ""
    source: str = "builtin"

    @property
    def targets(self) -> tuple[str, ...]:
        """Every column name a header may be mapped to."""
        extra = CHAT_FIELDS if self.kind == "chat_table" else ()
        return self.table.column_names + extra

    def match(self, headers: list[str]) -> dict[str, int]:
        """Target column -> index of the header that feeds it (first alias found wins)."""
        index: dict[str, int] = {}
        for i, h in enumerate(headers):
            index.setdefault(normalise_name(h), i)
        found: dict[str, int] = {}
        for target, aliases in self.columns.items():
            for alias in aliases:
                if normalise_name(alias) in index:
                    found[target] = index[normalise_name(alias)]
                    break
        return found

    def recognises(self, headers: list[str]) -> int:
        """How many columns of headers this profile reads, or 0 when a column it needs to be recognised is absent."""
        if self.kind == "chat_text":
            return 0
        found = self.match(headers)
        return len(found) if all(c in found for c in self.detect) else 0

    def with_maps(self, maps: list[tuple[str | None, str, str]]) -> Profile:
        """This profile with --map pairs (table or None, header, target) put before its own aliases."""
        columns = dict(self.columns)
        for table, header, target in maps:
            if (table is None or table == self.table.name) and target in self.targets:
                columns[target] = (header,) + tuple(a for a in columns.get(target, ()) if a != header)
        return replace(self, columns=columns)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    """A TOML list of strings (a single string is a list of one)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ProfileError(f"{where} 应为字符串列表 / {where} must be a list of strings")
    return tuple(items)


def _compile(patterns: tuple[str, ...], where: str) -> tuple[re.Pattern[str], ...]:
    """Compiled regular expressions with a clear error for a bad one."""
    try:
        return tuple(re.compile(p) for p in patterns)
    except re.error as exc:
        raise ProfileError(f"{where} 中的正则表达式无效：{exc} / bad regular expression in {where}") from None


def markers_from(data: dict[str, Any], where: str) -> Markers:
    """Markers from the defaults of markers.toml overridden by data."""
    merged = {**tomllib.loads(MARKERS_FILE.read_text(encoding="utf-8")), **data}
    lists = {k: _strings(v, f"{where} markers.{k}") for k, v in merged.items()}
    roles = {word: sender for sender in ("buyer", "agent", "bot", "system")
             for word in lists.get(f"{sender}_roles", ())}
    return Markers(lists["bot_nicks"], lists["auto_prefixes"], lists["system_nicks"],
                   _compile(lists["system_patterns"], f"{where} markers.system_patterns"), roles)


def parse_profile(data: dict[str, Any], source: str) -> Profile:
    """A Profile from a TOML document, checked: known kind, table, columns and cleaners."""
    where = f"格式文件 {source}"
    try:
        name, kind, table_name = str(data["name"]), str(data.get("kind", "table")), str(data["table"])
    except KeyError as exc:
        raise ProfileError(f"{where} 缺少 {exc.args[0]} / profile {source} lacks {exc.args[0]}") from None
    if kind not in KINDS:
        raise ProfileError(f"{where}: kind 应为 {'/'.join(KINDS)} / unknown kind {kind!r}")
    if table_name not in TABLES_BY_NAME:
        raise ProfileError(f"{where}: 未知的表 {table_name!r}，应为 {', '.join(TABLES_BY_NAME)} / unknown table")
    profile = Profile(
        name=name, title=str(data.get("title", name)), title_en=str(data.get("title_en", name)), kind=kind,
        table=TABLES_BY_NAME[table_name],
        columns={k: _strings(v, f"{where} columns.{k}") for k, v in data.get("columns", {}).items()},
        detect=_strings(data.get("detect", []), f"{where} detect"),
        cleaners=_strings(data.get("cleaners", []), f"{where} cleaners"),
        column_cleaners={k: _strings(v, f"{where} column_cleaners.{k}")
                         for k, v in data.get("column_cleaners", {}).items()},
        values={k: {str(a): str(b) for a, b in v.items()} for k, v in data.get("values", {}).items()},
        rules=_strings(data.get("rules", []), f"{where} rules"),
        text={k: _strings(v, f"{where} text.{k}") for k, v in data.get("text", {}).items()},
        markers=markers_from(data.get("markers", {}), where) if kind != "table" else None,
        example=str(data.get("example", "")).strip("\n"), source=source,
    )
    unknown = [t for t in [*profile.columns, *profile.column_cleaners, *profile.values, *profile.detect]
               if t not in profile.targets]
    if unknown:
        raise ProfileError(f"{where}: 表 {table_name} 没有列 {', '.join(unknown)}，可用：{', '.join(profile.targets)}"
                           f" / unknown target columns {unknown}")
    bad = [c for c in [*profile.cleaners, *(c for cs in profile.column_cleaners.values() for c in cs)]
           if c not in CLEANERS]
    bad += [r for r in profile.rules if r not in RULES]
    if bad:
        raise ProfileError(f"{where}: 未知的清洗规则 {', '.join(bad)}，可用：{', '.join([*CLEANERS, *RULES])}"
                           f" / unknown cleaners or rules {bad}")
    for key in ("headers", "partners", "owners", "separators"):
        _compile(profile.text.get(key, ()), f"{where} text.{key}")
    if kind == "chat_text" and not profile.text.get("headers"):
        raise ProfileError(f"{where}: 文本聊天格式需要 text.headers / a chat_text profile needs text.headers")
    return profile


def load_profile(path: Path) -> Profile:
    """A user's profile file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"找不到格式文件 {path} / profile not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"格式文件 {path} 不是有效的 TOML：{exc} / invalid TOML") from None
    return parse_profile(data, str(path))


def _canonical(table: Table) -> Profile:
    """A profile reading a canonical table's own header names, for a file not named after its table."""
    return Profile(name=f"canonical_{table.name}", title=f"标准格式：{table.label_zh}",
                   title_en=f"canonical {table.name}", kind="table", table=table,
                   columns={c: (c,) for c in table.column_names},
                   detect=tuple(c.name for c in table.columns if c.required))


@lru_cache(maxsize=1)
def builtin_profiles() -> tuple[Profile, ...]:
    """The shipped profiles (in file name order), then one canonical profile per table."""
    shipped = tuple(load_profile(p) for p in sorted(PROFILE_DIR.glob("*.toml")))
    return tuple(replace(p, source="builtin") for p in shipped) + tuple(_canonical(t) for t in TABLES)


def parse_maps(pairs: list[str]) -> list[tuple[str | None, str, str]]:
    """--map 源列=目标列 pairs as (table or None, header, target); the target may be TABLE.COLUMN."""
    out: list[tuple[str | None, str, str]] = []
    targets = {c for t in TABLES for c in t.column_names} | set(CHAT_FIELDS)
    for pair in pairs:
        header, sep, target = pair.rpartition("=")
        header, target = header.strip(), target.strip()
        if not sep or not header or not target:
            raise ProfileError(f"--map 需要 源列=目标列 形式，得到 {pair!r} / --map expects SOURCE=TARGET")
        table, dot, column = target.rpartition(".")
        if dot and table not in TABLES_BY_NAME:
            raise ProfileError(f"--map {pair}: 未知的表 {table} / unknown table {table!r}")
        if column not in (TABLES_BY_NAME[table].column_names if dot else targets):
            raise ProfileError(f"--map {pair}: 未知的目标列 {column}，可用：{', '.join(sorted(targets))}"
                               f" / unknown target column {column!r}")
        out.append((table if dot else None, header, column))
    return out
