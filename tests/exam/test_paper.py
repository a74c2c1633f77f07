"""Papers: reproducible by seed, only keyed questions, tags, options shuffled per paper, files and print forms."""
from __future__ import annotations

from pathlib import Path

import pytest

from kefu.exam.model import JUDGE_OPTIONS
from kefu.exam.paper import PaperError, make_paper, paper_html, paper_markdown, paper_toml, read_paper
from kefu.exam.starter import starter_questions

BANK = starter_questions()


def test_same_seed_same_paper_other_seed_other_paper() -> None:
    a, b, c = (make_paper(BANK, 10, seed=s) for s in (7, 7, 8))
    assert a == b and a.paper_id == b.paper_id
    assert a.paper_id != c.paper_id and [i.qid for i in a.items] != [i.qid for i in c.items]


def test_options_are_shuffled_per_paper_but_judgements_keep_their_order() -> None:
    by_id = {q.qid: q for q in BANK}
    orders = {}
    for seed in range(20):
        for item in make_paper(BANK, len(BANK), seed=seed).items:
            assert sorted(item.options) == sorted(by_id[item.qid].options)
            if by_id[item.qid].options == JUDGE_OPTIONS:
                assert item.options == JUDGE_OPTIONS
            orders.setdefault(item.qid, set()).add(item.options)
    assert any(len(o) > 1 for o in orders.values())


def test_tags_and_keys_limit_the_draw() -> None:
    paper = make_paper(BANK, 100, seed=1, tags=("规则",))
    tagged = {q.qid for q in BANK if "规则" in q.tags}
    assert {i.qid for i in paper.items} == tagged
    unkeyed = [q.__class__(q.text, q.options) for q in BANK]
    with pytest.raises(PaperError, match="没有已有答案的题目"):
        make_paper(unkeyed, 5, seed=1)


def test_paper_file_round_trip_and_print_forms(tmp_path: Path) -> None:
    paper = make_paper(BANK, 3, seed=2, tags=("售后",), title="售后考试")
    path = tmp_path / "p.toml"
    path.write_text(paper_toml(paper), encoding="utf-8")
    assert read_paper(path) == paper
    md = paper_markdown(paper)
    assert md.startswith("# 售后考试\n") and md.count("答案：______") == 3
    first = paper.items[0]
    assert f"**1.（{first.qtype}）{first.text}**" in md and f"- A. {first.options[0]}" in md
    page = paper_html(paper)
    assert page.startswith("<!DOCTYPE html>") and page.count('<ol class="o">') == 3 and "<script" not in page


def test_paper_file_holds_no_answers(tmp_path: Path) -> None:
    text = paper_toml(make_paper(BANK, 5, seed=3))
    assert "answer" not in text and "解析" not in text


def test_bad_paper_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('paper_id = "P1"\n', encoding="utf-8")
    with pytest.raises(PaperError, match="缺少或写错了字段"):
        read_paper(path)
    with pytest.raises(PaperError, match="找不到试卷文件"):
        read_paper(tmp_path / "none.toml")
