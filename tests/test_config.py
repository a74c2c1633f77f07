"""Settings: declared once, parsed from --set and TOML, bad values named clearly."""
from __future__ import annotations

from pathlib import Path

import pytest

from kefu.config import SETTINGS, Settings, SettingError, load_settings


def test_defaults_match_the_contract() -> None:
    assert Settings().as_dict() == {
        "timezone": "Asia/Shanghai", "slow_threshold_s": 15, "fast_first_response_s": 6,
        "conversion_window_days": 1, "attribution": "last_touch", "session_gap_s": 600,
        "refund_completed_by": "merchant",
        "exam_multi_credit": "all_or_nothing", "csv_escape_formulas": True,
    }
    assert {s.name: s.default for s in SETTINGS} == Settings().as_dict()


def test_set_pairs_override_toml(tmp_path: Path) -> None:
    config = tmp_path / "kefu.toml"
    config.write_text('[kefu]\nslow_threshold_s = 20\nattribution = "first_touch"\n', encoding="utf-8")
    settings = load_settings(config, ["slow_threshold_s=30"])
    assert settings.slow_threshold_s == 30
    assert settings.attribution == "first_touch"


@pytest.mark.parametrize("pair, fragment", [
    ("attribution=middle_touch", "last_touch, first_touch, all_touch"),
    ("slow_threshold_s=fast", "整数"),
    ("session_gap_s=0", "大于 0"),
    ("timezone=Mars/Base", "IANA"),
    ("colour=red", "未知设置"),
    ("novalue", "KEY=VALUE"),
    ("csv_escape_formulas=maybe", "true 或 false"),
])
def test_bad_values_name_the_setting_and_what_is_allowed(pair: str, fragment: str) -> None:
    with pytest.raises(SettingError) as info:
        load_settings(None, [pair])
    assert fragment in str(info.value)


def test_bad_toml_is_a_setting_error(tmp_path: Path) -> None:
    config = tmp_path / "kefu.toml"
    config.write_text("slow_threshold_s = = 3", encoding="utf-8")
    with pytest.raises(SettingError, match="TOML"):
        load_settings(config)


@pytest.mark.parametrize("raw, value", [("false", False), ("OFF", False), ("0", False), ("true", True), ("on", True)])
def test_booleans_read_from_text(raw: str, value: bool) -> None:
    assert load_settings(None, [f"csv_escape_formulas={raw}"]).csv_escape_formulas is value


def test_booleans_read_from_toml(tmp_path: Path) -> None:
    config = tmp_path / "kefu.toml"
    config.write_text("csv_escape_formulas = false\n", encoding="utf-8")
    assert load_settings(config).csv_escape_formulas is False
