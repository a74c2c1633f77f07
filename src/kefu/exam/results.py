"""Exam results: grade and store an attempt, re-grade when a key is set, list scores, item analysis."""
from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections import Counter

import duckdb

from kefu.exam.bank import load_bank
from kefu.exam.grading import Attempt, GradedAnswer, attempt_id, grade
from kefu.exam.model import Question
from kefu.exam.paper import Paper, store_paper
from kefu.store import warehouse_timezone


class ResultError(LookupError):
    """An account the warehouse does not know, or answers that do not fit the paper."""


def account_shop(con: duckdb.DuckDBPyConnection, account: str) -> str:
    """The shop of a known account (accounts table, else chat logs); ResultError when it is unknown."""
    rows = con.execute("SELECT shop FROM accounts WHERE account = ? UNION ALL "
                       "SELECT DISTINCT shop FROM messages WHERE account = ?", [account, account]).fetchall()
    if not rows:
        raise ResultError(f"仓库中没有客服账号 {account!r}，请先导入 accounts.csv 或聊天记录 / unknown account")
    return str(rows[0][0])


def local_now(timezone: str) -> tuple[dt.datetime, dt.date]:
    """The current instant as naive UTC and the shop-local day it falls on."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(tzinfo=None, microsecond=0), now.astimezone(zoneinfo.ZoneInfo(timezone)).date()


def _as_printed(question: Question | None, options: tuple[str, ...] | list[str]) -> Question | None:
    """The bank question if its key is among the options the paper printed (else it cannot be graded)."""
    return question if question is not None and set(question.answer) <= set(options) else None


def grade_paper(con: duckdb.DuckDBPyConnection, paper: Paper, account: str, chosen: dict[int, tuple[str, ...]],
                *, multi_credit: str, taken_at: dt.datetime, day: dt.date) -> Attempt:
    """Grade answers (paper position from 1 → chosen option texts) against the bank's current keys."""
    bank = {q.qid: q for q in load_bank(con)}
    for position in chosen:
        if not 1 <= position <= len(paper.items):
            raise ResultError(f"试卷只有 {len(paper.items)} 题，没有第 {position} 题 / no question {position}")
    answers = []
    for n, item in enumerate(paper.items, start=1):
        picked = chosen.get(n, ())
        correct, points = grade(_as_printed(bank.get(item.qid), item.options), picked, multi_credit)
        answers.append(GradedAnswer(n, item.qid, picked, correct, points))
    return Attempt(attempt_id(paper.paper_id, account, taken_at), paper.paper_id, account_shop(con, account),
                   account, day, taken_at, multi_credit, tuple(answers))


def save_attempt(con: duckdb.DuckDBPyConnection, paper: Paper, attempt: Attempt) -> None:
    """Store the paper (once), the attempt and its answers (call inside a transaction)."""
    store_paper(con, paper)
    con.execute("INSERT INTO exam_attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [attempt.attempt_id, attempt.paper_id, attempt.shop, attempt.account, attempt.day,
                 attempt.taken_at, attempt.score, attempt.points, attempt.graded,
                 len(attempt.answers) - attempt.graded, attempt.multi_credit])
    con.executemany("INSERT INTO exam_answers VALUES (?, ?, ?, ?, ?, ?)",
                    [[attempt.attempt_id, a.position, a.qid, json.dumps(a.chosen, ensure_ascii=False), a.correct,
                      a.points] for a in attempt.answers])


def regrade(con: duckdb.DuckDBPyConnection, question: Question) -> int:
    """Grade every stored answer to a question again (after its key was set); returns the attempts touched."""
    rows = con.execute("SELECT a.attempt_id, a.position, a.chosen, t.multi_credit, p.items FROM exam_answers a "
                       "JOIN exam_attempts t USING (attempt_id) JOIN exam_papers p ON p.paper_id = t.paper_id "
                       "WHERE a.qid = ?", [question.qid]).fetchall()
    for attempt, position, chosen, credit, items in rows:
        printed = json.loads(items)[position - 1]["options"]
        correct, points = grade(_as_printed(question, printed), tuple(json.loads(chosen)), credit)
        con.execute("UPDATE exam_answers SET correct = ?, points = ? WHERE attempt_id = ? AND position = ?",
                    [correct, points, attempt, position])
    touched = sorted({r[0] for r in rows})
    for attempt in touched:
        con.execute("""UPDATE exam_attempts SET
            points = s.points, graded = s.graded, pending = s.pending,
            score = CASE WHEN s.graded > 0 THEN round(100.0 * s.points / s.graded, 2) END
            FROM (SELECT COALESCE(sum(points), 0) AS points, count(points) AS graded,
                         count(*) - count(points) AS pending FROM exam_answers WHERE attempt_id = ?) s
            WHERE attempt_id = ?""", [attempt, attempt])
    return len(touched)


