"""Typed settings of the KPI contract: declared once, set by TOML file or KEY=VALUE."""
from __future__ import annotations

import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from kefu.presets import all_presets

_T = TypeVar("_T")


class SettingError(ValueError):
    """A setting has an unknown name or a value it cannot take."""


@dataclass(frozen=True)
class Setting:
    """One declared setting: name, type, default and help (Chinese first)."""

    name: str
    type: type
    default: Any
    help_zh: str
    help_en: str
    choices: tuple[str, ...] = ()
    check: Callable[[Any], bool] | None = None
    allowed_zh: str = ""

    def parse(self, raw: Any) -> Any:
        """Convert a raw value (text from --set, or a TOML value) and validate it."""
        value: Any = raw
        try:
            if self.type is bool:
                value = _parse_bool(raw)
            elif self.type is int:
                if isinstance(raw, bool):
                    raise ValueError
                value = int(str(raw).strip())
            elif self.type is float:
                if isinstance(raw, bool):
                    raise ValueError
                value = float(str(raw).strip())
            elif self.type is str:
                value = str(raw).strip()
        except ValueError:
            kinds: dict[type, tuple[str, str]] = {bool: ("true 或 false", "true or false"),
                                                  float: ("数字", "a number")}
            kind_zh, kind_en = kinds.get(self.type, ("整数", "an integer"))
            raise SettingError(
                f"设置 {self.name} 的值 {raw!r} 无效：应为{kind_zh} / setting {self.name}: {raw!r} is not {kind_en}"
            ) from None
        if self.choices and value not in self.choices:
            raise SettingError(
                f"设置 {self.name} 的值 {raw!r} 无效，可选值：{', '.join(self.choices)}"
                f" / setting {self.name}: {raw!r} is not one of {', '.join(self.choices)}"
            )
        if self.check is not None and not self.check(value):
            raise SettingError(
                f"设置 {self.name} 的值 {raw!r} 无效：{self.allowed_zh} / setting {self.name}: invalid value {raw!r}"
            )
        return value


def _parse_bool(raw: Any) -> bool:
    """A TOML boolean, or true/false, on/off, 1/0 written as text."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "on", "1", "yes"):
        return True
    if text in ("false", "off", "0", "no"):
        return False
    raise ValueError(raw)


def hours_seconds(text: str) -> tuple[int, int] | None:
    """The seconds after local midnight of 'HH:MM-HH:MM' (24:00 allowed as the end), or None when malformed."""
    start, sep, end = text.partition("-")
    bounds = []
    for part in (start, end):
        hh, colon, mm = part.strip().partition(":")
        if not (sep and colon and hh.isdigit() and mm.isdigit() and len(mm) == 2 and int(mm) < 60):
            return None
        bounds.append(int(hh) * 3600 + int(mm) * 60)
    if not 0 <= bounds[0] < bounds[1] <= 24 * 3600:
        return None
    return bounds[0], bounds[1]


def _is_timezone(name: str) -> bool:
    """True when name is an IANA time zone known to zoneinfo."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def setting(default: _T, help_zh: str, help_en: str, *, choices: tuple[str, ...] = (),
            check: Callable[[Any], bool] | None = None, allowed_zh: str = "") -> _T:
    """A field of Settings that declares its setting: the default, the help (Chinese first), the values allowed."""
    return field(default=default, metadata={"help_zh": help_zh, "help_en": help_en, "choices": choices,
                                            "check": check, "allowed_zh": allowed_zh})


