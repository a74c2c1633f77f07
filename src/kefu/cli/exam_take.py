"""What `kefu exam take` and `kefu exam results` show: questions asked one by one, the graded paper, scores."""
from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from kefu.cli.app import console, state

if TYPE_CHECKING:
    import duckdb

    from kefu.exam.grading import Attempt
    from kefu.exam.paper import Paper

HEADERS_EN = {"文件": "file", "读取": "read", "新增": "added", "合并": "merged", "拒绝": "rejected", "题号": "id",
              "类型": "type", "题目": "question", "选项": "options", "答案": "key", "标签": "tags", "日期": "day",
              "客服账号": "account", "试卷": "paper", "得分": "score", "答对": "right", "计分题": "graded",
              "待定": "pending", "作答": "answers", "答对率": "right share", "最常选的错误选项": "most chosen wrong",
              "次数": "times"}
NUMERIC = {"读取", "新增", "合并", "拒绝", "得分", "答对", "计分题", "待定", "作答", "答对率", "次数"}


def header(table: Table, *columns: str) -> Table:
    """Add columns by their Chinese names, shown in English with --lang en; numbers right-aligned."""
    for col in columns:
        table.add_column(HEADERS_EN[col] if state.lang == "en" else col, overflow="fold",
                         justify="right" if col in NUMERIC else "left")
    return table


def ask_answers(paper: Paper) -> dict[int, tuple[str, ...]]:
    """Ask each question in the terminal; an empty answer leaves it unanswered."""
    from kefu.exam.answers import read_choice
    from kefu.exam.model import LETTERS, MULTI, AnswerError

    hint = {MULTI: "可多选，如 A,C", "判断": "A 对 / B 错，也可写 对/错"}
    console.print(f"[bold]{paper.title}[/]（试卷 {paper.paper_id}，共 {len(paper.items)} 题；直接回车跳过）")
    out: dict[int, tuple[str, ...]] = {}
    for n, item in enumerate(paper.items, start=1):
        console.print(f"\n[bold]第 {n}/{len(paper.items)} 题（{item.qtype}）[/]{item.text}", highlight=False)
        for i, option in enumerate(item.options):
            console.print(f"  {LETTERS[i]}. {option}", highlight=False)
        while True:
            raw = typer.prompt(f"你的答案（{hint.get(item.qtype, '单选，如 B')}）", default="", show_default=False)
            try:
                chosen = read_choice(raw, item)
            except AnswerError as exc:
                console.print(f"[red]{exc}[/]，请重新输入")
                continue
            break
        if chosen:
            out[n] = chosen
    return out


def print_attempt(con: duckdb.DuckDBPyConnection, paper: Paper, attempt: Attempt) -> None:
    """The score, then each question answered wrong with the right answer and its explanation."""
    from kefu.exam.bank import load_bank

    bank = {q.qid: q for q in load_bank(con)}
    right = sum(a.correct is True for a in attempt.answers)
    pending = len(attempt.answers) - attempt.graded
    score = "—（没有已设答案的题）" if attempt.score is None else f"{attempt.score:.1f}"
    console.print(f"\n[bold]{attempt.account} 得分：{score}[/]（答对 {right}/{attempt.graded} 题"
                  + (f"，{pending} 题待定答案未计分" if pending else "") + f"） 记录 {attempt.attempt_id}")
    for answer, item in zip(attempt.answers, paper.items):
        q = bank.get(item.qid)
        if answer.correct is not False or q is None:
            continue
        mine = q.letters(answer.chosen, item.options) or "未答"
        console.print(f"[red]✗[/] 第 {answer.position} 题 {item.text}  你的答案 {mine}，正确答案 "
                      f"{q.letters(order=item.options)}" + (f"（得 {answer.points:.2f} 分）" if answer.points else ""),
                      highlight=False)
        if q.explanation:
            console.print(f"    解析：{q.explanation}", highlight=False)


def print_results(rows: list[dict[str, object]], items: list[dict[str, object]]) -> None:
    """The attempts table and the item analysis table (hardest questions first)."""
    table = header(Table(title=f"考试成绩 / exam results（{len(rows)} 次）", header_style="bold cyan"),
                   "日期", "客服账号", "试卷", "得分", "答对", "计分题", "待定")
    for r in rows:
        score = "—" if r["score"] is None else f"{r['score']:.1f}"
        table.add_row(str(r["day"]), str(r["account"]), str(r["paper_id"]), score, str(r["right_answers"]),
                      str(r["graded"]), str(r["pending"]))
    console.print(table)
    analysis = header(Table(title="题目分析 / item analysis（答对率低的在前）", header_style="bold cyan"),
                      "题号", "题目", "作答", "答对率", "最常选的错误选项", "次数")
    for i in items:
        if i["top_wrong"]:
            common, count = str(i["top_wrong"]), str(i["top_wrong_count"])
        elif i["top_missed"]:
            common, count = f"漏选：{i['top_missed']}", str(i["top_missed_count"])
        else:
            common, count = "—", ""
        analysis.add_row(str(i["qid"]), str(i["text"]), str(i["answers"]), f"{float(str(i['right_share'])):.0%}",
                         common, count)
    console.print(analysis)
