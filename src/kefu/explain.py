"""Explain one figure: the buyers, questions with their times, or orders behind it."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np

from kefu.config import Settings
from kefu.metrics.catalog import METRICS_BY_ID, metric, walk
from kefu.metrics.compile import SCOPE_OF_GRAIN, ReportSpec, fill
from kefu.metrics.metric import Metric
from kefu.privacy import mask_nick
from kefu.report import prepared_engine, run_report
from kefu.tz import utc_to_local


class UnknownRow(LookupError):
    """The asked account/shop has no row on the asked day."""


@dataclass(frozen=True)
class Evidence:
    """The rows of one model behind one measure of a figure."""

    measure: Metric
    columns: list[str]
    rows: list[tuple[Any, ...]]
    title: tuple[str, str] | None = None  # (zh, en) when the rows are not the measure's own (rounds left out)

    def heading(self, lang: str = "zh") -> str:
        """What the rows are, in the user's language."""
        if self.title:
            return self.title[0] if lang == "zh" else self.title[1]
        return self.measure.label_zh if lang == "zh" else self.measure.label_en


@dataclass(frozen=True)
class Explanation:
    """A figure, its definition, and the evidence rows behind it."""

    metric: Metric
    grain: str
    key: dict[str, str]
    value: Any
    evidence: list[Evidence]
    behind: dict[str, int] = field(default_factory=dict)  # measure id -> its rows in evidence (shared ones too)

    def rows_of(self, measure_id: str) -> Evidence:
        """The evidence a measure behind the figure counts or adds (rows two measures share are listed once)."""
        return self.evidence[self.behind[measure_id]]


def _measures_behind(m: Metric, grain: str) -> list[Metric]:
    """The measures (or formulas with rows of their own) whose rows explain a metric, without repeats."""
    return walk(m, grain, stop=lambda x: x.kind == "measure" or x.rows is not None)


_HIDDEN_COLUMNS = {"shop", "account", "day", "seq", "q0_seq", "pos", "pos_from_end", "touch_seq",
                   "is_question", "to_bot", "tod_s", "last_ts", "last_seq"}


_DIFFERENCE = re.compile(r"^\{(\w+)\} - \{(\w+)\}$")


def _buyer_difference(m: Metric, grain: str) -> tuple[Metric, Metric] | None:
    """For a count of buyers in one set but not another ({a} - {b}, each a count of flagged rows): a and b."""
    found = _DIFFERENCE.match((m.formula or "").strip()) if m.kind == "derived" and m.rows is None else None
    if found is None:
        return None
    first, second = (METRICS_BY_ID[(grain, ref)] for ref in found.groups())
    if not all(x.agg and x.agg.kind == "count" and x.agg.where for x in (first, second)):
        return None
    return first, second


def _difference_rows(engine: Any, scope: str, diff: tuple[Metric, Metric], account: str | None,
                     settings: Settings) -> str:
    """The rows of the first set's model whose buyer is not in the second set (the buyers the figure counts)."""
    first, second = diff
    assert first.agg and second.agg
    outer = engine.build([(first.model, scope)])[first.model]
    inner = engine.build([(second.model, scope)])[second.model]
    same = "i.shop = o.shop AND i.day = o.day AND i.buyer = o.buyer" + (" AND i.account = o.account" if account else "")
    conds = ["o.shop = $shop", "o.day = $day"] + (["o.account = $account"] if account else [])
    # Each condition names its own model's columns: unqualified, they resolve to the nearest query's table.
    first_where, second_where = (fill(x.where or "", settings) for x in (first.agg, second.agg))
    return (f"SELECT o.* FROM {outer} o WHERE {' AND '.join(conds)} AND ({first_where}) AND NOT EXISTS "
            f"(SELECT 1 FROM {inner} i WHERE {same} AND ({second_where}))")


