"""The question bank in the warehouse: import with merging of duplicates, listing, keying."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from kefu.exam.model import Question, normalize
from kefu.exam.plaintext import matching_groups, parse_text
from kefu.exam.structured import read_structured
from kefu.ingest.summary import Rejection

STRUCTURED_SUFFIXES = (".toml", ".yaml", ".yml", ".csv", ".xlsx")


class BankError(LookupError):
    """A question id that is not in the bank, or a bank file that cannot be read."""


@dataclass(frozen=True)
class BankImport:
    """What an import did: questions read, added, merged into existing ones, and rejected records."""

    file: str
    read: int
    added: int
    merged: int
    rejections: list[Rejection]


def read_bank_file(file: Path) -> tuple[list[Question], list[Rejection]]:
    """The questions of a bank file: structured by suffix (.toml .yaml .csv .xlsx), else plain text."""
    if not file.is_file():
        raise BankError(f"找不到题库文件 {file} / bank file not found")
    try:
        if file.suffix.lower() in STRUCTURED_SUFFIXES:
            return read_structured(file)
        return parse_text(file.read_text(encoding="utf-8-sig"), file)
    except UnicodeDecodeError:
        raise BankError(f"{file} 不是 UTF-8 文本 / not UTF-8 text") from None
    except ValueError as exc:
        raise BankError(str(exc)) from None


def merge(old: Question, new: Question) -> Question:
    """One question from two with the same text: the new file's fields win where it gives them."""
    same_options = {normalize(o) for o in old.options} == {normalize(o) for o in new.options}
    options = old.options if same_options else new.options
    by_norm = {normalize(o): o for o in options}
    answer = new.answer or old.answer
    answer = tuple(by_norm[normalize(a)] for a in answer if normalize(a) in by_norm)
    if len(answer) < len(new.answer or old.answer):
        answer = ()  # the key pointed at options that are gone: back to 待定答案
    return replace(old, options=options, answer=tuple(o for o in options if o in answer),
                   qtype=new.qtype if new.answer or not old.answer else old.qtype,
                   explanation=new.explanation or old.explanation,
                   tags=tuple(dict.fromkeys(old.tags + new.tags)), group=new.group or old.group)


def _row(q: Question) -> list[object]:
    """The stored columns of a question (after qid and seq)."""
    return [q.text, q.qtype, json.dumps(q.options, ensure_ascii=False),
            json.dumps(q.answer, ensure_ascii=False) if q.answer else None, q.explanation,
            json.dumps(q.tags, ensure_ascii=False), q.group or None]


def _question(row: tuple) -> Question:
    """A question from a stored row (qid, text, qtype, options, answer, explanation, tags, grp)."""
    qid, text, qtype, options, answer, explanation, tags, grp = row
    return Question(text, tuple(json.loads(options)), tuple(json.loads(answer)) if answer else (), qtype,
                    explanation or "", tuple(json.loads(tags)), grp or "", qid)


_COLUMNS = "qid, text, qtype, options, answer, explanation, tags, grp"


def load_bank(con: duckdb.DuckDBPyConnection, *, tags: list[str] | None = None, missing_keys: bool = False,
              keyed_only: bool = False) -> list[Question]:
    """The bank's questions in import order, optionally those with any of the tags / without (with) keys."""
    rows = con.execute(f"SELECT {_COLUMNS} FROM exam_questions ORDER BY seq").fetchall()
    out = [_question(r) for r in rows]
    if tags:
        out = [q for q in out if set(q.tags) & set(tags)]
    if missing_keys:
        out = [q for q in out if not q.keyed]
    if keyed_only:
        out = [q for q in out if q.keyed]
    return out


def get_question(con: duckdb.DuckDBPyConnection, qid: str) -> Question:
    """The bank question with this id; BankError when there is none."""
    rows = con.execute(f"SELECT {_COLUMNS} FROM exam_questions WHERE qid = ?", [qid]).fetchall()
    if not rows:
        raise BankError(f"题库中没有题目 {qid}（用 kefu exam bank 查看题号） / no question {qid} in the bank")
    return _question(rows[0])


def save_questions(con: duckdb.DuckDBPyConnection, questions: list[Question], source: str) -> tuple[int, int]:
    """Insert new questions and merge those whose text is already there; returns (added, merged)."""
    existing = {q.qid: q for q in load_bank(con)}
    (seq,) = con.execute("SELECT COALESCE(max(seq), 0) FROM exam_questions").fetchone() or (0,)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    added = merged = 0
    for q in questions:
        if q.qid in existing:
            q = merge(existing[q.qid], q)
            con.execute("UPDATE exam_questions SET text = ?, qtype = ?, options = ?, answer = ?, explanation = ?,"
                        " tags = ?, grp = ?, source = ?, updated_at = ? WHERE qid = ?",
                        [*_row(q), source, now, q.qid])
            merged += 1
        else:
            seq += 1
            con.execute("INSERT INTO exam_questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [q.qid, seq, *_row(q), source, now])
            added += 1
        existing[q.qid] = q
    return added, merged


def dedupe(questions: list[Question]) -> list[Question]:
    """Questions of one file with repeats of the same text merged (later fields win)."""
    seen: dict[str, Question] = {}
    for q in questions:
        seen[q.qid] = merge(seen[q.qid], q) if q.qid in seen else q
    return matching_groups(list(seen.values()))


def import_bank(con: duckdb.DuckDBPyConnection, file: Path) -> BankImport:
    """Read a bank file and store its questions (call inside a transaction)."""
    questions, problems = read_bank_file(file)
    added, merged = save_questions(con, dedupe(questions), file.name)
    return BankImport(str(file), len(questions), added, merged, problems)


def set_key(con: duckdb.DuckDBPyConnection, qid: str, letters: str, qtype: str | None = None) -> Question:
    """Key a question by letters of its bank option order (e.g. 'B,D'); returns the keyed question."""
    q = get_question(con, qid).with_key(letters, qtype)
    con.execute("UPDATE exam_questions SET qtype = ?, answer = ?, updated_at = ? WHERE qid = ?",
                [q.qtype, json.dumps(q.answer, ensure_ascii=False),
                 dt.datetime.now(dt.UTC).replace(tzinfo=None), qid])
    return q
