"""The demo shop gives quality inspection realistic work, without changing any KPI of the report."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from kefu.config import Settings
from kefu.demo import generate_demo, texts
from kefu.demo.generate import DEFAULT_START, _simulate, _write
from kefu.demo.world import World
from kefu.ingest.canonical import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.qc import load_rules
from kefu.qc.runner import run_qc
from kefu.report import run_report
from kefu.store import Warehouse


def _reports(folder: Path, db: Path) -> dict[str, list[dict]]:
    with Warehouse.open(db) as wh:
        import_paths(wh, [folder], Settings())
        out = {}
        for grain in ("account_day", "shop_day"):
            rows = run_report(wh.con, ReportSpec(grain=grain), Settings()).rows
            out[grain] = [{k: _comparable(v) for k, v in r.items() if not k.startswith("qc_")} for r in rows]
        return out


def _comparable(value: object) -> object:
    """Floats compare to 1e-12: DuckDB's parallel sums of doubles may differ in the last bit between runs."""
    return pytest.approx(value, rel=1e-12, abs=1e-12) if isinstance(value, float) else value


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("qcdemo")
    generate_demo(folder / "shop")
    return folder


def test_every_kpi_is_the_same_without_the_qc_cases(demo: Path) -> None:
    # The same world as generate_demo's defaults, written without the QC cases mixed in.
    w = World(random.Random(7), texts.DEFAULT_SHOP, DEFAULT_START, 14)
    _simulate(w, 40)
    _write(w, demo / "plain")
    with_cases = _reports(demo / "shop", demo / "a.duckdb")
    without = _reports(demo / "plain", demo / "b.duckdb")
    assert with_cases == without
    plain = (demo / "plain" / "messages.csv").read_text(encoding="utf-8")
    assert plain != (demo / "shop" / "messages.csv").read_text(encoding="utf-8")


def test_qc_finds_every_kind_of_case_in_the_demo(demo: Path) -> None:
    with Warehouse.open(demo / "a.duckdb") as wh:
        run = run_qc(wh.con, Settings(), load_rules())
    categories = {f["category"] for f in run.findings}
    assert {"极限词", "语气", "流程", "风险会话"} <= categories
    rules = {f["rule_id"] for f in run.findings}
    assert {"flow.no_farewell", "flow.unclosed", "flow.no_verify", "risk.complaint", "tone.negative"} <= rules
    # Slips are the exception: most conversations are clean of word-list findings.
    words = [f for f in run.findings if f["category"] in ("违规词", "极限词", "站外引流", "语气")]
    assert len(words) < 0.05 * run.messages
