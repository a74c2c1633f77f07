"""`kefu exam`: import question banks, key questions, make papers, take them, and read the results."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from kefu.cli.app import Fmt, app, cli_account, cli_settings, connect_existing, console, emit, fail, parse_day, state
from kefu.cli.exam_take import header
from kefu.cli.options import ConfigOpt, SetOpt
from kefu.output import to_csv, to_json

if TYPE_CHECKING:
    from kefu.store import Warehouse

exam_app = typer.Typer(help="培训考试：题库、出卷、答题、成绩与题目分析 / training and exams.",
                       no_args_is_help=True, rich_markup_mode=None)
app.add_typer(exam_app, name="exam")

BANK_SUFFIXES = (".toml", ".yaml", ".yml", ".csv", ".xlsx", ".txt")


def _tags(text: str | None) -> tuple[str, ...]:
    """Tags from '规则,指标'."""
    return tuple(t.strip() for t in (text or "").replace("，", ",").split(",") if t.strip())


def _open() -> Warehouse:
    """The warehouse, created when missing (a bank can come before any shop data)."""
    from kefu.store import Warehouse, WarehouseError

    try:
        return Warehouse.open(state.db)
    except WarehouseError as exc:
        fail(str(exc))


@exam_app.command("import")
def import_cmd(
    files: list[Path] | None = typer.Argument(None, help="题库文件：纯文本、.toml、.yaml、.csv、.xlsx"),
    starter: bool = typer.Option(False, "--starter", help="导入 kefu 自带的入门题库（含由指标定义生成的题）"),
) -> None:
    """导入题库（同一题目合并不重复；没有答案的题为待定答案） / import question banks."""
    from kefu.exam.bank import BankError, BankImport, dedupe, import_bank, save_questions
    from kefu.exam.starter import starter_questions

    if not files and not starter:
        fail("请给出题库文件，或用 --starter 导入入门题库 / give bank files or --starter")
    results: list[BankImport] = []
    with _open() as wh:
        try:
            with wh.transaction() as con:
                if starter:
                    questions = starter_questions()
                    added, merged = save_questions(con, dedupe(questions), "kefu:starter")
                    results.append(BankImport("（入门题库 starter）", len(questions), added, merged, []))
                for file in files or []:
                    results.append(import_bank(con, file))
        except BankError as exc:
            fail(f"{exc}（题库未作任何改动 / nothing was written）")
        (pending,) = wh.con.execute("SELECT count(*) FROM exam_questions WHERE answer IS NULL").fetchone() or (0,)
    table = header(Table(title="题库导入 / bank import", header_style="bold cyan"),
                   "文件", "读取", "新增", "合并", "拒绝")
    for r in results:
        table.add_row(r.file, str(r.read), str(r.added), str(r.merged), str(len(r.rejections)))
    console.print(table)
    for r in results:
        for p in r.rejections:
            console.print(f"[red]拒绝[/] {p.file}:{p.line or '?'} 列 {p.column}：{p.reason}")
    if pending:
        console.print(f"[yellow]{pending} 题待定答案[/]：用 kefu exam bank --missing-keys 查看，"
                      "kefu exam key 题号 答案 设置")


@exam_app.command("bank")
def bank_cmd(
    missing_keys: bool = typer.Option(False, "--missing-keys", help="只列出待定答案（没有答案）的题"),
    tags: str | None = typer.Option(None, "--tags", help="只列出带这些标签之一的题，如 规则,指标"),
    export: Path | None = typer.Option(None, "--export", help="把（筛选后的）题库写成 .toml/.yaml/.csv/.xlsx/.txt"),
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="table|csv|json"),
) -> None:
    """列出题库 / list the question bank."""
    from kefu.exam.bank import load_bank
    from kefu.exam.plaintext import render_text
    from kefu.exam.structured import write_csv, write_toml, write_xlsx, write_yaml

    with _open() as wh:
        questions = load_bank(wh.con, tags=list(_tags(tags)), missing_keys=missing_keys)
    if export is not None:
        suffix = export.suffix.lower()
        if suffix not in BANK_SUFFIXES:
            fail(f"不支持的文件类型 {suffix or '（无后缀）'}，可用：{' '.join(BANK_SUFFIXES)} / unsupported file type")
        if suffix == ".xlsx":
            write_xlsx(questions, export)
        else:
            writers = {".toml": write_toml, ".yaml": write_yaml, ".yml": write_yaml, ".csv": write_csv,
                       ".txt": render_text}
            export.write_text(writers[suffix](questions), encoding="utf-8")
        console.print(f"已写入 {export}（{len(questions)} 题）")
        return
    rows: list[dict[str, Any]] = [
        {"qid": q.qid, "type": q.qtype, "text": q.text, "options": list(q.options),
         "answer": q.letters() if q.keyed else None, "explanation": q.explanation, "tags": list(q.tags),
         "group": q.group or None} for q in questions]
    if fmt is Fmt.json:
        emit(to_json({"questions": rows}), None)
        return
    if fmt is Fmt.csv:
        flat = [{**r, "options": " | ".join(r["options"]), "tags": ",".join(r["tags"])} for r in rows]
        emit(to_csv(list(rows[0]) if rows else ["qid"], flat), None)
        return
    title = "待定答案的题 / questions without a key" if missing_keys else "题库 / question bank"
    table = header(Table(title=f"{title}（{len(rows)} 题）", header_style="bold cyan"),
                   "题号", "类型", "题目", "选项", "答案", "标签")
    for r in rows:
        table.add_row(r["qid"], r["type"], r["text"], str(len(r["options"])), r["answer"] or "[yellow]待定[/]",
                      ",".join(r["tags"]))
    console.print(table)


@exam_app.command("key")
def key_cmd(
    qid: str = typer.Argument(..., help="题号（kefu exam bank 中的 qid）"),
    answer: str = typer.Argument(..., help="答案字母（按题库中的选项顺序），如 B 或 B,D；判断题可写 对/错"),
) -> None:
    """设置一道题的答案（已交卷的答案随即重新判分） / set a question's key and re-grade its answers."""
    from kefu.exam.bank import BankError, set_key
    from kefu.exam.model import AnswerError
    from kefu.exam.results import regrade

    with _open() as wh:
        try:
            with wh.transaction() as con:
                q = set_key(con, qid, answer)
                touched = regrade(con, q)
        except (BankError, AnswerError) as exc:
            fail(str(exc))
    console.print(f"{q.qid}（{q.qtype}）答案 {q.letters()}：{q.text}")
    if touched:
        console.print(f"已重新判分 {touched} 份答卷 / re-graded {touched} attempts")


