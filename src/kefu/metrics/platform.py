"""The SQL the platform settings (metrics.md §7) put into the platform metrics' declarations."""
from __future__ import annotations

from kefu.config import Settings, hours_seconds
from kefu.presets import shipped

# The two headline figures a platform names its own way (metrics.md §7, presets).
HEADLINES = ("platform_fast_rate", "platform_avg_response_s")


def platform_values(settings: Settings) -> dict[str, str]:
    """${platform_*} template values over platform_rounds' columns: which rounds count and how they are timed."""
    hours = hours_seconds(settings.platform_hours)
    assert hours is not None, "settings are validated when made"
    parts = [f"tod_s >= {hours[0]}", f"tod_s < {hours[1]}"]
    if settings.platform_unit == "question":
        parts.append("is_question")
    if settings.platform_reply == "agent":  # fully automatic reception is left out of human figures
        parts.append("NOT to_bot AND COALESCE(reply_sender, '') <> 'bot'")
    if settings.platform_first_only:
        parts.append("is_first")
    cap = settings.platform_cap_s
    capped = settings.platform_unanswered == "cap"
    return {
        "platform_counted": " AND ".join(f"({p})" for p in parts),
        "platform_capped_s": f"LEAST(response_s, {cap})" if cap > 0 else "response_s",
        "platform_unanswered_s": str(cap) if capped else "0",
        "platform_unanswered_timed": "TRUE" if capped else "FALSE",
    }


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
