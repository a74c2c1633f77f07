"""Settings: declared once, parsed from --set and TOML, bad values named clearly."""
from __future__ import annotations

from pathlib import Path

import pytest

from kefu.config import SETTINGS, SettingError, Settings, load_settings


def test_defaults_match_the_contract() -> None:
    assert Settings().as_dict() == {
        "timezone": "Asia/Shanghai", "slow_threshold_s": 15, "fast_first_response_s": 6,
        "conversion_window_days": 1, "attribution": "last_touch", "session_gap_s": 600,
        "refund_completed_by": "merchant",
        "exam_multi_credit": "all_or_nothing",
        # metrics.md §7: no preset; every round of the day, questions, human replies, no cap, 180 s.
        "preset": "", "platform_hours": "00:00-24:00", "platform_unit": "question", "platform_reply": "agent",
        "platform_first_only": False, "platform_cap_s": 0, "platform_unanswered": "skip", "platform_threshold_s": 180,
        "staffing_target_rate": 0.9, "staffing_shrinkage": 0.3, "staffing_max_occupancy": 0.85,
        "qc_confirmed_only": False,
        "csv_escape_formulas": True,
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
    ("staffing_target_rate=九成", "应为数字"),
    ("staffing_target_rate=1.5", "0 与 1 之间"),
    ("platform_hours=25:00-08:00", "HH:MM-HH:MM"),
    ("platform_hours=23:00-08:00", "开始早于结束"),
    ("platform_hours=8-23", "HH:MM-HH:MM"),
    ("platform_unanswered=cap", "platform_cap_s 大于 0"),
    ("platform_unit=burst", "question, message"),
    ("platform_threshold_s=0", "正整数"),
    ("preset=tiktok", "taobao, douyin, pdd, jd, kuaishou"),
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


def test_a_preset_applies_first_and_settings_given_override_it(tmp_path: Path) -> None:
    taobao = load_settings(None, ["preset=taobao"])
    assert (taobao.platform_hours, taobao.platform_cap_s, taobao.platform_unanswered) == ("08:00-23:00", 600, "cap")
    config = tmp_path / "kefu.toml"
    config.write_text('preset = "taobao"\nplatform_cap_s = 300\n', encoding="utf-8")
    assert load_settings(config).platform_cap_s == 300
    assert load_settings(config, ["platform_cap_s=120"]).platform_cap_s == 120
    # Overriding the cap to 0 leaves the preset's cap mode without a cap: named, not silently changed.
    with pytest.raises(SettingError, match="platform_unanswered=cap"):
        load_settings(config, ["platform_cap_s=0"])


def test_a_shop_adds_or_corrects_a_preset_as_data(tmp_path: Path) -> None:
    config = tmp_path / "kefu.toml"
    config.write_text('preset = "myshop"\n[presets.myshop]\nname = "本店口径"\n[presets.myshop.settings]\n'
                      'platform_hours = "09:00-22:00"\nplatform_threshold_s = 120\n'
                      '[presets.jd.settings]\nplatform_threshold_s = 60\n', encoding="utf-8")
    mine = load_settings(config)
    assert (mine.preset, mine.platform_hours, mine.platform_threshold_s) == ("myshop", "09:00-22:00", 120)
    jd = load_settings(config, ["preset=jd"])
    assert (jd.platform_threshold_s, jd.platform_first_only, jd.platform_hours) == (60, True, "09:00-23:00")
