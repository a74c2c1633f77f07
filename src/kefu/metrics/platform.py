"""The SQL the platform settings (metrics.md §7) put into the platform metrics' declarations."""
from __future__ import annotations

from kefu.config import Settings, hours_seconds
from kefu.presets import shipped

# The two headline figures a platform names its own way (metrics.md §7, presets).
HEADLINES = ("platform_fast_rate", "platform_avg_response_s")


def _left_out_rules(settings: Settings) -> list[tuple[str, str]]:
    """(condition a counted round meets, reason shown when it does not), in the order the reasons are told."""
    hours = hours_seconds(settings.platform_hours)
    assert hours is not None, "settings are validated when made"
    rules = [(f"tod_s >= {hours[0]} AND tod_s < {hours[1]}", f"不在统计时段 {settings.platform_hours}")]
    if settings.platform_reply == "agent":  # fully automatic reception is left out of human figures
        rules += [("NOT to_bot", "发给机器人账号"), ("COALESCE(reply_sender, '') <> 'bot'", "机器人先回复")]
    if settings.platform_first_only:
        rules.append(("is_first", "不是会话的第一轮"))
    return rules


def platform_values(settings: Settings) -> dict[str, str]:
    """${platform_*} template values over platform_rounds' columns: which rounds count and how they are timed."""
    rules = _left_out_rules(settings)
    unit = "is_question" if settings.platform_unit == "question" else "TRUE"
    cap = settings.platform_cap_s
    capped = settings.platform_unanswered == "cap"
    reasons = " ".join(f"WHEN NOT ({cond}) THEN '{reason}'" for cond, reason in rules)
    values = {
        # A round: a buyer message that starts one under platform_unit, counted or not.
        "platform_round": unit,
        "platform_counted": " AND ".join(f"({p})" for p in [unit, *(cond for cond, _ in rules)]),
        "platform_left_out": f"CASE {reasons} END",
        "platform_capped_s": f"LEAST(response_s, {cap})" if cap > 0 else "response_s",
        "platform_unanswered_s": str(cap) if capped else "0",
        "platform_unanswered_timed": "TRUE" if capped else "FALSE",
    }
    # The seconds one counted round adds to the mean; NULL when it is not timed (unanswered under skip).
    values["platform_round_s"] = (f"CASE WHEN reply_ts IS NOT NULL THEN {values['platform_capped_s']} "
                                  f"WHEN {values['platform_unanswered_timed']} THEN {cap} END")
    return values


def platform_label(metric_id: str, settings: Settings, lang: str = "zh") -> str | None:
    """The name a headline figure goes by under these settings; None for any other metric.

    A preset names it the platform's way (3分钟人工响应率) while every value of the preset holds; once a
    setting departs from it, or without a preset, the N-second rate is named by its threshold.
    """
    if metric_id not in HEADLINES:
        return None
    preset = shipped().get(settings.preset) if settings.preset else None
    follows = preset is not None and all(getattr(settings, k) == v for k, v in preset.settings.items())
    if preset is not None and follows and lang == "zh" and metric_id in preset.labels:
        return preset.labels[metric_id]
    if metric_id == "platform_fast_rate":
        n = settings.platform_threshold_s
        return f"平台口径{n}秒响应率" if lang == "zh" else f"platform {n}-second response rate"
    return None
