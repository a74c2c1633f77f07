"""Persisted facts: reports read them, imports keep them exact, settings and versions decide when they apply."""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kefu import facts
from kefu.cli import app
from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.facts_touched import is_stored
from kefu.ingest import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.report import prepared_engine, run_report
from kefu.store import Warehouse
from tests.engines.random_shop import random_shop

DIGEST_FILE = Path(__file__).parent / "data" / "facts_digest.json"
SPECS = [ReportSpec(grain="account_day"), ReportSpec(grain="shop_day"),
         ReportSpec(grain="account_day", by="group", period="week"), ReportSpec(grain="shop_day", period="all")]


def close(a: Any, b: Any) -> bool:
    """Equal values; floats to the last bits DuckDB's parallel sums allow."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
    return bool(a == b)


def same_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> bool:
    return len(got) == len(want) and all(g.keys() == w.keys() and all(close(g[k], w[k]) for k in w)
                                         for g, w in zip(got, want))


def on_the_fly(wh: Warehouse, spec: ReportSpec, settings: Settings) -> list[dict[str, Any]]:
    """The report computed from the canonical rows alone, as before facts existed."""
    cur = wh.con.cursor()
    engine = DuckDBEngine(cur, settings)
    assert engine.prepare()
    rows = run_report(None, spec, settings, engine).rows
    cur.close()
    return rows


def from_facts(wh: Warehouse, spec: ReportSpec, settings: Settings) -> list[dict[str, Any]]:
    engine = prepared_engine(wh.con, settings)
    assert engine.note == "" and engine.built, "the report must read the stored facts"
    return run_report(None, spec, settings, engine).rows


def snapshot(wh: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored fact table's rows, sorted, floats rounded past the noise of parallel sums.

    A table not made yet (no import changed a row) holds no rows, as an empty one does.
    """
    def norm(v: Any) -> Any:
        return round(v, 9) if isinstance(v, float) else float(v) if isinstance(v, Decimal) else v

    def rows(table: str) -> list[tuple[Any, ...]]:
        return wh.con.execute(f"SELECT * FROM {table}").fetchall() if is_stored(wh.con, table) else []

    return {f.table: sorted((tuple(norm(v) for v in r) for r in rows(f.table)), key=repr)
            for f in facts.STORED_TABLES}


def rebuilt_snapshot(wh: Warehouse, settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """The stored facts a full rebuild would hold (the rebuild is rolled back)."""
    wh.con.begin()
    facts.rebuild(wh.con, settings)
    snap = snapshot(wh)
    wh.con.rollback()
    return snap


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(tmp_path / "kefu.duckdb") as w:
        yield w


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("shops")
    for seed in (1, 2):
        random_shop(root / f"s{seed}", seed)
    return [root / "s1", root / "s2"]


def test_facts_are_stored_and_reports_read_them(wh: Warehouse, shops: list[Path]) -> None:
    summary = import_paths(wh, shops, Settings())
    assert summary.facts_shops == ["随机店1", "随机店2"]
    stored = facts.stored_tables(wh.con)
    assert {f.table for f in facts.STORED_TABLES + facts.STORED_VIEWS} == set(stored.values())
    for spec in SPECS:
        assert same_rows(from_facts(wh, spec, Settings()), on_the_fly(wh, spec, Settings())), spec


def test_an_import_recomputes_only_the_shops_it_touched(wh: Warehouse, shops: list[Path], tmp_path: Path) -> None:
    import_paths(wh, shops, Settings())
    other = wh.con.execute("SELECT * FROM conversations_account WHERE shop = '随机店2' ORDER BY ALL").fetchall()
    more = tmp_path / "more"
    more.mkdir()
    with (more / "messages.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["shop", "buyer", "account", "sender", "ts", "content"],
                                  ["随机店1", "新买家", "随机店1:甲", "buyer", "2026-03-08 10:00:00", "在吗"]])
    summary = import_paths(wh, [more], Settings())
    assert summary.facts_shops == ["随机店1"]
    assert wh.con.execute("SELECT * FROM conversations_account WHERE shop = '随机店2' ORDER BY ALL").fetchall() == other
    assert wh.con.execute("SELECT count(*) FROM conversations_account WHERE buyer = '新买家'").fetchall() == [(1,)]


def test_other_fact_settings_are_computed_on_the_fly_and_said(wh: Warehouse, shops: list[Path]) -> None:
    import_paths(wh, shops, Settings())
    first_touch = Settings(attribution="first_touch", conversion_window_days=2)
    engine = prepared_engine(wh.con, first_touch)
    assert not engine.built and "attribution=first_touch" in engine.note and "conversion_window_days=2" in engine.note
    display_only = Settings(slow_threshold_s=30)
    assert prepared_engine(wh.con, display_only).note == ""
    spec = ReportSpec(grain="account_day", period="all")
    assert same_rows(run_report(wh.con, spec, first_touch).rows, on_the_fly(wh, spec, first_touch))