@exam_app.command("paper")
def paper_cmd(
    questions: int = typer.Option(20, "--questions", min=1, help="题数"),
    tags: str | None = typer.Option(None, "--tags", help="只从带这些标签之一的题中抽，如 规则,指标"),
    seed: int = typer.Option(1, "--seed", help="随机种子：同一题库、同一种子得到同一份试卷"),
    title: str = typer.Option("客服知识考试", "--title", help="试卷标题"),
    output: list[Path] | None = typer.Option(None, "-o", "--output",
                                                help="写入文件，可重复：.toml（答题用）、.md、.html（打印用）"),
) -> None:
    """从题库抽题出卷（选项按试卷打乱） / draw a paper from the bank (options shuffled per paper)."""
    from kefu.exam.bank import load_bank
    from kefu.exam.paper import PaperError, make_paper, paper_html, paper_markdown, paper_toml, store_paper

    writers = {".toml": paper_toml, ".md": paper_markdown, ".html": paper_html}
    for path in output or []:
        if path.suffix.lower() not in writers:
            fail(f"不支持的试卷文件类型 {path.suffix or '（无后缀）'}，可用：.toml .md .html / unsupported file type")
    with _open() as wh:
        try:
            paper = make_paper(load_bank(wh.con), questions, seed=seed, tags=_tags(tags), title=title)
        except PaperError as exc:
            fail(str(exc))
        store_paper(wh.con, paper)
    if len(paper.items) < questions:
        console.print(f"[yellow]题库中符合条件且有答案的题只有 {len(paper.items)} 道[/]")
    for path in output or []:
        path.write_text(writers[path.suffix.lower()](paper), encoding="utf-8")
        console.print(f"已写入 {path}")
    if not output:
        emit(paper_markdown(paper), None)


@exam_app.command("take")
def take_cmd(
    paper_file: Path = typer.Argument(..., help="试卷文件（kefu exam paper -o 试卷.toml）"),
    account: str = typer.Option(..., "--account", help="答题的客服账号"),
    answers: Path | None = typer.Option(None, "--answers", help="答案文件（每行“题号 答案”，如 1 B），不逐题提问"),
    day: str | None = typer.Option(None, "--day", help="考试日期 YYYY-MM-DD（补录纸质考试用；默认今天）"),
    config: ConfigOpt = None,
    sets: SetOpt = None,
) -> None:
    """答题并自动判分（逐题提问，或 --answers 批量录入） / take a paper and grade it."""
    from kefu.cli.exam_take import ask_answers, print_attempt
    from kefu.exam.answers import parse_answers
    from kefu.exam.model import AnswerError
    from kefu.exam.paper import PaperError, read_paper
    from kefu.exam.results import ResultError, account_shop, grade_paper, local_now, save_attempt

    settings = cli_settings(config, sets)
    try:
        paper = read_paper(paper_file)
    except PaperError as exc:
        fail(str(exc))
    taken_at, today = local_now(settings.timezone)
    with _open() as wh:
        try:
            account = cli_account(wh.con, account) or account
            account_shop(wh.con, account)
            if answers is not None:
                if not answers.is_file():
                    fail(f"找不到答案文件 {answers} / answers file not found")
                chosen = parse_answers(answers.read_text(encoding="utf-8-sig"), paper.items, answers)
            else:
                chosen = ask_answers(paper)
            attempt = grade_paper(wh.con, paper, account, chosen, multi_credit=settings.exam_multi_credit,
                                  taken_at=taken_at, day=parse_day(day, "--day") or today)
            with wh.transaction() as con:
                save_attempt(con, paper, attempt)
        except (AnswerError, ResultError) as exc:
            fail(str(exc))
        print_attempt(wh.con, paper, attempt)


@exam_app.command("results")
def results_cmd(
    period: str | None = typer.Option(None, "--period", help="期间：2026-11 或 2026-11-01..2026-11-30"),
    account: str | None = typer.Option(None, "--account", help="只看这个客服账号"),
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="table|csv|json"),
) -> None:
    """考试成绩与题目分析（每题答对率、最常选的错误选项） / exam results and item analysis."""
    from kefu.cli.exam_take import print_results
    from kefu.exam.results import attempts, item_analysis
    from kefu.scoring import parse_period

    day_from: dt.date | None = None
    day_to: dt.date | None = None
    if period:
        try:
            day_from, day_to = parse_period(period)
        except ValueError as exc:
            fail(str(exc))
    con = connect_existing()
    account = cli_account(con, account)
    rows = attempts(con, day_from, day_to, account)
    items = item_analysis(con, day_from, day_to, account)
    if fmt is Fmt.json:
        emit(to_json({"period": period, "account": account, "attempts": rows, "items": items}), None)
    elif fmt is Fmt.csv:
        emit(to_csv(list(rows[0]) if rows else ["day"], rows), None)
    else:
        print_results(rows, items)
