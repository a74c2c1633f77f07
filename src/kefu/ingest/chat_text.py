"""Qianniu chat records as text: header lines (nick + time) each followed by the message's lines."""
from __future__ import annotations

import re
from dataclasses import dataclass

from kefu.ingest.profiles import Profile
from kefu.ingest.senders import ChatRow

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# How many leading lines decide whether a text is a chat record.
_SNIFF_LINES = 40
# Title lines an export may put above its first message (e.g. 聊天记录导出, a date range).
_TITLE_LINES = 3


@dataclass(frozen=True)
class Layout:
    """The compiled text layout of a chat_text profile."""

    headers: tuple[re.Pattern[str], ...]
    partners: tuple[re.Pattern[str], ...]
    owners: tuple[re.Pattern[str], ...]
    separators: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, profile: Profile) -> Layout:
        """The layout named by profile.text."""
        def compiled(key: str) -> tuple[re.Pattern[str], ...]:
            return tuple(re.compile(p) for p in profile.text.get(key, ()))
        return cls(compiled("headers"), compiled("partners"), compiled("owners"), compiled("separators"))

    def header(self, line: str) -> tuple[str, str] | None:
        """(nick, 'YYYY-MM-DD HH:MM:SS') of a header line, else None."""
        text = line.strip()
        for pattern in self.headers:
            found = pattern.match(text)
            if found:
                g = found.groupdict()
                ts = (f"{g['y']}-{int(g['mo']):02d}-{int(g['d']):02d} "
                      f"{int(g['h']):02d}:{int(g['mi']):02d}:{int(g['s']):02d}")
                return g["nick"].strip(), ts
        return None

    @staticmethod
    def _named(patterns: tuple[re.Pattern[str], ...], line: str) -> str | None:
        """The nick the first matching pattern names, else None."""
        text = line.strip()
        for pattern in patterns:
            found = pattern.match(text)
            if found:
                return found.group("nick").strip()
        return None

    def partner(self, line: str) -> str | None:
        """The nick a partner line (消息对象: NICK) names, else None."""
        return self._named(self.partners, line)

    def owner(self, line: str) -> str | None:
        """The shop account an owner line (导出账号: NICK) names, else None."""
        return self._named(self.owners, line)

    def separator(self, line: str) -> bool:
        """True for a line that only separates blocks."""
        return any(p.match(line) for p in self.separators)


def split_lines(text: str) -> list[str]:
    """The lines of text, whatever the line ends (CRLF, LF, CR)."""
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def looks_like(text: str, layout: Layout) -> bool:
    """True when a message header comes early, after at most a few title lines besides partner and owner lines."""
    preamble = 0
    for line in split_lines(text[:16384])[:_SNIFF_LINES]:
        if not line.strip() or layout.separator(line) or layout.partner(line) or layout.owner(line):
            continue
        if layout.header(line) is not None:
            return True
        preamble += 1
        if preamble > _TITLE_LINES:
            return False
    return False


def _body(lines: list[str]) -> str | None:
    """A message's text: its lines without blank lines around them; None when there is none."""
    start, stop = 0, len(lines)
    while start < stop and not lines[start].strip():
        start += 1
    while stop > start and not lines[stop - 1].strip():
        stop -= 1
    return "\n".join(lines[start:stop]) or None


def parse(text: str, layout: Layout) -> tuple[list[ChatRow], list[int]]:
    """The messages of a chat text in file order, and the line (from 1) of each one's header.

    Lines before the first header, or after a partner, owner or separator line and before the
    next header, belong to no message and are left out.
    """
    rows: list[ChatRow] = []
    lines_of: list[int] = []
    body: list[str] | None = None  # the lines of the open message, None when none is open
    block, partner, owner = 0, None, None
    for number, line in enumerate(split_lines(text), start=1):
        head = layout.header(line)
        named = None if head is not None else layout.partner(line)
        owned = None if head is not None or named is not None else layout.owner(line)
        if head is None and named is None and owned is None and not layout.separator(line):
            if body is not None:
                body.append(line)
            continue
        if body is not None:
            rows[-1].content = _body(body)
        body = None
        if named is not None:
            block, partner = block + 1, named
        elif owned is not None:
            block, partner, owner = block + 1, None, owned
        elif head is not None:
            rows.append(ChatRow(nick=head[0], ts=head[1], content=None, block=block, partner=partner, owner=owner))
            lines_of.append(number)
            body = []
    if body is not None:
        rows[-1].content = _body(body)
    return rows, lines_of
