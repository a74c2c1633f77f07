"""Run a rule set over the warehouse: word and regex rules over message texts, checks in SQL, findings stored."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Any

import duckdb
import pyarrow as pa

from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.qc.emotion import courses
from kefu.qc.matcher import Corpus, Matcher
from kefu.qc.rules import Rule, RuleSet
from kefu.qc.store import Scope, finding_id, save_run
from kefu.report import NoData, prepared_engine
from kefu.sqltext import lit

# The models the checks read, and the temp tables the runner derives from them (in order).
_MODELS = [("msgs", ""), ("shop_accounts", ""), ("conv_msgs", "account"), ("questions", "account"),
           ("conversations", "account"), ("credited_orders", "account"), ("conversion", "account"),
           ("eval_invites", "account")]
_DERIVED = ("qc_msgs", "qc_first_reply", "qc_last_reply")
_SQL_FILE = {"qc_msgs": "messages", "qc_first_reply": "first_reply", "qc_last_reply": "last_reply"}
# A check on a conversation looks at accounts of the kind that sends the rule's senders.
_KIND_OF_SENDER = {"agent": "human", "bot": "bot"}
_CONV = ("shop", "account", "buyer", "day")


@dataclass(frozen=True)
class QcRun:
    """What one run did: its id, scope, rules, and the findings it stored (unmasked)."""

    run_id: str
    scope: Scope
    rules: RuleSet
    messages: int
    findings: list[dict[str, Any]]
    emotions: list[dict[str, Any]]  # one row per conversation (kefu.qc.emotion.courses)


def _sql(name: str) -> str:
    return resources.files("kefu.qc").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def _finding(rule: Rule, run_id: str, row: dict[str, Any]) -> dict[str, Any]:
    found = {**row, "run_id": run_id, "rule_id": rule.id, "rule_name": rule.name, "category": rule.category,
             "severity": rule.severity, "points": rule.points}
    return {**found, "finding_id": finding_id(found)}


def resolve_scope(con: duckdb.DuckDBPyConnection, engine: DuckDBEngine, day_from: dt.date | None,
                  day_to: dt.date | None, account: str | None) -> Scope:
    """The scope asked for, open ends filled with the first and last day of the account's conversations."""
    tables = engine.build(_MODELS)
    where, params = "TRUE", {}
    if account is not None:
        where, params = "account = $account", {"account": account}
    ((lo, hi),) = con.execute(f"SELECT min(day), max(day) FROM {tables['conv_msgs']} WHERE {where}",
                              params).fetchall()
    if lo is None:
        who = f"客服账号 {account} " if account else ""
        raise NoData(f"{who}没有可质检的聊天记录 / no conversations to inspect")
    return Scope(day_from or lo, day_to or hi, account)


def text_findings(con: duckdb.DuckDBPyConnection, rules: list[Rule], run_id: str) -> tuple[int, list[dict]]:
    """Findings of the word and regex rules over the scope's messages (qc_msgs), and the message count.

    The engine joins the texts into one NUL-separated blob; only the rows of messages that hit are fetched.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE qc_texts AS SELECT row_number() OVER (ORDER BY ts, seq) - 1 AS i, "
                "replace(content, chr(0), ' ') AS content, sender FROM qc_msgs")
    ((blob,),) = con.execute("SELECT encode(coalesce(string_agg(content, chr(0) ORDER BY i), '')) "
                             "FROM qc_texts").fetchall()
    cols = con.execute("SELECT strlen(content) AS b, length(content) AS c, sender FROM qc_texts ORDER BY i"
                       ).fetchnumpy()
    corpus = Corpus.of_joined(bytes(blob), cols["b"], cols["c"], cols["sender"].tolist())
    hits = Matcher(rules, normalize=True).scan_corpus(corpus)
    rows: dict[int, dict[str, Any]] = {}
    if hits:
        con.register("qc_hit_rows", pa.table({"i": pa.array(sorted({h.index for h in hits}), pa.int64())}))
        cursor = con.execute(
            "SELECT t.i, m.shop, m.account, m.buyer, m.day, m.ts, m.msg_key, m.content FROM qc_hit_rows h "
            "JOIN qc_texts t USING (i) JOIN (SELECT *, row_number() OVER (ORDER BY ts, seq) - 1 AS i FROM qc_msgs) m "
            "USING (i)")
        names = [d[0] for d in cursor.description]
        rows = {r[0]: dict(zip(names, r)) for r in cursor.fetchall()}
        con.unregister("qc_hit_rows")
    out: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for hit in hits:
        row = rows[hit.index]
        if hit.rule.once_per_conversation:
            # A risk conversation is flagged once, at the first message that shows it.
            key = (hit.rule.id, *(row[k] for k in _CONV))
            if key in seen:
                continue
            seen.add(key)
        fields = {k: row[k] for k in (*_CONV, "ts", "msg_key")}
        out.append(_finding(hit.rule, run_id, {**fields, "matched": hit.matched, "text": row["content"]}))
    return len(corpus), out


def buyer_emotions(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The course of the buyer's emotion over each conversation of the scope's messages (qc_msgs)."""
    cursor = con.execute(f"SELECT {', '.join(_CONV)}, ts, msg_key, content FROM qc_msgs WHERE sender = 'buyer' "
                         f"ORDER BY {', '.join(_CONV)}, ts, seq")
    names = [d[0] for d in cursor.description]
    return courses(dict(zip(names, r)) for r in cursor.fetchall())


def check_findings(con: duckdb.DuckDBPyConnection, rule: Rule, settings: Settings, run_id: str) -> list[dict]:
    """Findings of one structural check, run as SQL over the models."""
    assert rule.check is not None
    kinds = sorted({_KIND_OF_SENDER[s] for s in rule.applies_to if s in _KIND_OF_SENDER}) or ["none"]
    sql = Template(_sql(f"check_{rule.check}")).substitute(
        senders=", ".join(lit(s) for s in rule.applies_to),
        kinds=", ".join(lit(k) for k in kinds),
        expect=lit(rule.expect or "$^"),
        fast_first_response_s=str(settings.fast_first_response_s),
        **{k: repr(v) for k, v in rule.params.items()},
    )
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [_finding(rule, run_id, dict(zip(names, r))) for r in cursor.fetchall()]


def run_qc(con: duckdb.DuckDBPyConnection, settings: Settings, rules: RuleSet, *, day_from: dt.date | None = None,
           day_to: dt.date | None = None, account: str | None = None, store: bool = True) -> QcRun:
    """Inspect the conversations of a scope with a rule set and (unless store=False) store the findings."""
    engine = prepared_engine(con, settings, day_from, day_to)
    scope = resolve_scope(con, engine, day_from, day_to, account)
    where, params = scope.where("c")
    for name in _DERIVED:
        sql = Template(_sql(_SQL_FILE[name])).substitute(where=where)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS\n{sql}", params if name == "qc_msgs" else {})
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_id = f"qc-{started:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    messages, found = text_findings(con, [r for r in rules.rules if r.check is None], run_id)
    for rule in rules.rules:
        if rule.check is not None:
            found.extend(check_findings(con, rule, settings, run_id))
    found.sort(key=lambda f: (f["ts"], f["shop"], f["account"], f["buyer"], f["rule_id"]), reverse=True)
    emotions = buyer_emotions(con)
    if store:
        save_run(con, run_id, started, rules.label, scope, found, emotions)
    return QcRun(run_id, scope, rules, messages, found, emotions)
