"""Masking of buyers' personal data (nicks, phone numbers) in what kefu prints."""
from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_nick(nick: str | None) -> str | None:
    """Keep a nick's first and last character, as Taobao shows buyers: 'tb123456' -> 't***6'."""
    if not nick:
        return nick
    if len(nick) <= 2:
        return nick[0] + "***"
    return f"{nick[0]}***{nick[-1]}"


def mask_phones(text: str | None) -> str | None:
    """Hide the middle four digits of mainland mobile numbers in a text."""
    if not text:
        return text
    return _PHONE.sub(r"\1****\2", text)
