"""Structured question banks with keys: TOML, YAML, CSV and xlsx (columns 题目/选项A…/答案/类型/解析/标签)."""
from __future__ import annotations

import csv
import io
import re
import tomllib
from pathlib import Path
from typing import Any

import openpyxl
import tomli_w
import yaml

from kefu.exam.model import (
    JUDGE,
    JUDGE_OPTIONS,
    LETTERS,
    MULTI,
    SINGLE,
    TYPES,
    AnswerError,
    Question,
    infer_type,
    normalize,
    parse_choice,
)
from kefu.ingest.summary import Rejection
from kefu.reports.xlsx import write_rows

# Column (or key) names users may write, mapped to the canonical Chinese ones.
ALIASES = {"题目": "题目", "question": "题目", "text": "题目", "答案": "答案", "answer": "答案",
           "类型": "类型", "type": "类型", "解析": "解析", "explanation": "解析", "标签": "标签", "tags": "标签",
           "分组": "分组", "group": "分组", "选项": "选项", "options": "选项"}
TYPE_ALIASES = {"单选": SINGLE, "单选题": SINGLE, "single": SINGLE, "多选": MULTI, "多选题": MULTI,
                "multi": MULTI, "判断": JUDGE, "判断题": JUDGE, "judge": JUDGE, "truefalse": JUDGE}
_OPTION_COLUMN = re.compile(r"^(?:选项|option[_ ])?([A-Za-z])$", re.IGNORECASE)


class RecordError(ValueError):
    """One record cannot become a question: the column at fault and why."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _text(value: Any) -> str:
    """A cell or value as stripped text (None as empty)."""
    return "" if value is None else str(value).strip()


def _tags(value: Any) -> tuple[str, ...]:
    """Tags from a list or a 'a,b、c' string, in order, without repeats."""
    items = value if isinstance(value, list) else re.split(r"[,，、;；\s]+", _text(value))
    return tuple(dict.fromkeys(t for t in (_text(i) for i in items) if t))


def _canonical(record: dict[str, Any]) -> dict[str, Any]:
    """Record keys as canonical names; single-letter option columns gathered into 选项 in letter order."""
    out: dict[str, Any] = {}
    lettered: dict[str, Any] = {}
    for key, value in record.items():
        name = _text(key)
        match = _OPTION_COLUMN.match(name)
        if match:
            lettered[match.group(1).upper()] = value
        elif name in ALIASES or name.lower() in ALIASES:
            out[ALIASES[name] if name in ALIASES else ALIASES[name.lower()]] = value
    if lettered and "选项" not in out:
        out["选项"] = [lettered[k] for k in sorted(lettered)]
    return out


def question_of(record: dict[str, Any]) -> Question:
    """A question from one record (dict of 题目/选项/答案/类型/解析/标签/分组); RecordError when it cannot."""
    rec = _canonical(record)
    text = _text(rec.get("题目"))
    if not text:
        raise RecordError("题目", "题目为空 / the question text is empty")
    raw_type = _text(rec.get("类型")).lower()
    if raw_type and raw_type not in TYPE_ALIASES:
        raise RecordError("类型", f"未知题型 {raw_type!r}，可选：{'、'.join(TYPES)} / unknown type")
    qtype = TYPE_ALIASES.get(raw_type, "")
    options = tuple(t for t in (_text(o) for o in (rec.get("选项") or [])) if t)
    if qtype == JUDGE or (not options and not qtype):
        if options and options != JUDGE_OPTIONS:
            raise RecordError("选项", "判断题的选项只能是 对、错 / a 判断 question has the options 对 and 错")
        options, qtype = JUDGE_OPTIONS, JUDGE
    if len(options) < 2:
        raise RecordError("选项", "至少要有两个选项 / at least two options are needed")
    if len({normalize(o) for o in options}) < len(options):
        raise RecordError("选项", "同一题的选项重复 / duplicate options")
    raw_answer = rec.get("答案")
    letters = ",".join(_text(a) for a in raw_answer) if isinstance(raw_answer, list) else _text(raw_answer)
    try:
        answer = parse_choice(letters, options, qtype or infer_type(options))
    except AnswerError as exc:
        raise RecordError("答案", str(exc)) from None
    qtype = qtype or infer_type(options, answer)
    if qtype != MULTI and len(answer) > 1:
        raise RecordError("答案", f"{qtype}题只能有一个答案 / a {qtype} question has one answer")
    return Question(text, options, answer, qtype, _text(rec.get("解析")), _tags(rec.get("标签")),
                    _text(rec.get("分组")))


def collect(file: Path, records: list[tuple[int | None, dict[str, Any]]]) -> tuple[list[Question], list[Rejection]]:
    """Questions of the good records, a Rejection (file, line, column, reason) for each bad one."""
    questions: list[Question] = []
    problems: list[Rejection] = []
    for line, record in records:
        try:
            questions.append(question_of(record))
        except RecordError as exc:
            values: dict[str, str | None] = {k: _text(v) for k, v in record.items() if not isinstance(v, list)}
            problems.append(Rejection(file, line, exc.column, exc.reason, values))
    return questions, problems


def _mapping_records(file: Path, data: Any, lines: list[int | None]) -> list[tuple[int | None, dict[str, Any]]]:
    """The `questions` list of a TOML/YAML document, each with the line it starts on."""
    items = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError(f"{file}: 需要一个 questions 列表（每题一个表） / expected a list of questions")
    lines = lines + [None] * (len(items) - len(lines))
    return list(zip(lines, items))


def read_toml(file: Path, text: str) -> list[tuple[int | None, dict[str, Any]]]:
    """Records of a TOML bank ([[questions]] tables)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{file}: 不是有效的 TOML：{exc} / invalid TOML") from None
    starts = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == "[[questions]]"]
    return _mapping_records(file, data, list(starts))