def test_rebuild_stores_facts_under_new_settings(wh: Warehouse, shops: list[Path]) -> None:
    import_paths(wh, shops, Settings())
    first_touch = Settings(attribution="first_touch")
    with wh.transaction() as con:
        facts.rebuild(con, first_touch)
    assert facts.recorded_settings(wh.con) == facts.fact_settings(first_touch)
    assert not facts.usable(wh.con, Settings())
    for spec in SPECS:
        assert same_rows(from_facts(wh, spec, first_touch), on_the_fly(wh, spec, first_touch)), spec


def test_an_import_under_other_fact_settings_rebuilds_every_shop(wh: Warehouse, shops: list[Path]) -> None:
    import_paths(wh, shops[:1], Settings())
    summary = import_paths(wh, shops[1:], Settings(conversion_window_days=2))
    assert "全部重建" in summary.facts_note
    assert facts.recorded_settings(wh.con) == facts.fact_settings(Settings(conversion_window_days=2))
    assert snapshot(wh) == rebuilt_snapshot(wh, Settings(conversion_window_days=2))


def test_a_failed_import_leaves_the_facts_as_they_were(wh: Warehouse, shops: list[Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import_paths(wh, shops[:1], Settings())
    before, counts = snapshot(wh), wh.counts()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(facts, "_create_views", broken)
    with pytest.raises(RuntimeError):
        import_paths(wh, shops[1:], Settings())
    assert snapshot(wh) == before and wh.counts() == counts


def test_the_model_digest_moves_with_the_fact_version() -> None:
    pinned = json.loads(DIGEST_FILE.read_text(encoding="utf-8"))
    assert pinned["version"] == facts.FACTS_VERSION and pinned["digest"] == facts.models_digest(), (
        "a model changed: move FACTS_VERSION in src/kefu/facts.py and record the new digest in "
        f"{DIGEST_FILE.name}: {{\"version\": {facts.FACTS_VERSION + 1}, \"digest\": \"{facts.models_digest()}\"}}")


def test_facts_of_an_older_version_are_rebuilt_when_the_warehouse_is_opened(tmp_path: Path,
                                                                           shops: list[Path]) -> None:
    db = tmp_path / "old.duckdb"
    with Warehouse.open(db) as wh:
        import_paths(wh, shops, Settings(attribution="all_touch"))
        wh.con.execute("DROP TABLE conversion_account")
        wh.set_meta(facts.VERSION_KEY, "0")
    result = CliRunner().invoke(app, ["--db", str(db), "report", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "正在重建" in result.output
    with Warehouse.open(db) as wh:
        assert facts.usable(wh.con, Settings(attribution="all_touch"))
        assert snapshot(wh) == rebuilt_snapshot(wh, Settings(attribution="all_touch"))


# --- the property: imports in any batches and order keep the facts equal to a full recompute ---------------

# The column whose day puts a row in a batch; an evaluation goes by its invitation, else its rating.
TABLE_DAY = {"messages": ("ts",), "orders": ("created_at",), "presence": ("start",), "refunds": ("created_at",),
             "complaints": ("created_at",), "ratings": ("rated_at",), "evaluations": ("invited_at", "rated_at")}


def split_by_day(src: Path, dest: Path, batches: list[list[str]]) -> list[Path]:
    """Folders each holding the rows of src whose day is in one batch (the other tables whole, in the first)."""
    out = []
    for i, days in enumerate(batches):
        folder = dest / f"batch{i}"
        folder.mkdir(parents=True)
        for path in src.glob("*.csv"):
            rows = list(csv.reader(path.open(encoding="utf-8")))
            cols = TABLE_DAY.get(path.stem)
            if cols is None:
                keep = rows[1:] if i == 0 else []
            else:
                idx = [rows[0].index(c) for c in cols]
                keep = [r for r in rows[1:] if next(r[j] for j in idx if r[j])[:10] in days]
            with (folder / path.name).open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows([rows[0], *keep])
        out.append(folder)
    return out


def newer_exports(src: Path, dest: Path, late_days: int) -> Path:
    """Newer order and evaluation exports: unpaid orders paid late_days after they were created, every other
    paid one later; invitations with an id rated late_days after them, every other rating changed."""
    dest.mkdir(parents=True)
    rows = list(csv.reader((src / "orders.csv").open(encoding="utf-8")))
    created, paid, amount = (rows[0].index(c) for c in ("created_at", "paid_at", "amount"))
    for i, row in enumerate(rows[1:]):
        if not row[paid] or i % 2 == 0:
            when = dt.datetime.fromisoformat(row[created]) + dt.timedelta(days=late_days, hours=3)
            row[paid] = when.strftime("%Y-%m-%d %H:%M:%S")
            row[amount] = f"{float(row[amount]) + 1:.2f}"
    with (dest / "orders.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    rows = list(csv.reader((src / "evaluations.csv").open(encoding="utf-8")))
    eval_id, invited, rated, level = (rows[0].index(c) for c in ("eval_id", "invited_at", "rated_at", "level"))
    newer = [rows[0]]
    for i, row in enumerate(rows[1:]):
        if row[eval_id] and row[invited] and (not row[rated] or i % 2 == 0):
            when = dt.datetime.fromisoformat(row[invited]) + dt.timedelta(days=late_days, hours=1)
            newer.append(row[:rated] + [when.strftime("%Y-%m-%d %H:%M:%S"), str(1 + i % 5)] + row[level + 1:])
    with (dest / "evaluations.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(newer)
    return dest


SHOP_DAYS = [f"2026-03-{d:02d}" for d in range(6, 14)]


@hyp_settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    assignment=st.lists(st.integers(0, 2), min_size=len(SHOP_DAYS), max_size=len(SHOP_DAYS)),
    order=st.permutations([0, 1, 2]),
    again=st.integers(0, 2),
    attribution=st.sampled_from(["last_touch", "first_touch", "all_touch"]),
    window=st.integers(1, 3),
    timezone=st.sampled_from(["Asia/Shanghai", "America/New_York"]),
    late_days=st.integers(0, 4),
)
def test_facts_after_any_batches_equal_a_full_recompute(
    tmp_path_factory: pytest.TempPathFactory, shops: list[Path], assignment: list[int], order: list[int],
    again: int, attribution: str, window: int, timezone: str, late_days: int,
) -> None:
    settings = Settings(attribution=attribution, conversion_window_days=window, timezone=timezone)
    root = tmp_path_factory.mktemp("prop")
    batches = [[d for d, b in zip(SHOP_DAYS, assignment) if b == i] for i in range(3)]
    folders = [f for s, shop in enumerate(shops) for f in split_by_day(shop, root / f"s{s}", batches)]
    # The first batches of both shops in one import each (shops naming the same days share one build),
    # then one shop's last batch alone, its whole folder again and newer order and evaluation exports of it.
    steps = [[folders[i], folders[3 + i]] for i in order[:2]] + [[folders[order[2]]], [folders[3 + order[2]]]]
    steps += [[shops[again % 2]], [newer_exports(shops[again % 2], root / "newer", late_days)]]
    with Warehouse.open(root / "kefu.duckdb") as wh:
        for step in steps:
            import_paths(wh, step, settings)
            assert snapshot(wh) == rebuilt_snapshot(wh, settings), step
        for spec in SPECS:
            assert same_rows(from_facts(wh, spec, settings), on_the_fly(wh, spec, settings)), spec
    shutil.rmtree(root, ignore_errors=True)


def test_each_stored_fact_is_unique_in_its_declared_grain(wh: Warehouse, shops: list[Path]) -> None:
    import_paths(wh, shops, Settings(attribution="all_touch"))
    for fact in facts.FACTS:
        grain = fact.model.grain_in(fact.scope)
        if fact.kind == "temp" or not grain:
            continue
        cols = ", ".join(grain)
        total, distinct = wh.con.execute(
            f"SELECT count(*), count(DISTINCT ({cols})) FROM {fact.table}").fetchall()[0]
        assert total == distinct and total > 0 or fact.model.name in ("exam_scores", "qc_days"), fact.table


def test_a_file_sent_again_unchanged_recomputes_only_the_new_days(wh: Warehouse, shops: list[Path], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import_paths(wh, shops, Settings())
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(shops[0] / "accounts.csv", again / "accounts.csv")
    shutil.copy(shops[0] / "blocklist.csv", again / "blocklist.csv")
    with (again / "messages.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["shop", "buyer", "account", "sender", "ts", "content"],
                                  ["随机店1", "新买家", "随机店1:甲", "buyer", "2026-03-08 10:00:00", "在吗"]])
    whole: list[str] = []
    monkeypatch.setattr(facts, "_refresh_shops", lambda con, settings, db, shops: whole.extend(shops))
    ranges: list[tuple[Any, ...]] = []
    real_run = facts.RangeRefresh.run
    monkeypatch.setattr(facts.RangeRefresh, "run", lambda self, lo, hi: (ranges.append((self.shops, lo, hi)),
                                                                         real_run(self, lo, hi)))
    import_paths(wh, [again], Settings())
    assert whole == [] and ranges == [(["随机店1"], dt.date(2026, 3, 8), dt.date(2026, 3, 8))]
    monkeypatch.undo()
    assert snapshot(wh) == rebuilt_snapshot(wh, Settings())
