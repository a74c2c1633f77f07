"""Shift rosters: hand-checked optima, wrapping, shortfall, limits, template loading and a coverage property."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.staffing.shifts import (
    Assignment,
    Requirement,
    ShiftError,
    Template,
    load_templates,
    shipped_templates,
    solve_roster,
)


def hm(text: str) -> int:
    """Minutes from midnight of "HH:MM"."""
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def need(days: range | list[int], start: str, end: str, agents: int, step: int = 30) -> dict[tuple[int, int], int]:
    """A flat need of agents on each of days from start to end (same day)."""
    return {(d, s): agents for d in days for s in range(hm(start) // step, hm(end) // step)}


def shift(name: str, start: str, end: str, *, breaks: tuple[tuple[str, str], ...] = (), days: range = range(7),
          max_agents: int | None = None) -> Template:
    """A template from clock times; an end at or before the start lies on the next day."""
    s, e = hm(start), hm(end)
    e += 1440 if e <= s else 0
    return Template(name, s, e, tuple((hm(a), hm(b)) for a, b in breaks), frozenset(days), max_agents)


def test_flat_need_takes_two_agents_every_day() -> None:
    roster = solve_roster(Requirement(30, need(range(7), "08:00", "16:00", 2)), [shift("早班", "08:00", "16:00")])
    assert roster.status == "optimal"
    assert roster.assignments == tuple(Assignment(d, "早班", 2) for d in range(7))
    assert roster.agent_hours == 2 * 8 * 7
    assert roster.uncovered == () and roster.shortfall == 0
    assert all(roster.coverage[0, s] == 2 for s in range(16, 32)) and roster.coverage[0, 32] == 0


def test_overlapping_templates_are_mixed() -> None:
    # need 1 from 08:00 to 23:00 and 2 from 15:00 to 16:00: 早班 + 晚班 (16h) beats 全天 + 早班 (23h)
    needed = {**need([0], "08:00", "23:00", 1), **need([0], "15:00", "16:00", 2)}
    templates = [shift("全天", "08:00", "23:00"), shift("早班", "08:00", "16:00"), shift("晚班", "15:00", "23:00")]
    roster = solve_roster(Requirement(30, needed), templates)
    assert roster.assignments == (Assignment(0, "早班", 1), Assignment(0, "晚班", 1))
    assert roster.agent_hours == 16
    assert roster.uncovered == ()


def test_break_leaves_a_gap_unless_another_shift_covers_it() -> None:
    early = shift("早班", "08:00", "16:00", breaks=(("12:00", "12:30"),))
    assert early.hours == 7.5
    req = Requirement(30, need([0], "08:00", "16:00", 1))
    alone = solve_roster(req, [early])
    assert alone.uncovered == ((0, 24, 1),) and alone.agent_hours == 7.5
    assert alone.coverage[0, 24] == 0 and alone.coverage[0, 25] == 1
    # an hour's cover shift costs 1h more and removes the only shortfall, so it must be used
    both = solve_roster(req, [early, shift("午班", "12:00", "13:00")])
    assert both.assignments == (Assignment(0, "早班", 1), Assignment(0, "午班", 1))
    assert both.uncovered == () and both.agent_hours == 8.5


def test_one_short_slot_outweighs_any_agent_hours() -> None:
    roster = solve_roster(Requirement(30, {(3, 24): 1}), [shift("全天", "00:00", "00:00")])
    assert roster.assignments == (Assignment(3, "全天", 1),)
    assert roster.agent_hours == 24 and roster.uncovered == ()


def test_sunday_late_shift_wraps_into_monday() -> None:
    late = shift("夜班", "22:00", "02:00", days=range(6, 7))
    assert late.covered_slots(6, 30) == ((6, 44), (6, 45), (6, 46), (6, 47), (0, 0), (0, 1), (0, 2), (0, 3))
    needed = {**need([6], "22:00", "24:00", 1), **need([0], "00:00", "02:00", 1)}
    roster = solve_roster(Requirement(30, needed), [late])
    assert roster.assignments == (Assignment(6, "夜班", 1),)
    assert roster.uncovered == () and roster.agent_hours == 4
    assert [roster.coverage[0, s] for s in range(5)] == [1, 1, 1, 1, 0]


def test_need_no_template_reaches_is_reported_in_full() -> None:
    needed = {**need([0], "08:00", "16:00", 1), (0, 8): 3}
    roster = solve_roster(Requirement(30, needed), [shift("早班", "08:00", "16:00")])
    assert roster.uncovered == ((0, 8, 3),) and roster.shortfall == 3
    assert roster.assignments == (Assignment(0, "早班", 1),)
    assert all(roster.coverage[0, s] >= 1 for s in range(16, 32))


def test_max_agents_pushes_the_rest_onto_a_dearer_shift() -> None:
    templates = [shift("早班", "08:00", "16:00", max_agents=3), shift("长班", "07:00", "16:00")]
    roster = solve_roster(Requirement(30, need([2], "08:00", "16:00", 5)), templates)
    assert roster.assignments == (Assignment(2, "早班", 3), Assignment(2, "长班", 2))
    assert roster.agent_hours == 3 * 8 + 2 * 9


def test_max_agents_and_days_limit_what_can_be_covered() -> None:
    weekdays = shift("早班", "08:00", "09:00", days=range(5), max_agents=3)
    roster = solve_roster(Requirement(60, {(0, 8): 5, (5, 8): 2}), [weekdays])
    assert roster.assignments == (Assignment(0, "早班", 3),)
    assert roster.uncovered == ((0, 8, 2), (5, 8, 2))


def test_templates_off_the_requirement_grid_are_refused() -> None:
    with pytest.raises(ShiftError, match="网格"):
        solve_roster(Requirement(60, {(0, 8): 1}), [shift("半点班", "08:30", "10:30")])
    with pytest.raises(ValueError):
        Requirement(7, {})


def test_shipped_templates_load() -> None:
    templates = load_templates(shipped_templates())
    by_name = {t.name: t for t in templates}
    assert list(by_name) == ["早班", "中班", "晚班", "周末晚班"]
    late = by_name["晚班"]
    assert (late.start_min, late.end_min) == (hm("15:00"), 1440 + 30)
    assert late.days == frozenset(range(5)) and late.max_agents == 6 and late.hours == 9
    assert by_name["周末晚班"].days == frozenset({5, 6}) and by_name["早班"].days == frozenset(range(7))


def write(tmp_path: Path, text: str) -> Path:
    """A shifts.toml in tmp_path holding text."""
    path = tmp_path / "shifts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_days_accept_numbers_english_and_chinese(tmp_path: Path) -> None:
    path = write(tmp_path, '[[shift]]\nname = "a"\nstart = 08:00:00\nend = "02:00"\n'
                           'breaks = [["01:00", "01:30"]]\ndays = [1, "Sun", "星期三"]\n')
    (t,) = load_templates(path)
    assert t.days == frozenset({0, 2, 6}) and t.start_min == 480 and t.end_min == 1440 + 120
    assert t.breaks == ((1500, 1530),) and t.hours == 17.5


GOOD = '[[shift]]\nname = "早班"\nstart = "08:00"\nend = "16:00"\n\n'


@pytest.mark.parametrize(("body", "chinese", "english"), [
    ('[[shift]]\nname = "晚班"\nstart = "8点"\nend = "16:00"\n',
     "shifts.toml 第 2 个班次「晚班」的 start「8点」不是 HH:MM 时间",
     "shifts.toml shift 2 (晚班): start '8点' is not an HH:MM time"),
    ('[[shift]]\nname = "晚班"\nstart = "15:00"\nend = "23:10"\n',
     "第 2 个班次「晚班」的 end「23:10」不在 30 分钟网格上", "shift 2 (晚班): end '23:10' is off the 30-minute grid"),
    ('[[shift]]\nname = "晚班"\nstart = "15:00"\nend = "23:00"\nbreaks = [["14:00", "14:30"]]\n',
     "第 2 个班次「晚班」的 breaks「14:00-14:30」不在班次内", "shift 2 (晚班): breaks '14:00-14:30' lies outside"),
    ('[[shift]]\nname = "早班"\nstart = "09:00"\nend = "17:00"\n',
     "第 2 个班次「早班」的 name 与前面的班次重复", "shift 2 (早班): name is a duplicate"),
    ('[[shift]]\nname = "晚班"\nstart = "15:00"\nend = "23:00"\ndays = ["周一", "周八"]\n',
     "第 2 个班次「晚班」的 days 中的「周八」不是星期几", "shift 2 (晚班): days entry '周八' is not a weekday"),
    ('[[shift]]\nname = "晚班"\nstart = "15:00"\nend = "23:00"\nmax_agents = -1\n',
     "第 2 个班次「晚班」的 max_agents 必须是不小于 0 的整数", "max_agents must be a non-negative integer"),
    ('[[shift]]\nstart = "15:00"\nend = "23:00"\n', "第 2 个班次的 name 缺失", "shift 2: name is missing"),
    ('[[shift]]\nname = "晚班"\nstart = = "15:00"\n', "shifts.toml 第 8 行 TOML 语法错误", "line 8: invalid TOML"),
])
def test_bad_files_name_the_shift_and_field_chinese_first(tmp_path: Path, body: str, chinese: str,
                                                          english: str) -> None:
    with pytest.raises(ShiftError) as info:
        load_templates(write(tmp_path, GOOD + body))
    zh, en = str(info.value).split(" / ", 1)
    assert chinese in zh and english in en


def test_file_without_shifts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ShiftError, match="没有 \\[\\[shift\\]\\]"):
        load_templates(write(tmp_path, "# nothing\n"))


STEP = 240  # six slots a day keeps the property's models tiny


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.tuples(st.integers(0, 6), st.integers(0, 5)), st.integers(0, 4), max_size=20))
def test_roster_covers_every_need_when_a_template_reaches_every_slot(needed: dict[tuple[int, int], int]) -> None:
    templates = [shift("全天", "00:00", "00:00"), shift("短班", "08:00", "16:00", breaks=(("12:00", "16:00"),))]
    roster = solve_roster(Requirement(STEP, needed), templates)
    assert roster.status == "optimal" and roster.uncovered == ()
    assert all(roster.coverage[c] >= n for c, n in needed.items())
    assert len(roster.coverage) == 7 * 6
