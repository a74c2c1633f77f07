"""Structured banks with keys: TOML/YAML/CSV round trips (hypothesis), xlsx, bad records, the starter bank."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.exam.model import JUDGE, JUDGE_OPTIONS, MULTI, SINGLE, Question
from kefu.exam.starter import formula_metrics, metric_questions, starter_questions
from kefu.exam.structured import read_structured, write_csv, write_toml, write_xlsx, write_yaml

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
                min_size=1, max_size=12)
_tag = st.sampled_from(["指标", "规则", "售前", "售后"])


@st.composite
def questions(draw: st.DrawFn) -> Question:
    """A keyed or unkeyed question of any type, with explanation, tags and group."""
    kind = draw(st.sampled_from([SINGLE, MULTI, JUDGE]))
    options = JUDGE_OPTIONS if kind == JUDGE else tuple(draw(st.lists(_text, min_size=2, max_size=6,
                                                                      unique_by=lambda s: s.lower())))
    keyed = draw(st.booleans())
    if not keyed:
        answer: tuple[str, ...] = ()
        kind = JUDGE if kind == JUDGE else SINGLE
    elif kind == MULTI:
        answer = tuple(o for o in options if o in draw(st.sets(st.sampled_from(options), min_size=2)))
    else:
        answer = (draw(st.sampled_from(options)),)
    return Question(draw(_text), options, answer, kind, draw(st.one_of(st.just(""), _text)),
                    tuple(draw(st.lists(_tag, unique=True, max_size=3))), draw(st.one_of(st.just(""), _text)))


def _fields(qs: list[Question]) -> list[tuple]:
    return [(q.text, q.options, q.answer, q.qtype, q.explanation, q.tags, q.group) for q in qs]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(questions(), min_size=1, max_size=5).filter(lambda qs: all(
    len({o.strip() for o in q.options}) == len(q.options) for q in qs)))
def test_structured_round_trips(tmp_path: Path, bank: list[Question]) -> None:
    bank = [Question(q.text.strip() or "题", tuple(o.strip() for o in q.options), tuple(a.strip() for a in q.answer),
                     q.qtype, q.explanation.strip(), q.tags, q.group.strip()) for q in bank]
    for suffix, write in ((".toml", write_toml), (".yaml", write_yaml), (".csv", write_csv)):
        path = tmp_path / f"bank{suffix}"
        path.write_text(write(bank), encoding="utf-8")
        parsed, problems = read_structured(path)
        assert problems == [], suffix
        assert _fields(parsed) == _fields(bank), suffix


def test_xlsx_round_trip(tmp_path: Path) -> None:
    bank = [Question("回复率怎么算？", ("回复人数÷咨询人数", "消息数÷人数"), ("回复人数÷咨询人数",), SINGLE, "按人数",
                     ("指标",)),
            Question("可以引导好评返现。", JUDGE_OPTIONS, ("错",), JUDGE, "违规", ("规则",))]
    write_xlsx(bank, tmp_path / "bank.xlsx")
    parsed, problems = read_structured(tmp_path / "bank.xlsx")
    assert problems == [] and _fields(parsed) == _fields(bank)


def test_bad_records_are_named_by_line_and_column_and_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    path.write_text("题目,选项A,选项B,选项C,答案,类型\n"
                    "好题？,甲,乙,丙,B,单选\n"
                    "坏答案？,甲,乙,,D,单选\n"
                    "单选多答案？,甲,乙,丙,\"A,B\",单选\n"
                    "坏类型？,甲,乙,,A,填空\n"
                    ",甲,乙,,A,单选\n", encoding="utf-8")
    parsed, problems = read_structured(path)
    assert [q.text for q in parsed] == ["好题？"] and parsed[0].answer == ("乙",)
    assert [(p.line, p.column) for p in problems] == [(3, "答案"), (4, "答案"), (5, "类型"), (6, "题目")]
    assert all(p.file == path and p.reason for p in problems)


def test_toml_problems_carry_the_line_of_their_table(tmp_path: Path) -> None:
    path = tmp_path / "bank.toml"
    path.write_text('[[questions]]\ntext = "好？"\noptions = ["甲", "乙"]\nanswer = "A"\n\n'
                    '[[questions]]\ntext = "坏？"\noptions = ["甲"]\n', encoding="utf-8")
    parsed, problems = read_structured(path)
    assert [q.text for q in parsed] == ["好？"]
    assert [(p.line, p.column) for p in problems] == [(6, "选项")]


def test_invalid_toml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bank.toml"
    path.write_text("[[questions]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="不是有效的 TOML"):
        read_structured(path)


def test_starter_bank_has_keys_and_explanations_for_every_question() -> None:
    bank = starter_questions()
    assert len(bank) == 16 + len(formula_metrics())
    assert all(q.keyed and q.explanation and q.tags for q in bank)
    assert len({q.qid for q in bank}) == len(bank)
    by_text = {q.text: q for q in bank}
    assert by_text["以下哪个是回复率的公式:"].answer == ("回复客户数量÷所有接待到的客户数量",)
    taboo = by_text["以下关于客服聊天雷区、禁区,说法正确的是:"]
    assert taboo.qtype == MULTI and "可以引导“好评返现”" not in taboo.answer and len(taboo.answer) == 3


def test_metric_questions_follow_the_catalog() -> None:
    for m, q in zip(formula_metrics(), metric_questions()):
        assert m.id in q.text and q.answer == (m.definition_zh,)
        assert len(q.options) == 4 and len(set(q.options)) == 4
        assert q.options.count(m.definition_zh) == 1
