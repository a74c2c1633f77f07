"""Exam papers: questions drawn from the bank by seed, options shuffled per paper, stored and printable."""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import random
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import tomli_w

from kefu.exam.model import JUDGE, LETTERS, Question


class PaperError(ValueError):
    """A paper cannot be made from the bank, or a paper file cannot be read."""


@dataclass(frozen=True)
class PaperItem:
    """One question as printed on a paper: the bank id and the options in this paper's order."""

    qid: str
    qtype: str
    text: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Paper:
    """A paper: id (from its content), title, the seed it was drawn with, the tags asked for, its items."""

    paper_id: str
    title: str
    seed: int
    tags: tuple[str, ...]
    items: tuple[PaperItem, ...]


def _paper_id(seed: int, items: list[PaperItem]) -> str:
    """An id that is the same for the same questions in the same order with the same option orders."""
    body = json.dumps([seed, [asdict(i) for i in items]], ensure_ascii=False)
    return "P" + hashlib.sha1(body.encode("utf-8")).hexdigest()[:8]


def make_paper(bank: list[Question], count: int, *, seed: int, tags: tuple[str, ...] = (),
               title: str = "客服知识考试") -> Paper:
    """Draw `count` keyed questions (with any of the tags) and shuffle each one's options, reproducibly."""
    pool = sorted((q for q in bank if q.keyed and (not tags or set(q.tags) & set(tags))), key=lambda q: q.qid)
    if not pool:
        wanted = f"（标签 {'、'.join(tags)}）" if tags else ""
        raise PaperError(f"题库中没有已有答案的题目{wanted}，无法出卷 / no keyed questions to draw from")
    rng = random.Random(seed)
    chosen = rng.sample(pool, min(count, len(pool)))
    items = []
    for q in chosen:
        options = list(q.options)
        if q.qtype != JUDGE:  # 对/错 stay in their usual order
            rng.shuffle(options)
        items.append(PaperItem(q.qid, q.qtype, q.text, tuple(options)))
    return Paper(_paper_id(seed, items), title, seed, tuple(tags), tuple(items))


def paper_toml(paper: Paper) -> str:
    """The paper as a TOML file (no answers on it)."""
    return tomli_w.dumps({"paper_id": paper.paper_id, "title": paper.title, "seed": paper.seed,
                          "tags": list(paper.tags),
                          "questions": [{"id": i.qid, "type": i.qtype, "text": i.text, "options": list(i.options)}
                                        for i in paper.items]})


def read_paper(path: Path) -> Paper:
    """A paper from its TOML file; PaperError naming the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        items = tuple(PaperItem(str(q["id"]), str(q["type"]), str(q["text"]), tuple(str(o) for o in q["options"]))
                      for q in data["questions"])
        return Paper(str(data["paper_id"]), str(data.get("title", "")), int(data["seed"]),
                     tuple(data.get("tags", [])), items)
    except FileNotFoundError:
        raise PaperError(f"找不到试卷文件 {path} / paper not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PaperError(f"试卷文件 {path} 不是有效的 TOML：{exc} / invalid paper file") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise PaperError(f"试卷文件 {path} 缺少或写错了字段 {exc} / malformed paper file") from None


def store_paper(con: duckdb.DuckDBPyConnection, paper: Paper) -> None:
    """Keep the paper in the warehouse (once per id)."""
    items = json.dumps([asdict(i) for i in paper.items], ensure_ascii=False)
    con.execute("INSERT OR IGNORE INTO exam_papers VALUES (?, ?, ?, ?, ?, ?)",
                [paper.paper_id, paper.title, paper.seed, json.dumps(paper.tags, ensure_ascii=False), items,
                 dt.datetime.now(dt.UTC).replace(tzinfo=None)])


def _heading(paper: Paper) -> str:
    """The line under a printed paper's title."""
    tags = f" · 标签 {'、'.join(paper.tags)}" if paper.tags else ""
    return f"试卷 {paper.paper_id} · 共 {len(paper.items)} 题 · 种子 {paper.seed}{tags}"


def paper_markdown(paper: Paper) -> str:
    """The paper as printable Markdown, with an answer line under each question."""
    out = [f"# {paper.title}", "", _heading(paper), "", "姓名/账号：__________　日期：__________", ""]
    for n, item in enumerate(paper.items, start=1):
        out.append(f"**{n}.（{item.qtype}）{item.text}**")
        out.append("")
        out += [f"- {LETTERS[i]}. {o}" for i, o in enumerate(item.options)]
        out += ["", "答案：______", ""]
    return "\n".join(out)


_CSS = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:48em;margin:2em auto;"
        "line-height:1.6}ol.q>li{margin-bottom:1.2em;break-inside:avoid}ol.o{list-style:upper-alpha}"
        ".answer{color:#666}")


def paper_html(paper: Paper) -> str:
    """The paper as a self-contained printable HTML page."""
    e = html.escape
    items = []
    for item in paper.items:
        options = "".join(f"<li>{e(o)}</li>" for o in item.options)
        items.append(f"<li><p><b>（{e(item.qtype)}）{e(item.text)}</b></p><ol class=\"o\">{options}</ol>"
                     "<p class=\"answer\">答案：______</p></li>")
    return (f"<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{e(paper.title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{e(paper.title)}</h1><p>{e(_heading(paper))}</p>"
            f"<p>姓名/账号：__________　日期：__________</p><ol class=\"q\">{''.join(items)}</ol></body></html>\n")