@dataclass(frozen=True)
class Settings:
    """A full, validated set of setting values; each field declares its setting."""

    timezone: str = setting(
        "Asia/Shanghai",
        "店铺所在时区（IANA 名称）；不带时区的时间按此时区读取，自然日按此时区划分",
        "the shop's IANA time zone: times without an offset are read in it, natural days are cut in it",
        check=_is_timezone, allowed_zh="应为 IANA 时区名，如 Asia/Shanghai",
    )
    slow_threshold_s: int = setting(
        15,
        "响应时长界限（秒）：响应时间超过它算慢响应",
        "a response slower than this many seconds is slow",
        check=lambda v: v >= 0, allowed_zh="应为不小于 0 的整数",
    )
    fast_first_response_s: int = setting(
        6,
        "黄金响应（秒）：首次响应不超过它算黄金首响",
        "a first response within this many seconds is fast",
        check=lambda v: v >= 0, allowed_zh="应为不小于 0 的整数",
    )
    conversion_window_days: int = setting(
        1,
        "询单转化窗口（天）：咨询当天之后再计入的自然日数，1 表示当天和次日",
        "natural days after the inquiry day that still count for conversion (1: the day and the next)",
        check=lambda v: v >= 0, allowed_zh="应为不小于 0 的整数",
    )
    attribution: str = setting(
        "last_touch",
        "订单归属方式：last_touch 最后接待、first_touch 首次接待、all_touch 全部接待",
        "how orders are credited to inquiries",
        choices=("last_touch", "first_touch", "all_touch"),
    )
    session_gap_s: int = setting(
        600,
        "会话间隔（秒）：同一买家两条消息相隔超过它就切分为两个会话（用于最大同时接待人数）",
        "messages further apart than this many seconds start a new session (for max_concurrent)",
        check=lambda v: v > 0, allowed_zh="应为大于 0 的整数",
    )
    refund_completed_by: str = setting(
        "merchant",
        "导入退款报表时，已完结且无客服（小二）介入的退款记为谁完结：merchant 商家、platform 平台、buyer 买家",
        "who finished a refund of an imported refund report that ended without platform intervention",
        choices=("merchant", "platform", "buyer"),
    )
    exam_multi_credit: str = setting(
        "all_or_nothing",
        "多选题计分：all_or_nothing 全对才得分；partial 少选按选对的比例得分，选错不得分",
        "多选 scoring: all_or_nothing, or partial (a subset of the key scores its share; any wrong choice scores 0)",
        choices=("all_or_nothing", "partial"),
    )
    preset: str = setting(
        "",
        "平台口径预设：taobao、douyin、pdd、jd、kuaishou（kefu presets 列出全部），"
        "先按预设取值，再由明确给出的设置覆盖",
        "a platform preset (kefu presets lists them): its platform_* values apply first, settings given override them",
    )
    platform_hours: str = setting(
        "00:00-24:00",
        "平台口径只统计开始时间（店铺当地时间）在此时段内的咨询轮次，HH:MM-HH:MM，24:00 为当天结束",
        "rounds count when their start's shop-local time of day is in HH:MM-HH:MM (24:00: the end of the day)",
        check=lambda v: hours_seconds(v) is not None, allowed_zh="应为 HH:MM-HH:MM，开始早于结束，如 08:00-23:00",
    )
    platform_unit: str = setting(
        "question",
        "平台口径的轮次：question 连续的买家消息算一轮；message 每条买家消息一轮",
        "rounds: question (a burst of buyer messages) or message (every buyer message)",
        choices=("question", "message"),
    )
    platform_reply: str = setting(
        "agent",
        "平台口径算谁的回复：agent 只算人工（首个回复是机器人或发给机器人账号的轮次不计）；agent_or_bot 都算",
        "whose replies count: agent (rounds a bot answered first, or sent to a bot account, are left out), "
        "or agent_or_bot",
        choices=("agent", "agent_or_bot"),
    )
    platform_first_only: bool = setting(
        False,
        "平台口径只看每个会话（客服、买家、自然日）的第一轮",
        "only the first round of each conversation (account, buyer, day) counts",
    )
    platform_cap_s: int = setting(
        0,
        "平台口径每轮响应时间最多计这么多秒；0 为不封顶",
        "a round's response time counts at most this many seconds; 0: no cap",
        check=lambda v: v >= 0, allowed_zh="应为不小于 0 的整数",
    )
    platform_unanswered: str = setting(
        "skip",
        "平台口径未回复的轮次：skip 不计入平均响应时长；cap 按 platform_cap_s 计入（需 platform_cap_s 大于 0）",
        "unanswered rounds: skip (left out of the mean) or cap (count platform_cap_s; needs platform_cap_s > 0)",
        choices=("skip", "cap"),
    )
    platform_threshold_s: int = setting(
        180,
        "平台口径 N 秒响应率的 N（秒）", "the N of the N-second response rate",
        check=lambda v: v > 0, allowed_zh="应为正整数",
    )
    staffing_target_rate: float = setting(
        0.9,
        "排班目标：平台口径 N 秒响应率（N 为 platform_threshold_s）要达到的比例，报表与网页的排班热力图按它配人",
        "staffing target: the share of rounds the plan answers within platform_threshold_s (reports and web)",
        check=lambda v: 0 < v < 1, allowed_zh="应为 0 与 1 之间（不含）的数，如 0.9",
    )
    staffing_shrinkage: float = setting(
        0.3,
        "排班缺勤率：休息、培训、离线等不在线时间占排班工时的比例，需排班人数 = 需在线人数 ÷ (1 − 缺勤率)",
        "staffing shrinkage: the share of scheduled time agents are not online (breaks, training)",
        check=lambda v: 0 <= v < 1, allowed_zh="应为不小于 0、小于 1 的数，如 0.3",
    )
    staffing_max_occupancy: float = setting(
        0.85,
        "排班最高占用率：在线客服的会话位被占用的比例不超过它",
        "staffing: the highest share of the online agents' chat slots in use that a plan accepts",
        check=lambda v: 0 < v <= 1, allowed_zh="应为大于 0、不大于 1 的数，如 0.85",
    )
    qc_confirmed_only: bool = setting(
        False,
        "质检得分与质检发现数只算经主管确认的发现（默认算所有未被驳回的发现；被驳回的从不扣分）",
        "QC scores and finding counts take only the findings a manager confirmed (default: every finding not "
        "dismissed; dismissed ones never count)",
    )
    csv_escape_formulas: bool = setting(
        True,
        "导出 CSV 时，以 = + - @ 制表符或回车开头的文字前加单引号，防止 Excel 把买家写的内容当公式执行；"
        "仅供程序读取时可设为 false",
        "CSV exports prefix text starting with = + - @ tab or CR with a quote so spreadsheets never run it as "
        "a formula (OWASP); false for machine use",
    )

    def as_dict(self) -> dict[str, Any]:
        """The values by setting name, in declaration order."""
        return {s.name: getattr(self, s.name) for s in SETTINGS}


