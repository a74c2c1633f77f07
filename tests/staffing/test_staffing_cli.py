"""`kefu staffing …` end to end: the calculator's JSON, plans in every format, rosters and clear errors."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.cli import app
from tests.staffing.test_demand import ACCOUNTS, MESSAGES, PRESENCE

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shop")
    for name, text in (("accounts", ACCOUNTS), ("messages", MESSAGES), ("presence", PRESENCE)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    path = folder / "shop.duckdb"
    result = runner.invoke(app, ["--db", str(path), "import", str(folder)])
    assert result.exit_code == 0, result.output
    return path


def kefu(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_calc_json_has_the_published_answer() -> None:
    code, out = kefu("staffing", "calc", "--arrivals-per-hour", "120", "--handle-s", "300", "--target-rate", "0.8",
                     "--target-s", "20", "--format", "json")
    assert code == 0, out
    payload = json.loads(out)
    assert payload["agents"] == 14
    assert payload["service_level"] == pytest.approx(0.8666, abs=5e-4)
    assert payload["prob_wait"] == pytest.approx(0.1741, abs=5e-4)
    assert payload["avg_wait_s"] == pytest.approx(13.06, abs=0.01)


def test_calc_with_concurrency_and_table() -> None:
    code, out = kefu("staffing", "calc", "--arrivals-per-hour", "120", "--handle-s", "300", "--target-rate", "0.8",
                     "--target-s", "20", "--concurrency", "2")
    assert code == 0, out
    assert "至少需要 7 人" in out  # 14 slots of 2 chats each


def test_calc_refuses_a_rate_of_one() -> None:
    code, out = kefu("staffing", "calc", "--arrivals-per-hour", "10", "--handle-s", "60", "--target-rate", "1",
                     "--target-s", "20")
    assert code == 1 and "0 与 1 之间" in out


def test_plan_json_and_csv(db: Path) -> None:
    code, out = kefu("--db", str(db), "staffing", "plan", "--target", "3分钟人工响应率>=0.9", "--weeks", "2",
                     "--no-latency", "--format", "json")
    assert code == 0, out
    payload = json.loads(out)
    assert payload["latency"] is None and payload["unreachable_intervals"] == 0
    assert payload["target_s"] == 180 and payload["target_rate"] == 0.9 and payload["model"] == "erlang"
    monday_nine = next(r for r in payload["rows"] if (r["weekday"], r["interval"]) == ("周一", "09:00"))
    assert (monday_nine["required"], monday_nine["scheduled"], monday_nine["agents_online"]) == (1, 2, 0.75)
    assert [w["rounds"] for w in payload["backtest"]] == [4, 1]
    code, out = kefu("--db", str(db), "staffing", "plan", "--weeks", "2", "--format", "json")
    latency = json.loads(out)
    assert latency["latency"] == {"rounds": 5, "within_target_s": 0.6} and latency["unreachable_intervals"] >= 1
    code, text = kefu("--db", str(db), "--lang", "en", "staffing", "plan", "--target-rate", "0.8", "--format", "csv")
    assert code == 0, text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "agents needed online" in rows[0] and len(rows) == 7 * 48


def test_plan_table_marks_the_shortfall(db: Path) -> None:
    code, out = kefu("--db", str(db), "staffing", "plan", "--set", "staffing_shrinkage=0", "--weeks", "2",
                     "--no-latency")
    assert code == 0, out
    assert "09:00" in out and "1/0.8" in out and "缺口" in out and "回测" in out
    code, out = kefu("--db", str(db), "staffing", "plan", "--weeks", "2")
    assert "180 秒内回复 60.0%" in out and "不限人数也达不到目标" in out and "!" in out


def test_demand_json(db: Path) -> None:
    code, out = kefu("--db", str(db), "staffing", "demand", "--weeks", "2", "--format", "json")
    assert code == 0, out
    payload = json.loads(out)
    monday_nine = next(r for r in payload["rows"] if (r["weekday"], r["interval"]) == ("周一", "09:00"))
    assert (monday_nine["arrivals_mean"], monday_nine["arrivals_max"], monday_nine["handle_s"]) == (2, 3, 187.5)


def test_shifts_cover_the_plan(db: Path, tmp_path: Path) -> None:
    templates = tmp_path / "shifts.toml"
    templates.write_text('[[shift]]\nname = "白班"\nstart = "08:00"\nend = "18:00"\n', encoding="utf-8")
    code, out = kefu("--db", str(db), "staffing", "shifts", "--templates", str(templates), "--weeks", "2",
                     "--set", "platform_hours=08:00-18:00", "--no-latency", "--format", "json")
    assert code == 0, out
    payload = json.loads(out)
    assert payload["uncovered"] == [] and payload["status"] == "optimal"
    assert [(r["weekday"], r["shift"], r["agents"]) for r in payload["rows"]] == [("周一", "白班", 2)]
    assert payload["agent_hours"] == 20


def test_shifts_name_what_the_templates_cannot_cover(db: Path, tmp_path: Path) -> None:
    templates = tmp_path / "shifts.toml"
    templates.write_text('[[shift]]\nname = "早班"\nstart = "09:30"\nend = "17:30"\n', encoding="utf-8")
    code, out = kefu("--db", str(db), "staffing", "shifts", "--templates", str(templates), "--weeks", "2",
                     "--no-latency")
    assert code == 0, out
    assert "覆盖不到" in out and "周一 09:00 缺 2 人" in out


def test_bad_options_are_one_clear_line(db: Path, tmp_path: Path) -> None:
    assert "能整除一天" in kefu("--db", str(db), "staffing", "demand", "--interval", "7")[1]
    assert "auto 或正整数" in kefu("--db", str(db), "staffing", "plan", "--concurrency", "两个")[1]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[shift]]\nname = "早班"\nstart = "8点"\nend = "16:00"\n', encoding="utf-8")
    code, out = kefu("--db", str(db), "staffing", "shifts", "--templates", str(bad))
    assert code == 1 and "早班" in out and "start" in out
