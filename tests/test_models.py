"""The model graph: headers and the SQL declare it, every model is unique in its grain, and the shop scope's
reuse of account rows gives the rows a whole computation gives."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.exam.bank import save_questions
from kefu.exam.model import Question
from kefu.exam.paper import make_paper
from kefu.exam.results import grade_paper, save_attempt
from kefu.ingest import import_paths
from kefu.models import (
    MODELS,
    MODELS_BY_NAME,
    REUSED_COLUMNS,
    SCOPES,
    ModelFileError,
    build_order,
    from_header,
    reads,
    render,
)
from kefu.models.lineage import parse, tables_read
from kefu.qc.rules import load_rules
from kefu.qc.runner import run_qc
from kefu.schema import WAREHOUSE_DDL
from kefu.store import Warehouse
from tests.conftest import message_csv, report_rows
from tests.engines.random_shop import random_shop

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


# --- the graph the headers and the SQL declare ----------------------------------------------------------

# (deps, shared_deps) of every model, in MODELS order, as the former hand-written list declared them, but for
# two: online_hours reads the engine's calendar, which is no model, and shop_online's SQL names shop_accounts
# (in its first CTE) before shop_days.
DEPS = {
    "shop_accounts": ((), ()),
    "msgs": ((), ()),
    "filtered_buyers": (("msgs", "shop_accounts"), ()),
    "conv_msgs": (("msgs", "filtered_buyers"), ("shared_days",)),
    "shared_days": (("conv_msgs@account",), ()),
    "questions": (("conv_msgs",), ()),
    "conversations": (("conv_msgs", "questions"), ()),
    "platform_rounds": (("conv_msgs", "shop_accounts"), ()),
    "credited_orders": (("conversations", "conv_msgs"), ()),
    "conversion": (("credited_orders",), ()),
    "sessions": (("conv_msgs@account",), ()),
    "concurrency": (("sessions",), ()),
    "online_hours": ((), ()),
    "exam_scores": ((), ()),
    "eval_ratings": ((), ()),
    "eval_invites": (("conversations",), ()),
    "account_days": (("conversations@account", "exam_scores", "eval_ratings"), ()),
    "account_online": (("account_days", "online_hours"), ()),
    "order_days": (("conversations@shop",), ()),
    "shop_days": (("msgs", "order_days"), ()),
    "order_facts": (("order_days",), ()),
    "after_sales": (("order_days", "shop_days"), ()),
    "shop_online": (("shop_accounts", "shop_days", "online_hours"), ()),
    "qc_days": (("account_days",), ()),
    "qc_finding_rows": (("qc_days",), ()),
    "qc_emotion_rows": (("qc_days",), ()),
}


def test_the_dependencies_read_from_the_sql_are_the_declared_ones() -> None:
    assert {m.name: (m.deps, m.shared_deps) for m in MODELS} == DEPS
    assert [m.name for m in MODELS] == list(DEPS)


def test_a_scoped_model_reads_the_same_models_in_the_account_scope() -> None:
    # deps are read from the shop scope; read in the account scope, x@account is x.
    for model in MODELS:
        if model.scoped:
            assert reads(model, "account")[0] == tuple(d.removesuffix("@account") for d in model.deps), model.name


def test_every_table_a_model_reads_is_a_model_the_calendar_or_a_warehouse_table() -> None:
    tables = {m.table(s) for m in MODELS for s in (*SCOPES, "shared")} | {"calendar"} | set(WAREHOUSE_DDL)
    for model in MODELS:
        for scope in (*SCOPES, "shared") if model.scoped else ("account",):
            read = tables_read(parse(render(model, Settings(), scope, reuse=False)))
            assert set(read) <= tables, (model.name, scope, set(read) - tables)


HEADER = "-- model: probe\n-- order: 5\n-- kind: table\n-- scoped: true\n-- grain: ${conv}, seq\n\nSELECT 1\n"


def test_a_header_declares_the_model() -> None:
    order, model = from_header("probe", HEADER)
    assert order == 5 and model.scoped and not model.view and not model.reused
    assert model.grain_in("shop") == ("shop", "buyer", "day", "seq")
    assert MODELS_BY_NAME["conversations"].template().startswith("-- One row per conversation")
    assert MODELS_BY_NAME["conversations"].source().startswith("-- model: conversations\n")


@pytest.mark.parametrize(("text", "where", "says"), [
    ("SELECT 1\n", ":1:", "opens with its header"),
    (HEADER.replace("\n\n", "\n"), ":6:", "not a header line '-- key: value' (an empty line ends the header)"),
    (HEADER.partition("\n\n")[0], ":5:", "no empty line ends the header"),
    (HEADER.replace("-- kind: table", "-- kind: table\n-- colour: red"), ":4:", "unknown header key 'colour'"),
    (HEADER.replace("-- kind: table", "-- kind: table\n-- order: 6"), ":4:", "'order' given twice"),
    (HEADER.replace("-- kind: table", "-- kind: stored"), ":3:", "kind cannot be 'stored'"),
    (HEADER.replace("-- scoped: true", "-- scoped: yes"), ":4:", "scoped cannot be 'yes'"),
    (HEADER.replace("-- model: probe", "-- model: other"), ":1:", "names model 'other', not 'probe'"),
    (HEADER.replace("-- order: 5", "-- order: first"), ":2:", "order must be a whole number"),
    (HEADER.replace("-- order: 5\n", ""), ":1:", "lacks order"),
    (HEADER.replace("${conv}, seq", "${conv} seq"), ":5:", "grain is a list of columns"),
    (HEADER.replace("-- scoped: true", "-- scoped: false\n-- reused: true"), ":5:", "only a scoped model"),
    (HEADER.replace("-- kind: table", "--kind: table"), ":3:", "not a header line"),
])
def test_a_bad_header_is_refused_naming_its_file_and_line(text: str, where: str, says: str) -> None:
    with pytest.raises(ModelFileError) as caught:
        from_header("probe", text)
    assert str(caught.value).startswith(f"models/probe.sql{where}") and says in str(caught.value), caught.value


# --- every model is unique in its grain ----------------------------------------------------------------

EXAM = Question("回复率怎么算？", ("回复人数÷咨询人数", "消息数÷人数"), ("回复人数÷咨询人数",))


@pytest.fixture(scope="module")
def full_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """Two random shops (transfers, filters, presence, evaluations, after-sales), an exam attempt and a QC run."""
    root = tmp_path_factory.mktemp("grain")
    shops = [root / f"s{seed}" for seed in (1, 2)]
    for seed, folder in enumerate(shops, start=1):
        random_shop(folder, seed)
    with Warehouse.open(root / "kefu.duckdb") as wh:
        import_paths(wh, shops, Settings())
        save_questions(wh.con, [EXAM], "t")
        paper = make_paper([EXAM], 1, seed=1)
        for day in (7, 8):
            attempt = grade_paper(wh.con, paper, "随机店1:甲", {1: EXAM.answer}, multi_credit="all_or_nothing",
                                  taken_at=dt.datetime(2026, 3, day, 9), day=dt.date(2026, 3, day))
            save_attempt(wh.con, paper, attempt)
        run_qc(wh.con, Settings(), load_rules())
        yield wh


@pytest.mark.parametrize("settings", [Settings(), Settings(attribution="all_touch")], ids=["defaults", "all_touch"])
def test_every_model_is_unique_in_its_grain_in_each_scope(full_warehouse: Warehouse, settings: Settings) -> None:
    con = full_warehouse.con
    engine = DuckDBEngine(con, settings)
    assert engine.prepare()
    engine.build([(m.name, s) for m in MODELS for s in SCOPES])
    checked = set()
    for (name, scope), table in engine.built.items():
        grain = ", ".join(MODELS_BY_NAME[name].grain_in(scope))
        if not grain:
            continue
        (rows,) = con.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)
        twice = con.execute(f"SELECT {grain}, count(*) FROM {table} GROUP BY {grain} HAVING count(*) > 1 "
                            "LIMIT 3").fetchall()
        assert rows > 0 and twice == [], (table, rows, twice)
        checked.add((name, scope))
    grained = {(m.name, s) for m in MODELS if m.grain for s in (("account", "shop", "shared") if m.scoped else ("",))
               if s != "shared" or m.reused or m.shared_deps}
    assert checked == grained