def _declared() -> tuple[Setting, ...]:
    """The settings as the fields of Settings declare them, in field order."""
    types = get_type_hints(Settings)
    return tuple(Setting(f.name, types[f.name], f.default, **f.metadata) for f in fields(Settings))


SETTINGS: tuple[Setting, ...] = _declared()
SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def _known_setting(name: str) -> Setting:
    """The declared setting called name, or a SettingError listing the known ones."""
    try:
        return SETTINGS_BY_NAME[name]
    except KeyError:
        raise SettingError(
            f"未知设置 {name!r}，可用设置：{', '.join(SETTINGS_BY_NAME)} / unknown setting {name!r}"
        ) from None


def settings_from(values: Mapping[str, Any], presets: Mapping[str, Mapping[str, Any]] | None = None) -> Settings:
    """Build Settings from raw values by name; unknown names and bad values raise SettingError.

    A `preset` (shipped, or one of `presets`: a shop's own tables) gives its values first; the values
    given explicitly override them.
    """
    values = dict(values)
    name = str(values.get("preset", "")).strip()
    if name:
        known = all_presets(presets)
        if name not in known:
            raise SettingError(f"设置 preset 的值 {name!r} 无效，可选值：{', '.join(known)}"
                               f" / setting preset: {name!r} is not one of {', '.join(known)}")
        values = {**known[name].settings, **values}
    parsed = {name: _known_setting(name).parse(raw) for name, raw in values.items()}
    settings = Settings(**parsed)
    if settings.platform_unanswered == "cap" and settings.platform_cap_s == 0:
        raise SettingError("设置 platform_unanswered=cap 需要 platform_cap_s 大于 0（未回复的轮次按上限秒数计）"
                           " / setting platform_unanswered=cap needs platform_cap_s > 0")
    return settings


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """Turn ['KEY=VALUE', ...] from --set into a dict, with a clear error for a malformed pair."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SettingError(f"--set 需要 KEY=VALUE 形式，得到 {pair!r} / --set expects KEY=VALUE")
        out[name.strip()] = value
    return out


def read_config(config_file: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(setting values, the shop's own [presets.名称] tables) of a TOML file (top level or a [kefu] table)."""
    try:
        data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingError(f"找不到配置文件 {config_file} / config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingError(f"配置文件 {config_file} 不是有效的 TOML：{exc}") from None
    table = data.get("kefu", data)
    return {k: v for k, v in table.items() if not isinstance(v, dict)}, dict(table.get("presets", {}))


def load_settings(config_file: Path | None = None, assignments: list[str] | None = None) -> Settings:
    """Settings from defaults, then a TOML file (top level or a [kefu] table), then --set pairs."""
    values: dict[str, Any] = {}
    presets: dict[str, Any] = {}
    if config_file is not None:
        values, presets = read_config(config_file)
    values.update(parse_assignments(assignments or []))
    return settings_from(values, presets)
