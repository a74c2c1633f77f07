"""`kefu exam` end to end: import the seed, key, starter bank, paper, take (terminal and file), results, report."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from kefu.cli import app
from kefu.exam.bank import load_bank
from kefu.exam.model import LETTERS
from kefu.store import Warehouse
from tests.conftest import EXAMPLES
from tests.exam.test_plaintext import SEED

runner = CliRunner()


def kefu(db: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args], input=stdin)
    return result.exit_code, result.output.replace("\n", "")  # rich wraps long Chinese lines anywhere


def _key_letters(db: Path, paper: Path) -> list[str]:
    """The right answer of each paper question, as letters of the paper's option order."""
    with Warehouse.open(db) as wh:
        bank = {q.qid: q for q in load_bank(wh.con)}
    items = tomllib.loads(paper.read_text(encoding="utf-8"))["questions"]
    return [",".join(LETTERS[i["options"].index(a)] for a in bank[i["id"]].answer) for i in items]


def test_exam_workflow(tmp_path: Path) -> None:
    db = tmp_path / "shop.duckdb"
    assert kefu(db, "import", str(EXAMPLES / "basic"))[0] == 0

    code, out = kefu(db, "exam", "import", str(SEED))
    assert code == 0 and "16 题待定答案" in out
    code, out = kefu(db, "exam", "bank", "--missing-keys", "--format", "json")
    pending = json.loads(out)["questions"]
    assert len(pending) == 16 and all(q["answer"] is None for q in pending)

    ratio_q = next(q for q in pending if q["text"].startswith("以下哪个是答问比"))
    code, out = kefu(db, "exam", "key", ratio_q["qid"], "Z")
    assert code == 1 and "无效的选项 Z" in out
    code, out = kefu(db, "exam", "key", ratio_q["qid"], "B")
    assert code == 0 and "答案 B" in out
    code, out = kefu(db, "exam", "bank", "--missing-keys", "--format", "json")
    assert len(json.loads(out)["questions"]) == 15

    code, out = kefu(db, "exam", "import", "--starter")
    assert code == 0 and "待定答案" not in out
    paper = tmp_path / "paper.toml"
    code, out = kefu(db, "exam", "paper", "--questions", "4", "--tags", "规则", "--seed", "9", "-o", str(paper),
                     "-o", str(tmp_path / "paper.md"))
    assert code == 0 and paper.exists() and (tmp_path / "paper.md").read_text(encoding="utf-8").startswith("# ")
    keys = _key_letters(db, paper)

    # Interactive: a bad letter is asked again, then every right answer.
    code, out = kefu(db, "exam", "take", str(paper), "--account", "橙子旗舰店:小王", "--day", "2026-11-11",
                     stdin="Q\n" + "\n".join(keys) + "\n")
    assert code == 0, out
    assert "第 1/4 题" in out and "无效的选项 Q" in out and "得分：100.0" in out

    # Batch: the first answer wrong, the rest left out.
    wrong = next(letter for letter in "ABCD" if letter not in keys[0])
    answers = tmp_path / "answers.txt"
    answers.write_text(f"# 小李的答卷\n1 {wrong}\n", encoding="utf-8")
    code, out = kefu(db, "exam", "take", str(paper), "--account", "橙子旗舰店:小李", "--answers", str(answers),
                     "--day", "2026-11-12")
    assert code == 0 and "得分：0.0" in out and "正确答案" in out and "解析" in out

    code, out = kefu(db, "exam", "results", "--period", "2026-11", "--format", "json")
    data = json.loads(out)
    assert [(a["account"], a["score"]) for a in data["attempts"]] == [("橙子旗舰店:小李", 0.0),
                                                                      ("橙子旗舰店:小王", 100.0)]
    assert all(i["right_share"] == 0.5 and i["answers"] == 2 for i in data["items"])
    assert sorted(i["unanswered"] for i in data["items"]) == [0, 1, 1, 1]
    assert [i["top_wrong_count"] for i in data["items"] if i["top_wrong"]] == [1]
    code, out = kefu(db, "exam", "results", "--period", "2026-11", "--account", "橙子旗舰店:小李")
    assert code == 0 and "题目分析" in out and "小王" not in out

    code, out = kefu(db, "report", "--format", "json")
    rows = {(r["account"], r["day"]): r for r in json.loads(out)["rows"]}
    assert rows[("橙子旗舰店:小王", "2026-11-11")]["exam_score"] == 100.0
    assert rows[("橙子旗舰店:小王", "2026-11-11")]["exam_attempts"] == 1
    assert rows[("橙子旗舰店:小李", "2026-11-12")]["exam_score"] == 0.0
    taken = {("橙子旗舰店:小王", "2026-11-11"), ("橙子旗舰店:小李", "2026-11-12")}
    others = [r for k, r in rows.items() if k not in taken]
    assert others and all(r["exam_score"] is None and r["exam_attempts"] == 0 for r in others)
    code, out = kefu(db, "report", "--period", "all", "--format", "json")
    whole = {r["account"]: r for r in json.loads(out)["rows"]}
    assert whole["橙子旗舰店:小王"]["exam_score"] == 100.0 and whole["橙子旗舰店:小王"]["exam_attempts"] == 1


def test_take_errors_are_clear(tmp_path: Path) -> None:
    db = tmp_path / "shop.duckdb"
    assert kefu(db, "import", str(EXAMPLES / "basic"))[0] == 0
    assert kefu(db, "exam", "import", "--starter")[0] == 0
    paper = tmp_path / "paper.toml"
    assert kefu(db, "exam", "paper", "--questions", "2", "-o", str(paper))[0] == 0
    code, out = kefu(db, "exam", "take", str(paper), "--account", "无此人", "--answers", str(paper))
    assert code == 1 and "未知客服账号 无此人" in out
    answers = tmp_path / "a.txt"
    answers.write_text("1 A\n5 B\n", encoding="utf-8")
    code, out = kefu(db, "exam", "take", str(paper), "--account", "橙子旗舰店:小王", "--answers", str(answers))
    assert code == 1 and "第 2 行" in out and "没有第 5 题" in out
    code, out = kefu(db, "exam", "results", "--period", "2026-13")
    assert code == 1 and "不是有效月份" in out
    code, out = kefu(db, "exam", "import", str(tmp_path / "missing.toml"))
    assert code == 1 and "找不到题库文件" in out


def test_keys_can_be_set_by_editing_an_exported_file(tmp_path: Path) -> None:
    db = tmp_path / "bank.duckdb"
    assert kefu(db, "exam", "import", str(SEED))[0] == 0
    exported = tmp_path / "待定.csv"
    code, out = kefu(db, "exam", "bank", "--missing-keys", "--export", str(exported))
    assert code == 0 and "16题" in out.replace(" ", "")  # a wrap at the space drops it
    text = exported.read_text(encoding="utf-8")
    header, first, *rest = text.splitlines()
    assert header.startswith("题目,选项A,选项B")
    cells = first.split(",")
    answer_at = header.split(",").index("答案")
    cells[answer_at] = "A"
    exported.write_text("\n".join([header, ",".join(cells), *rest]) + "\n", encoding="utf-8")
    code, out = kefu(db, "exam", "import", str(exported))
    assert code == 0 and "15 题待定答案" in out
    workbook = tmp_path / "题库.xlsx"
    assert kefu(db, "exam", "bank", "--export", str(workbook))[0] == 0
    code, out = kefu(db, "exam", "import", str(workbook))
    assert code == 0 and "15 题待定答案" in out
    code, out = kefu(db, "exam", "bank", "--format", "json")
    assert len(json.loads(out)["questions"]) == 16
