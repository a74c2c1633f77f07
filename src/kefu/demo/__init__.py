"""A realistic demo shop (山野户外旗舰店) as canonical CSV files, deterministic by seed."""
from __future__ import annotations

from kefu.demo.generate import DEFAULT_START, HEADERS, DemoSummary, generate_demo
from kefu.demo.texts import DEFAULT_SHOP

__all__ = ["DEFAULT_SHOP", "DEFAULT_START", "HEADERS", "DemoSummary", "generate_demo"]
