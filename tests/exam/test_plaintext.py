"""The plain-text bank format: the seed file itself, and render → parse round trips (hypothesis)."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.exam.model import JUDGE, JUDGE_OPTIONS, SINGLE, Question
from kefu.exam.plaintext import parse_text, render_text

# The seed article with the exam questions (../shared/seeds/004_*.txt), copied so that the suite stands alone.
SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
SEED = next(SEEDS.glob("004_*.txt"), None)


def _seed() -> tuple[list[Question], list]:
    assert SEED is not None, f"the exam seed is missing from {SEEDS}"
    return parse_text(SEED.read_text(encoding="utf-8"), SEED)


def test_every_seed_question_is_found_with_its_options() -> None:
    questions, problems = _seed()
    assert problems == []
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Every line of the file is a question, or an option of exactly one question: nothing lost, nothing doubled.
    used = [q.text for q in questions] + [o for q in questions if q.qtype != JUDGE for o in q.options]
    assert sorted(used) == sorted(lines)
    shape = [(q.qtype, len(q.options)) for q in questions]
    assert shape == [(SINGLE, 4)] * 3 + [(SINGLE, 6)] * 3 + [(SINGLE, 4)] * 3 + [(JUDGE, 2)] * 5 + [(SINGLE, 4)] * 2
    assert all(not q.keyed for q in questions)
    assert all(q.options == JUDGE_OPTIONS for q in questions if q.qtype == JUDGE)


def test_seed_options_that_end_in_a_question_mark_stay_options() -> None:
    questions, _ = _seed()
    complaint = next(q for q in questions if q.text.startswith("接到投诉的第一句话"))
    assert complaint.options[-1].startswith("询问原因") and complaint.options[-1].endswith("?")


def test_seed_statements_and_a_heading_without_question_mark() -> None:
    questions, _ = _seed()
    judged = [q.text for q in questions if q.qtype == JUDGE]
    assert judged[0].startswith("在天猫或京东平台") and judged[-1].startswith("售前客服给客户推荐产品")
    last = questions[-1]
    assert last.text == "与客户沟通的原则" and last.options[0] == "不使用命令祈使句、反问句、负面词语"
    taboo = questions[-2]
    assert "可以引导“好评返现”" in taboo.options and len(taboo.options) == 4


def test_seed_matching_groups() -> None:
    questions, _ = _seed()
    groups = [q.group for q in questions]
    assert groups[0] == groups[1] == groups[2] != ""
    assert groups[3] == groups[4] == groups[5] != "" and groups[3] != groups[0]
    assert all(g == "" for g in groups[6:])


def test_a_question_without_options_is_reported_with_its_line() -> None:
    questions, problems = parse_text("没有选项的题?\n\n第二题是什么?\n甲\n乙\n", "bank.txt")
    assert [(q.text, q.options) for q in questions] == [("第二题是什么?", ("甲", "乙"))]
    assert [(p.line, p.column) for p in problems] == [(1, "题目")]


_chars = st.sampled_from(list("客服回复率询单转化答问比公式商品优惠包邮退款售后规则平台") + ["、", ",", "(", "%"])
_body = st.text(_chars, min_size=2, max_size=20).map(lambda s: s.strip("(%,、") + "率")
_question = st.builds(
    lambda text, options, mark: Question(text + mark, tuple(options)),
    _body, st.lists(_body, min_size=2, max_size=6, unique=True), st.sampled_from(["？", "?", "：", ":"]))
_statement = _body.map(lambda s: Question(s + "。", JUDGE_OPTIONS, qtype=JUDGE))


@settings(max_examples=60, deadline=None)
@given(st.lists(_statement, max_size=3), st.lists(_question, min_size=1, max_size=6))
def test_render_then_parse_gives_the_same_questions(statements: list[Question], choices: list[Question]) -> None:
    bank = statements + choices
    parsed, problems = parse_text(render_text(bank))
    assert problems == []
    assert [(q.text, q.options, q.qtype) for q in parsed] == [(q.text, q.options, q.qtype) for q in bank]


def test_the_seed_renders_back_to_a_bank_that_parses_the_same() -> None:
    questions, _ = _seed()
    again, problems = parse_text(render_text(questions))
    assert problems == [] and again == questions
