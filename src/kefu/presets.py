"""Platform presets (metrics.md §7): named bundles of the platform_* settings, shipped as data (presets.toml)."""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Preset:
    """One platform's rule: the settings it sets, the labels of its headline figures, and where it comes from."""

    name: str
    title: str
    rule: str
    source: str
    settings: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def _preset(name: str, table: Mapping[str, Any]) -> Preset:
    """A Preset from its TOML table."""
    return Preset(name, str(table.get("name", name)), str(table.get("rule", "")), str(table.get("source", "")),
                  dict(table.get("settings", {})), {k: str(v) for k, v in table.get("labels", {}).items()})


@cache
def shipped() -> dict[str, Preset]:
    """The presets kefu ships (kefu/presets.toml), by name."""
    data = tomllib.loads(resources.files("kefu").joinpath("presets.toml").read_text(encoding="utf-8"))
    return {name: _preset(name, table) for name, table in data.items()}


def all_presets(extra: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Preset]:
    """The shipped presets, with a shop's own [presets.名称] tables added or replacing them by name."""
    out = dict(shipped())
    for name, table in (extra or {}).items():
        base = out.get(name)
        merged: dict[str, Any] = {"name": base.title, "rule": base.rule, "source": base.source,
                                  "settings": dict(base.settings), "labels": dict(base.labels)} if base else {}
        merged.update({k: v for k, v in table.items() if k not in ("settings", "labels")})
        merged.setdefault("settings", {}).update(table.get("settings", {}))
        merged.setdefault("labels", {}).update(table.get("labels", {}))
        out[name] = _preset(name, merged)
    return out
