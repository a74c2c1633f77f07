"""Text encodings of shop exports: BOMs, UTF-8, and the Chinese legacy code pages found by charset-normalizer."""
from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

# Exports of Chinese shop back-ends that are not Unicode are GBK/GB18030 (mainland) or Big5 (Taiwan, HK).
# Limiting the detector to them keeps short files from being read as a Korean or Cyrillic code page.
_LEGACY = ["gb18030", "big5"]
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class EncodingError(ValueError):
    """A file's bytes cannot be read as text in the detected (or given) encoding."""


def detect_encoding(data: bytes, partial: bool = False) -> str:
    """The codec name of data: from its BOM, else UTF-8 when it decodes, else charset-normalizer's best legacy match.

    partial: data is the start of a file, so a character cut at its end is no error.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=not partial)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(data, cp_isolation=_LEGACY))
    # Least chaos, then most coherence; a tie (short texts decode cleanly in both) goes to the mainland's GB18030.
    best = min(matches, default=None,
               key=lambda m: (m.chaos, -m.coherence, 0 if m.encoding.startswith("gb") else 1))
    if best is None:
        raise EncodingError(
            "无法识别文件编码（支持 UTF-8、UTF-8 BOM、GBK/GB18030、UTF-16 BOM），请用 --encoding 指定"
            " / cannot detect the file's encoding; pass --encoding"
        )
    # GBK and GB2312 are subsets of GB18030: decoding with the superset never loses a character.
    return "gb18030" if best.encoding in ("gb2312", "gbk", "gb18030") else best.encoding


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text without BOM, codec used) of data, in the given encoding or the detected one."""
    codec = encoding or detect_encoding(data)
    try:
        codecs.lookup(codec)
    except LookupError:
        raise EncodingError(f"未知编码 {codec!r} / unknown encoding {codec!r}") from None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"按 {codec} 解码失败（第 {exc.start} 字节），请用 --encoding 指定正确的编码"
            f" / cannot decode as {codec} at byte {exc.start}"
        ) from None
    return text.removeprefix("\ufeff"), codec