# The presence intervals behind online time: each with the part of it inside the natural day.
_PRESENCE_SQL = """
SELECT p.status, p.start, p."end",
    micros_between(GREATEST(p.start, c.day_start), LEAST(p."end", c.day_end)) / 3600000000.0 AS counted_hours
FROM presence p JOIN calendar c ON p.start < c.day_end AND p."end" > c.day_start
WHERE p.account = $account AND c.day = $day AND p.status IN ('online', 'busy')
"""


# The sessions (models/sessions.sql) open at the day's busiest instant; sessions that touch overlap.
_PEAK_SESSIONS_SQL = """
WITH spans AS (SELECT buyer, start_ts AS start, end_ts AS "end" FROM {sessions}
               WHERE shop = $shop AND account = $account AND day = $day),
peak AS (SELECT s.start AS t, (SELECT count(*) FROM spans o WHERE o.start <= s.start AND o."end" >= s.start) AS n
         FROM spans s ORDER BY n DESC, t LIMIT 1)
SELECT s.buyer, s.start, s."end" FROM spans s, peak p WHERE s.start <= p.t AND s."end" >= p.t
"""


# Online time of a shop-day: each human account of the shop with presence rows (the accounts shop_online
# averages over, online that day or not) and its hours inside the day, as online_hours counts them.
_SHOP_PRESENCE_SQL = """
SELECT h.account AS agent, COALESCE(o.online_us, 0) / 3600000000.0 AS counted_hours
FROM (SELECT DISTINCT account FROM {shop_accounts} a SEMI JOIN presence p USING (account)
      WHERE a.shop = $shop AND a.kind = 'human') h
LEFT JOIN {online_hours} o ON o.account = h.account AND o.day = $day
"""


_ORDERS = "SELECT * EXCLUDE (created_day, paid_day) FROM {order_days} WHERE shop = $shop AND "
_IN_28 = "BETWEEN add_days($day, -27) AND $day"
_REFUNDS = ("SELECT refund_id, order_id, buyer, created_at AS applied_at, finished_at, completed_by, disputed, amount"
            "{extra} "
            "FROM refunds WHERE shop = $shop AND local_day({day_of}) " + _IN_28 + "{cond}")
# The rows behind the measures whose model holds a day's sums rather than rows: the orders of the order figures
# (models/order_facts.sql), the events inside each rolling after-sales window (models/after_sales.sql), the
# presence intervals of online time (the accounts' hours at a shop-day) and the sessions at the busiest instant.
# Each is (which rows, their SQL); {model} stands for that model's table (ROWS_BEHIND_MODELS). Measures over
# the same rows share the first part and list them once.
ROWS_BEHIND_MODELS = ("order_days", "conv_msgs", "shop_accounts", "online_hours", "sessions")
_ROWS_BEHIND = {
    "total_orders": ("created", _ORDERS + "created_day = $day"),
    "paid_orders": ("created_paid", _ORDERS + "created_day = $day AND paid_at IS NOT NULL"),
    "total_sales": ("paid", _ORDERS + "paid_day = $day"),
    "silent_sales": ("silent", _ORDERS + "paid_day = $day AND silent"),
    "refunded_orders": ("refunded", _ORDERS + "created_day = $day AND refund_amount > 0"),
    "paid_orders_28d": ("paid_28d", _ORDERS + "paid_day " + _IN_28),
    "refunds_28d": ("refunds", _REFUNDS.format(extra="", day_of="created_at", cond="")),
    "disputes_28d": ("disputes", _REFUNDS.format(extra="", day_of="created_at", cond=" AND disputed")),
    "finished_refunds_28d": ("finished", _REFUNDS.format(
        extra=", micros_between(created_at, finished_at) / 3600000000.0 AS refund_hours", day_of="finished_at",
        cond=" AND finished_at IS NOT NULL")),
    "merchant_finished_refunds_28d": ("merchant", _REFUNDS.format(
        extra="", day_of="finished_at", cond=" AND finished_at IS NOT NULL AND completed_by = 'merchant'")),
    "complaints_28d": ("complaints", "SELECT complaint_id, order_id, created_at AS complained_at FROM complaints "
                                     "WHERE shop = $shop AND local_day(created_at) " + _IN_28),
    "ratings_180d": ("ratings", "SELECT order_id, rated_at, service_score FROM ratings "
                                "WHERE shop = $shop AND local_day(rated_at) BETWEEN add_days($day, -179) AND $day"),
    "online_hours": ("presence", _PRESENCE_SQL),
    "online_hours_total": ("accounts_online", _SHOP_PRESENCE_SQL),
    "max_concurrent": ("peak", _PEAK_SESSIONS_SQL),
}
_ROWS_BEHIND["order_refund_amount"] = _ROWS_BEHIND["refunded_orders"]
_ROWS_BEHIND["refund_hours_28d"] = _ROWS_BEHIND["finished_refunds_28d"]
_ROWS_BEHIND["score_sum_180d"] = _ROWS_BEHIND["ratings_180d"]
_ROWS_BEHIND["presence_accounts"] = _ROWS_BEHIND["online_hours_total"]


