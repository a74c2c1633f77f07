"""The SQL the platform settings (metrics.md §7) put into the platform metrics' declarations."""
from __future__ import annotations

from kefu.config import Settings, hours_seconds


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