def read_yaml(file: Path, text: str) -> list[tuple[int | None, dict[str, Any]]]:
    """Records of a YAML bank (a `questions:` list, or a bare list)."""
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{file}: 不是有效的 YAML：{exc} / invalid YAML") from None
    if isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if k.value == "questions"), None)
    starts = [item.start_mark.line + 1 for item in node.value] if isinstance(node, yaml.SequenceNode) else []
    return _mapping_records(file, data, starts)


def read_csv(file: Path, text: str) -> list[tuple[int | None, dict[str, Any]]]:
    """Records of a CSV bank, each with the physical line it starts on (header = 1)."""
    reader = csv.DictReader(io.StringIO(text))
    out: list[tuple[int | None, dict[str, Any]]] = []
    start = reader.line_num + 1
    for row in reader:
        if any(_text(v) for v in row.values()):
            out.append((start, {k: v for k, v in row.items() if k is not None}))
        start = reader.line_num + 1
    return out


def read_xlsx(file: Path) -> list[tuple[int | None, dict[str, Any]]]:
    """Records of the first sheet of an xlsx bank (header in row 1), each with its row number."""
    book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_text(h) for h in next(rows, ())]
        return [(n, dict(zip(header, row))) for n, row in enumerate(rows, start=2) if any(_text(v) for v in row)]
    finally:
        book.close()


def read_structured(file: Path) -> tuple[list[Question], list[Rejection]]:
    """The questions of a structured bank file (format by suffix) and its rejected records."""
    suffix = file.suffix.lower()
    if suffix == ".xlsx":
        return collect(file, read_xlsx(file))
    text = file.read_text(encoding="utf-8-sig")
    readers = {".toml": read_toml, ".yaml": read_yaml, ".yml": read_yaml, ".csv": read_csv}
    return collect(file, readers[suffix](file, text))


def record_of(q: Question) -> dict[str, Any]:
    """A question as a record for TOML/YAML (empty fields left out)."""
    rec: dict[str, Any] = {"题目": q.text, "类型": q.qtype}
    if q.qtype != JUDGE:
        rec["选项"] = list(q.options)
    rec["答案"] = (q.answer[0] if q.qtype == JUDGE else q.letters()) if q.keyed else ""
    for key, value in (("解析", q.explanation), ("标签", list(q.tags)), ("分组", q.group)):
        if value:
            rec[key] = value
    return rec


def write_toml(questions: list[Question]) -> str:
    """A TOML bank of the questions."""
    return tomli_w.dumps({"questions": [record_of(q) for q in questions]})


def write_yaml(questions: list[Question]) -> str:
    """A YAML bank of the questions."""
    return yaml.safe_dump({"questions": [record_of(q) for q in questions]}, allow_unicode=True, sort_keys=False)


def _rows(questions: list[Question]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the tabular form (one 选项X column per option letter)."""
    width = max((len(q.options) for q in questions), default=2)
    header = ["题目", *(f"选项{LETTERS[i]}" for i in range(width)), "答案", "类型", "解析", "标签", "分组"]
    rows = []
    for q in questions:
        rec = record_of(q)
        options = list(rec.get("选项", [])) + [""] * (width - len(rec.get("选项", [])))
        rows.append([q.text, *options, rec["答案"], q.qtype, q.explanation, ",".join(q.tags), q.group])
    return header, rows


def write_csv(questions: list[Question]) -> str:
    """A CSV bank of the questions."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header, rows = _rows(questions)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_xlsx(questions: list[Question], path: Path) -> None:
    """An xlsx bank of the questions (one sheet), by the product's one xlsx writer."""
    header, rows = _rows(questions)
    write_rows(path, "题库", header, rows)