def _rows_behind(engine: Any, scope: str, template: str) -> str:
    """A _ROWS_BEHIND query over the tables of the models it names, built for the scope."""
    tables = {name: engine.build([(name, scope)])[name] for name in ROWS_BEHIND_MODELS if f"{{{name}}}" in template}
    return template.format(**tables)


def explain(con: duckdb.DuckDBPyConnection, settings: Settings, metric_id: str, day: dt.date, *,
            account: str | None = None, shop: str | None = None, mask: bool = True) -> Explanation:
    """The evidence behind one metric of an account-day (account given) or a shop-day."""
    grain = "account_day" if account else "shop_day"
    m = metric(metric_id, grain)
    engine = prepared_engine(con, settings, day, day)
    report = run_report(con, ReportSpec(grain=grain, day_from=day, day_to=day), settings, engine)
    match = [r for r in report.rows
             if (r.get("account") == account if account else r["shop"] == shop)]
    if not match:
        who = f"客服账号 {account}" if account else f"店铺 {shop}"
        raise UnknownRow(f"{who} 在 {day.isoformat()} 没有数据行 / no row for {account or shop} on {day}")
    row = match[0]
    key = {"shop": row["shop"], **({"account": account} if account else {}), "day": day.isoformat()}
    scope = SCOPE_OF_GRAIN[grain]
    evidence: list[Evidence] = []
    rounds: tuple[Metric, str, dict[str, Any]] | None = None
    shown: dict[tuple[str, str | None], int] = {}  # rows listed: where in evidence
    params = {"shop": row["shop"], "day": day, **({"account": account} if account else {})}
    diff = _buyer_difference(m, grain)
    if diff is not None:  # 询单流失: list the buyers the figure counts, not the two sets it subtracts
        return Explanation(m, grain, key, row.get(metric_id), [_evidence(
            con, m, _difference_rows(engine, scope, diff, account, settings), None, settings, params, mask, set())],
            {m.id: 0})
    behind: dict[str, int] = {}
    for measure in _measures_behind(m, grain):
        model = measure.explain_model
        if measure.id in _ROWS_BEHIND:
            which, template = _ROWS_BEHIND[measure.id]
            if ("rows", which) not in shown:
                shown[("rows", which)] = len(evidence)
                evidence.append(_evidence(con, measure, _rows_behind(engine, scope, template), None,
                                          settings, params, mask, set()))
            behind[measure.id] = shown[("rows", which)]
            continue
        if model is None:
            continue
        if (model, measure.explain) in shown:  # a sum and a count over the same rows (a mean) list them once
            behind[measure.id] = shown[(model, measure.explain)]
            continue
        shown[(model, measure.explain)] = behind[measure.id] = len(evidence)
        table = engine.build([(model, scope)])[model]
        conds = ["shop = $shop", "day = $day"] + (["account = $account"] if account else [])
        rows_sql = f"SELECT * FROM {table} WHERE {' AND '.join(conds)}"
        if model == "questions":
            # 第几问 is numbered here, among all of the conversation's questions (before the measure's own
            # filter), rather than stored by the model: only an explanation shows it.
            number = "ROW_NUMBER() OVER (PARTITION BY buyer ORDER BY ts, seq) AS question_no"
            rows_sql = f"SELECT *, {number} FROM ({rows_sql})"
        if model == "platform_rounds":
            # Each round with the seconds it adds under the platform settings and, if left out, why.
            extra = fill("${platform_round_s} AS counted_s, ${platform_left_out} AS left_out", settings)
            rows_sql = f"SELECT *, {extra} FROM ({rows_sql})"
        evidence.append(_evidence(con, measure, rows_sql, measure.explain, settings, params, mask, {"left_out"}))
        if model == "platform_rounds":
            rounds = (measure, rows_sql, params)
    order_figures = [ev.measure for ev in evidence if ev.measure.model == "order_facts"]
    if order_figures:  # once, after the orders: those without a buyer count in totals but in no inquiry
        evidence.extend(_buyerless(con, engine.build([("order_days", scope)])["order_days"], order_figures[0],
                                   row["shop"], day))
    if rounds:  # the rounds the platform settings leave out, once, after the counted ones
        left_out = _evidence(con, rounds[0], rounds[1], "${platform_round} AND NOT (${platform_counted})",
                             settings, rounds[2], mask, {"counted_s"})
        if left_out.rows:
            evidence.append(Evidence(rounds[0], left_out.columns, left_out.rows, ("不计入的轮次", "rounds left out")))
    return Explanation(m, grain, key, row.get(metric_id), evidence, behind)


