"""Shift rosters (排班): cover a weekly staffing requirement with shift templates at the fewest agent-hours (CP-SAT)."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ortools.sat.python import cp_model

DAY_MIN = 1440
_EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES = {**{f"{p}{c}": i for p in ("周", "星期") for i, c in enumerate("一二三四五六日")}, "周天": 6, "星期天": 6,
              **{n: i for i, n in enumerate(_EN_DAYS)}, **{n[:3]: i for i, n in enumerate(_EN_DAYS)}}
_FIELDS = {"name", "start", "end", "breaks", "days", "max_agents"}
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ShiftError(ValueError):
    """A shift file or roster input that cannot be used; the message is Chinese first, English after " / "."""


@dataclass(frozen=True)
class Requirement:
    """Agents needed per (weekday 0=Mon..6=Sun, slot of interval_min minutes from midnight); missing keys need 0."""

    interval_min: int
    needed: dict[tuple[int, int], int]

    def __post_init__(self) -> None:
        """Reject a grid that does not divide the day, keys off the week and negative needs."""
        if self.interval_min <= 0 or DAY_MIN % self.interval_min:
            raise ValueError(f"interval_min {self.interval_min} 不能整除 1440 / does not divide the day")
        for (day, slot), need in self.needed.items():
            if not (0 <= day < 7 and 0 <= slot < self.slots_per_day) or need < 0:
                raise ValueError(f"需求 ({day}, {slot}) = {need} 无效 / invalid need at ({day}, {slot})")

    @property
    def slots_per_day(self) -> int:
        """How many slots one day has on this grid."""
        return DAY_MIN // self.interval_min


@dataclass(frozen=True)
class Template:
    """A shift; end_min and breaks count from the start day's midnight, so a shift past midnight has end_min > 1440."""

    name: str
    start_min: int
    end_min: int
    breaks: tuple[tuple[int, int], ...] = ()
    days: frozenset[int] = frozenset(range(7))
    max_agents: int | None = None

    @property
    def paid_min(self) -> int:
        """Counted minutes per agent: the shift's length minus its breaks."""
        return self.end_min - self.start_min - sum(b - a for a, b in self.breaks)

    @property
    def hours(self) -> float:
        """Agent-hours one agent on this shift counts: the shift's length minus its breaks, in hours."""
        return self.paid_min / 60

    def on_grid(self, interval_min: int) -> bool:
        """Whether every start, end and break time falls on the interval_min grid."""
        return all(m % interval_min == 0 for m in (self.start_min, self.end_min, *(t for b in self.breaks for t in b)))

    def covered_slots(self, weekday: int, interval_min: int) -> tuple[tuple[int, int], ...]:
        """The (weekday, slot) pairs an agent starting on weekday covers, breaks left out, wrapping past Sunday."""
        grid = range(self.start_min, self.end_min, interval_min)
        on = (m for m in grid if not any(a <= m < b for a, b in self.breaks))
        return tuple(((weekday + m // DAY_MIN) % 7, m % DAY_MIN // interval_min) for m in on)


def _clock(value: object, fail: Callable[[str, str], ShiftError]) -> int:
    """Minutes from midnight of an "HH:MM" string (or a TOML local time without seconds)."""
    if isinstance(value, dt.time) and not value.second and not value.microsecond:
        return value.hour * 60 + value.minute
    match = _HHMM.match(value) if isinstance(value, str) else None
    if not match:
        raise fail(f"「{value}」不是 HH:MM 时间", f"'{value}' is not an HH:MM time")
    return int(match[1]) * 60 + int(match[2])


def _day(value: object) -> int | None:
    """Weekday 0..6 of 1-7 (1=Monday), 周一..周日 or mon..sun; None when unknown."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value - 1 if 1 <= value <= 7 else None
    return _DAY_NAMES.get(value.strip().lower()) if isinstance(value, str) else None


def _template(raw: object, file: str, pos: int, interval_min: int) -> Template:
    """One validated [[shift]] table."""
    name = raw.get("name") if isinstance(raw, dict) else None

    def fail(field: str, zh: str, en: str) -> ShiftError:
        """An error naming the file, the shift (by position and name) and the field."""
        label_zh, label_en = (f"「{name}」", f" ({name})") if isinstance(name, str) and name else ("", "")
        zh = zh if zh.startswith("「") else f" {zh}"  # a space between the Latin field name and Chinese words
        return ShiftError(f"{file} 第 {pos} 个班次{label_zh}的 {field}{zh} / "
                          f"{file} shift {pos}{label_en}: {field} {en}")

    if not isinstance(raw, dict):
        raise fail("[[shift]]", "不是表", "is not a table")
    if not isinstance(name, str) or not name.strip():
        raise fail("name", "缺失或为空", "is missing or empty")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise fail(unknown[0], "是未知字段", "is not a known field")

    def clock(field: str, value: object) -> int:
        """A time on the grid, or an error naming field."""
        minutes = _clock(value, lambda zh, en: fail(field, zh, en))
        if minutes % interval_min:
            raise fail(field, f"「{value}」不在 {interval_min} 分钟网格上",
                       f"'{value}' is off the {interval_min}-minute grid")
        return minutes

    for key in (k for k in ("start", "end") if k not in raw):
        raise fail(key, "缺失", "is missing")
    start, end = clock("start", raw["start"]), clock("end", raw["end"])
    end += DAY_MIN if end <= start else 0  # ends at or before its start: the shift ends the next day
    breaks: list[tuple[int, int]] = []
    raw_breaks = raw.get("breaks", [])
    if not isinstance(raw_breaks, list):
        raise fail("breaks", "必须是 [[开始, 结束], …] 列表", "must be a list of [start, end] pairs")
    for pair in raw_breaks:
        if not isinstance(pair, list) or len(pair) != 2:
            raise fail("breaks", f"中的 {pair!r} 不是 [开始, 结束]", f"entry {pair!r} is not a [start, end] pair")
        a, b = clock("breaks", pair[0]), clock("breaks", pair[1])
        a += DAY_MIN if a < start else 0  # a break before the start's clock time lies in the next-day part
        b += (a // DAY_MIN) * DAY_MIN
        b += DAY_MIN if b <= a else 0
        if not (start <= a < b <= end) or any(a < y and x < b for x, y in breaks):
            raise fail("breaks", f"「{pair[0]}-{pair[1]}」不在班次内或与其他休息重叠",
                       f"'{pair[0]}-{pair[1]}' lies outside the shift or overlaps another break")
        breaks.append((a, b))
    raw_days = raw.get("days", list(range(1, 8)))
    if not isinstance(raw_days, list) or not raw_days:
        raise fail("days", "必须是非空列表", "must be a non-empty list")
    days = [_day(v) for v in raw_days]
    for value, day in zip(raw_days, days):
        if day is None:
            raise fail("days", f"中的「{value}」不是星期几", f"entry '{value}' is not a weekday")
    cap = raw.get("max_agents")
    if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 0):
        raise fail("max_agents", "必须是不小于 0 的整数", "must be a non-negative integer")
    return Template(name.strip(), start, end, tuple(sorted(breaks)), frozenset(days), cap)  # type: ignore[arg-type]


def load_templates(path: Path, interval_min: int = 30) -> tuple[Template, ...]:
    """The validated shift templates of a TOML file whose times lie on the interval_min grid."""
    path, file = Path(path), Path(path).name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ShiftError(f"无法读取班次文件 {path}：{exc.strerror} / cannot read {path}") from None
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        where_zh, where_en = (f"第 {line[1]} 行", f" line {line[1]}") if line else ("", "")
        raise ShiftError(f"{file} {where_zh} TOML 语法错误：{exc} / {file}{where_en}: invalid TOML: {exc}") from None
    shifts = data.get("shift")
    if not isinstance(shifts, list) or not shifts:
        raise ShiftError(f"{file} 中没有 [[shift]] 班次 / {file} holds no [[shift]] tables")
    templates: list[Template] = []
    for i, raw in enumerate(shifts, 1):
        t = _template(raw, file, i, interval_min)
        if any(t.name == u.name for u in templates):
            raise ShiftError(f"{file} 第 {i} 个班次「{t.name}」的 name 与前面的班次重复 / "
                             f"{file} shift {i} ({t.name}): name is a duplicate")
        templates.append(t)
    return tuple(templates)


def shipped_templates() -> Path:
    """The path of the shipped example shifts.toml."""
    return Path(str(resources.files("kefu.staffing").joinpath("shifts.toml")))


@dataclass(frozen=True)
class Assignment:
    """How many agents start a shift on a weekday."""

    weekday: int
    shift: str
    agents: int


@dataclass(frozen=True)
class Roster:
    """A solved roster: who starts what, the weekly agent-hours, the slots left short and the coverage per slot."""

    assignments: tuple[Assignment, ...]
    agent_hours: float
    uncovered: tuple[tuple[int, int, int], ...]
    coverage: dict[tuple[int, int], int]
    status: str

    @property
    def shortfall(self) -> int:
        """Agent-intervals short over the week."""
        return sum(short for _, _, short in self.uncovered)


def solve_roster(requirement: Requirement, templates: Sequence[Template], time_limit_s: float = 10.0,
                 workers: int = 2) -> Roster:
    """The roster that first leaves the fewest agent-intervals short, then uses the fewest agent-hours."""
    step = requirement.interval_min
    for t in templates:
        if not t.on_grid(step):
            raise ShiftError(f"班次「{t.name}」的时间不在 {step} 分钟网格上 / shift {t.name}: times are off the "
                             f"{step}-minute grid")
    if len({t.name for t in templates}) != len(templates):
        raise ShiftError("班次名称重复 / shift names are not unique")
    need = {k: v for k, v in requirement.needed.items() if v > 0}
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    bound: dict[tuple[int, int], int] = {}
    covers: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    slots = {(d, i): t.covered_slots(d, step) for i, t in enumerate(templates) for d in t.days}
    for (d, i), cells in slots.items():
        # more agents than the largest need a shift touches never helps, so that bounds the variable
        upper, cap = max((need.get(c, 0) for c in cells), default=0), templates[i].max_agents
        upper = upper if cap is None else min(upper, cap)
        if upper > 0:
            x[d, i], bound[d, i] = model.new_int_var(0, upper, f"x_{d}_{i}"), upper
            for c in cells:
                covers.setdefault(c, []).append(x[d, i])
    short = {c: model.new_int_var(0, n, f"short_{c[0]}_{c[1]}") for c, n in need.items()}
    for c, n in need.items():
        model.add(sum(covers.get(c, [])) + short[c] >= n)
    # cost in slots (integral); one slot short must outweigh every agent-hour the roster could possibly use
    cost = {k: templates[k[1]].paid_min // step for k in x}
    weight = 1 + sum(cost[k] * bound[k] for k in x)
    model.minimize(weight * sum(short.values()) + sum(cost[k] * v for k, v in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    # a fixed seed and limit: one worker repeats exactly; with more, the optimum's value repeats but a tie between
    # equally good rosters may fall either way (interleave_search would fix that at ~20x the solve time)
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = time_limit_s
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ShiftError(f"{time_limit_s} 秒内未找到排班 / no roster found within {time_limit_s}s")
    agents = {k: solver.value(v) for k, v in x.items()}
    coverage = {(d, s): 0 for d in range(7) for s in range(requirement.slots_per_day)}
    for k, n in agents.items():
        for c in slots[k]:
            coverage[c] += n
    assignments = tuple(Assignment(d, templates[i].name, n) for (d, i), n in sorted(agents.items()) if n > 0)
    uncovered = tuple((d, s, n - coverage[d, s]) for (d, s), n in sorted(need.items()) if coverage[d, s] < n)
    hours = sum(n * templates[i].paid_min for (_, i), n in agents.items()) / 60
    return Roster(assignments, hours, uncovered, coverage, "optimal" if code == cp_model.OPTIMAL else "feasible")
