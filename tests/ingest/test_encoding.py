"""Encodings of shop exports: BOMs, UTF-8, GBK/GB18030 and Big5 by charset-normalizer, and the override."""
from __future__ import annotations

import pytest

from kefu.ingest.encoding import EncodingError, decode, detect_encoding

TEXT = "订单编号,买家会员名,买家实际支付金额\r\n2840012345678901,猫猫1,199.00\r\n"


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"),
    ("utf-16", "utf-16"), ("utf-16-be", None),
])
def test_detected_and_decoded(encoding: str, expected: str | None) -> None:
    data = TEXT.encode(encoding)
    if expected is None:  # big-endian UTF-16 is recognised by its BOM
        data = "\ufeff".encode("utf-16-be") + data
        expected = "utf-16"
    assert detect_encoding(data) == expected
    assert decode(data) == (TEXT, expected)


def test_short_gbk_goes_to_gb18030_and_big5_is_still_found() -> None:
    assert detect_encoding("shop,buyer\n店,买家\n".encode("gbk")) == "gb18030"
    assert detect_encoding("退款編號,訂單編號,買家會員名\n1,2,小明\n".encode("big5")) == "big5"


def test_partial_sample_and_override() -> None:
    data = TEXT.encode("utf-8")
    assert detect_encoding(data[:10], partial=True) == "utf-8"  # a character cut at the end is no error
    assert decode(TEXT.encode("gbk"), "gbk")[0] == TEXT
    with pytest.raises(EncodingError, match="--encoding"):
        decode(TEXT.encode("gbk"), "utf-8")
    with pytest.raises(EncodingError, match="未知编码"):
        decode(b"x", "klingon")