def _evidence(con: duckdb.DuckDBPyConnection, measure: Metric, rows_sql: str, where: str | None,
              settings: Settings, params: dict[str, Any], mask: bool, hide: set[str]) -> Evidence:
    """The rows of rows_sql that meet a filter, as a person reads them, without the columns in hide."""
    cond = f" WHERE {fill(where, settings)}" if where else ""
    sql = f"SELECT * FROM ({rows_sql}) e{cond} ORDER BY ALL"
    # Each query names only the parameters it needs (presence rows have no shop): DuckDB refuses extra ones.
    cursor = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    names = [d[0] for d in cursor.description]
    keep = [i for i, n in enumerate(names) if n not in _HIDDEN_COLUMNS | hide]
    rows = [tuple(_display(names[i], r[i], settings.timezone, mask) for i in keep) for r in cursor.fetchall()]
    return Evidence(measure, [names[i] for i in keep], rows)


def _buyerless(con: duckdb.DuckDBPyConnection, order_days: str, measure: Metric, shop: str,
               day: dt.date) -> list[Evidence]:
    """A note on the day's orders without a buyer (an order report lacking 买家会员名): in totals, never credited."""
    n = con.execute(f"SELECT count(*) FROM {order_days} WHERE shop = $shop AND buyer IS NULL "
                    "AND (created_day = $day OR paid_day = $day)", {"shop": shop, "day": day}).fetchall()[0][0]
    note = "没有买家的订单：计入店铺合计（下单、付款、成交金额、静默销售），不能归属任何询单"
    return [Evidence(measure, ["无买家订单数", "说明"], [(n, note)])] if n else []


def _display(column: str, value: Any, zone: str, mask: bool) -> Any:
    """A model value as shown to a person: shop-local times, masked buyers."""
    if column == "buyer" and mask:
        return mask_nick(value)
    if isinstance(value, dt.datetime):
        local = utc_to_local(np.array([value], dtype="datetime64[us]"), zone)[0]
        return str(local.astype("datetime64[s]")).replace("T", " ")
    return value
