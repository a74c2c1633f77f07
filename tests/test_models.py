"""The model graph: the shop scope's reuse of account rows gives the rows a whole computation gives."""
from __future__ import annotations

import pytest

from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.models import MODELS_BY_NAME, REUSED_COLUMNS, build_order, render
from tests.conftest import message_csv, report_rows

D = "2026-11-11"
A, B = "店:甲", "店:乙"
ORDERS = ("order_id,shop,buyer,created_at,paid_at,amount,items,status\n"
          f"o1,店,b1,{D} 10:10:00,{D} 10:11:00,100,1,交易成功\n")


def _transfer_shop(make_shop):
    """b1 is passed from 甲 to 乙 on D (a shared buyer-day); b2 talks to 甲 only; b1 then orders."""
    return make_shop(orders=ORDERS, messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{B}|buyer|{D} 10:05:00", f"b1|{B}|agent|{D} 10:06:00",
        f"b2|{A}|buyer|{D} 11:00:00", f"b2|{A}|buyer|{D} 11:00:03", f"b2|{A}|agent|{D} 11:00:10",
    ))


def test_a_shop_conversation_over_a_transfer_is_one_conversation(make_shop) -> None:
    con = _transfer_shop(make_shop)
    shop = report_rows(con, "shop_day")[("店", D)]
    accounts = report_rows(con)
    # 甲 never answered b1, 乙 did: per account 3 inquiries, per shop 2 buyers, both answered.
    assert (accounts[(A, D)]["inquiry_buyers"], accounts[(B, D)]["inquiry_buyers"]) == (2, 1)
    assert (shop["inquiry_buyers"], shop["replied_buyers"], shop["paid_buyers"]) == (2, 2, 1)


@pytest.mark.parametrize("settings", [Settings(), Settings(attribution="first_touch", conversion_window_days=0)],
                         ids=["defaults", "first_touch"])
def test_reused_shop_models_equal_the_whole_computation(make_shop, settings: Settings) -> None:
    con = _transfer_shop(make_shop)
    reused = DuckDBEngine(con, settings)
    assert reused.prepare()
    tables = reused.build([(name, "shop") for name in REUSED_COLUMNS])
    for name in REUSED_COLUMNS:
        # The same model computed over all the shop's conversations, without reuse.
        whole = render(MODELS_BY_NAME[name], settings, "shop", reuse=False).replace("_shop", "_whole")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_whole AS {whole}")
        got = con.execute(f"SELECT * FROM {tables[name]} ORDER BY ALL").fetchall()
        want = con.execute(f"SELECT * FROM {name}_whole ORDER BY ALL").fetchall()
        assert got == want and got, name


def test_reused_columns_are_the_models_columns(make_shop) -> None:
    con = _transfer_shop(make_shop)
    engine = DuckDBEngine(con, Settings())
    assert engine.prepare()
    engine.build([(name, "shop") for name in REUSED_COLUMNS])
    for name, columns in REUSED_COLUMNS.items():
        shared = [d[0] for d in con.execute(f"SELECT * FROM {name}_shared LIMIT 0").description]
        assert tuple(shared) == columns, name


def test_the_shop_scope_reuses_account_rows_only_when_asked() -> None:
    reused = {m.table(s) for m, s in build_order([("conversations", "shop")])}
    whole = {m.table(s) for m, s in build_order([("conversations", "shop")], reuse=False)}
    assert {"conversations_account", "conversations_shared", "shared_days"} <= reused
    assert "conversations_shared" not in whole and "shared_days" not in whole