def _where(day_from: dt.date | None, day_to: dt.date | None, account: str | None) -> tuple[str, list[object]]:
    """A WHERE clause over exam_attempts t for a day range and an account."""
    conds: list[str] = ["TRUE"]
    params: list[object] = []
    for cond, value in (("t.day >= ?", day_from), ("t.day <= ?", day_to), ("t.account = ?", account)):
        if value is not None:
            conds.append(cond)
            params.append(value)
    return " AND ".join(conds), params


def attempts(con: duckdb.DuckDBPyConnection, day_from: dt.date | None = None, day_to: dt.date | None = None,
             account: str | None = None) -> list[dict[str, object]]:
    """Stored attempts in a day range (and of one account), newest first; taken_at on the shop's clock."""
    where, params = _where(day_from, day_to, account)
    cur = con.execute(f"""SELECT t.day, t.shop, t.account, t.paper_id, t.score, t.graded, t.pending,
            CAST(sum(CASE WHEN a.correct THEN 1 ELSE 0 END) AS INTEGER) AS right_answers, t.taken_at, t.attempt_id
        FROM exam_attempts t JOIN exam_answers a USING (attempt_id) WHERE {where}
        GROUP BY ALL ORDER BY t.day DESC, t.taken_at DESC, t.attempt_id""", params)
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row)) for row in cur.fetchall()]
    zone = zoneinfo.ZoneInfo(warehouse_timezone(con))
    for row in rows:
        # Stored as naive UTC (like every instant in the warehouse); a manager reads the shop's wall clock.
        row["taken_at"] = row["taken_at"].replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)
    return [{k: (v.isoformat(" ") if isinstance(v, dt.datetime) else v.isoformat() if isinstance(v, dt.date) else v)
             for k, v in row.items()} for row in rows]


def item_analysis(con: duckdb.DuckDBPyConnection, day_from: dt.date | None = None, day_to: dt.date | None = None,
                  account: str | None = None) -> list[dict[str, object]]:
    """Per keyed question answered: share right, the wrong option chosen most, the right one missed most."""
    where, params = _where(day_from, day_to, account)
    rows = con.execute(f"""SELECT a.qid, a.chosen, a.correct FROM exam_answers a
        JOIN exam_attempts t USING (attempt_id) WHERE {where} AND a.correct IS NOT NULL""", params).fetchall()
    bank = {q.qid: q for q in load_bank(con)}
    by_question: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
    for qid, chosen, correct in rows:
        by_question.setdefault(qid, []).append((tuple(json.loads(chosen)), bool(correct)))
    out = []
    for qid, answers in by_question.items():
        q = bank.get(qid)
        key = set(q.answer) if q else set()
        wrong = Counter(o for chosen, ok in answers if not ok for o in chosen if o not in key)
        # A 多选 answered with too few options: which right option was left out most.
        missed = Counter(o for chosen, ok in answers if not ok and chosen for o in key if o not in chosen)
        blank = sum(1 for chosen, ok in answers if not ok and not chosen)
        top, top_missed = wrong.most_common(1), missed.most_common(1)
        out.append({"qid": qid, "text": q.text if q else "", "answers": len(answers),
                    "right_share": sum(ok for _, ok in answers) / len(answers),
                    "top_wrong": top[0][0] if top else None, "top_wrong_count": top[0][1] if top else 0,
                    "top_missed": top_missed[0][0] if top_missed else None,
                    "top_missed_count": top_missed[0][1] if top_missed else 0, "unanswered": blank})
    return sorted(out, key=lambda r: (r["right_share"], r["qid"]))

