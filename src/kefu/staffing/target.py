"""The service target a plan must meet: 'N 秒内响应的比例 ≥ rate', written the way the platform names it."""
from __future__ import annotations

import re
from dataclasses import dataclass

from kefu.presets import shipped

_TARGET = re.compile(r"^\s*(?P<label>.+?)\s*(?:>=|≥|＞＝)\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<pct>%|％)?\s*$")
_WITHIN = re.compile(r"(?P<n>\d+)\s*(?P<unit>秒|s|分钟|分|min)", re.IGNORECASE)


class TargetError(ValueError):
    """A target that cannot be read, with a Chinese-first message."""


@dataclass(frozen=True)
class Target:
    """At least `rate` of the arrivals answered within `within_s` seconds."""

    rate: float
    within_s: float
    label: str = ""

    def __post_init__(self) -> None:
        if not 0 < self.rate < 1:
            raise TargetError(f"目标比例须在 0 与 1 之间（不含），如 0.9 或 90% / the target rate must be between "
                              f"0 and 1 (exclusive), such as 0.9 or 90%: {self.rate}")
        if self.within_s <= 0:
            raise TargetError(f"目标时长须大于 0 秒 / the target time must be above 0 s: {self.within_s}")

    def text(self) -> str:
        """The target as a manager writes it: '3分钟人工响应率 ≥ 90%'."""
        label = self.label or f"{self.within_s:g}秒响应率"
        return f"{label} ≥ {self.rate:.0%}" if round(self.rate * 100, 6).is_integer() else f"{label} ≥ {self.rate:g}"


def _preset_thresholds() -> dict[str, int]:
    """The platform_fast_rate label of each shipped preset and its threshold (3分钟人工响应率 → 180)."""
    out = {}
    for preset in shipped().values():
        label = preset.labels.get("platform_fast_rate")
        if label:
            out[label] = int(preset.settings["platform_threshold_s"])
    return out


def parse_target(text: str) -> Target:
    """Read '3分钟人工响应率>=0.9', '首次30秒应答率 >= 80%' or '平台口径180秒响应率>=0.85'."""
    match = _TARGET.match(text)
    if not match:
        raise TargetError(f"无法识别目标「{text}」：应写成「3分钟人工响应率>=0.9」/ cannot read target {text!r}: "
                          "write it as '3分钟人工响应率>=0.9'")
    label, value = match["label"], float(match["value"])
    rate = value / 100 if match["pct"] else value
    within = _preset_thresholds().get(label)
    if within is None:
        found = _WITHIN.search(label)
        if not found:
            raise TargetError(f"目标「{text}」没有写明时长（如 3分钟、30秒）/ target {text!r} names no time "
                              "(such as 3分钟 or 30秒)")
        within = int(found["n"]) * (60 if found["unit"].lower() in ("分钟", "分", "min") else 1)
    return Target(rate=rate, within_s=float(within), label=label)
