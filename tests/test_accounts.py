"""Accounts and shops by the names a manager types: full ids, unique short names, clear errors with hints."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from kefu.accounts import UnknownName, resolve_account, resolve_shop
from kefu.store import Warehouse


@pytest.fixture
def wh() -> Iterator[Warehouse]:
    wh = Warehouse.open(":memory:")
    wh.con.execute("INSERT INTO accounts VALUES ('甲店:小王', '甲店', '王', NULL, 'human'), "
                   "('乙店:小王', '乙店', '王二', NULL, 'human'), ('甲店:小李', '甲店', '李', NULL, 'human')")
    # 乙店:阿杰 only ever appears in messages.
    wh.con.execute("INSERT INTO messages VALUES ('乙店', 'k1', NULL, 'b', '乙店:阿杰', 'agent', "
                   "TIMESTAMP '2026-11-14 16:30:00', 1, '在的', 'text'), ('乙店', 'k2', NULL, 'b', '乙店', 'agent', "
                   "TIMESTAMP '2026-11-14 10:00:00', 2, '您好', 'text')")
    yield wh
    wh.close()


def test_full_ids_and_unique_short_names_resolve(wh: Warehouse) -> None:
    assert resolve_account(wh.con, "甲店:小王") == "甲店:小王"
    assert resolve_account(wh.con, "小李") == "甲店:小李"
    assert resolve_account(wh.con, "阿杰") == "乙店:阿杰"  # known from messages alone
    assert resolve_account(wh.con, "小王", shop="乙店") == "乙店:小王"
    assert resolve_account(wh.con, "乙店") == "乙店"  # a main account by its id


def test_ambiguous_and_unknown_names_say_what_to_type(wh: Warehouse) -> None:
    with pytest.raises(UnknownName, match="不唯一：乙店:小王、甲店:小王"):
        resolve_account(wh.con, "小王")
    with pytest.raises(UnknownName, match="未知客服账号 小黎；最接近的：.*小李"):
        resolve_account(wh.con, "小黎")
    with pytest.raises(UnknownName, match="未知客服账号 小李"):
        resolve_account(wh.con, "小李", shop="乙店")
    assert resolve_shop(wh.con, "甲店") == "甲店"
    with pytest.raises(UnknownName, match="未知店铺 甲铺；最接近的：甲店"):
        resolve_shop(wh.con, "甲铺")
