"""Re-measure the three probe figures behind kefu's security promise (docs/security.md); not part of make test.

    .venv/bin/python bench/probes.py                 # the full probes (about 7 minutes on 2 shared cores)
    .venv/bin/python bench/probes.py --quick         # small data, few kills, short load (under 2 minutes)
    .venv/bin/python bench/probes.py --kills 40 --probes 13 --clients 20 --seconds 10

Every figure is measured on fresh demo data in a temporary folder; the exit status is 1 when a probe fails.

1. kill -9 导入中途强杀: a warehouse holding a first demo shop is copied, `kefu --db COPY import SECOND_SHOP` is
   started on the copy and killed with SIGKILL at N moments spread evenly from 0 to the length of one
   uninterrupted import. Each copy is then opened and every base table compared (row count and an
   order-free checksum of its rows) with the state before the import and after an uninterrupted one.
   Figure: how many kills left the "before" state, how many the "after" state, and how many anything else
   (partial or unreadable: a failure).
2. cross-scope requests 越权请求: on a warehouse of two demo shops A and B, a manager of shop A and an agent of
   one account of A request every GET page, API route and download of the app (enumerated from app.routes)
   with path and query parameters set to shop B's values (shop, accounts, days, jobs), mixed values, and A's
   own values as a control. Figure: requests made and leaks found, a leak being a response (xlsx unzipped)
   holding shop B's name, one of B's accounts, agent names, buyer nicks or order ids that the request did
   not carry itself; for the agent, also any other account of shop A. Expected: 0 leaks, and the control
   requests must show A's own data (else the probe proves nothing).
3. load during an import 导入时负载: bench/bench_web.py's server, readers and uploader: C clients read the
   dashboards and API reports while a third shop's upload is imported. Figure: requests, errors (non-2xx
   or exceptions) and p95 latency; the upload must finish as "done".
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import duckdb

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(ROOT))

from bench.bench_web import READS, p95, prepare, run_load, session, start_server  # noqa: E402
from kefu.config import Settings  # noqa: E402
from kefu.demo import generate_demo  # noqa: E402
from kefu.ingest import import_paths  # noqa: E402
from kefu.metrics.catalog import metrics_of  # noqa: E402
from kefu.privacy import mask_nick  # noqa: E402
from kefu.sqltext import ident  # noqa: E402
from kefu.store import Warehouse  # noqa: E402

KEFU = Path(sys.executable).with_name("kefu")
SHOP_A, SHOP_B = "山野户外旗舰店", "溪流数码专营店"
KILL_SHOPS = ("松涛运动旗舰店", "白桦母婴专营店")
PASSWORD = "probe-password-1"


@dataclass(frozen=True)
class Sizes:
    """How much data and work each probe uses."""

    kills: int
    base_days: int
    base_buyers: int
    batch_days: int
    batch_buyers: int
    web_days: int
    web_buyers: int
    metrics: int  # explained metrics per grain (0: all)
    wide: bool  # every report variant (grain x period x by) and evidence part rather than a few
    load_days: int
    load_buyers: int
    clients: int
    seconds: float


QUICK = Sizes(kills=8, base_days=7, base_buyers=40, batch_days=14, batch_buyers=150, web_days=3, web_buyers=12,
              metrics=3, wide=False, load_days=7, load_buyers=30, clients=20, seconds=3)
FULL = Sizes(kills=40, base_days=30, base_buyers=200, batch_days=30, batch_buyers=400, web_days=7, web_buyers=30,
             metrics=0, wide=True, load_days=30, load_buyers=100, clients=20, seconds=10)


@dataclass
class Outcome:
    """One probe's verdict: a one-line figure, detail lines, and whether it passed."""

    key: str
    label: str
    figure: str
    ok: bool
    details: list[str] = field(default_factory=list)
    seconds: float = 0.0


# ---------------------------------------------------------------- 1. kill -9 during an import

State = dict[str, tuple[int, int]]
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def wal_of(db: Path) -> Path:
    """DuckDB's write-ahead log beside a database file."""
    return db.with_name(db.name + ".wal")


def remove_warehouse(db: Path) -> None:
    """Delete a database file with its WAL and temp folder."""
    for path in (db, wal_of(db)):
        path.unlink(missing_ok=True)
    shutil.rmtree(db.with_name(db.name + ".tmp"), ignore_errors=True)


def copy_warehouse(src: Path, dst: Path) -> None:
    """Copy a database file and its WAL (if any) to a fresh path."""
    remove_warehouse(dst)
    shutil.copy2(src, dst)
    if wal_of(src).exists():
        shutil.copy2(wal_of(src), wal_of(dst))


def table_state(db: Path) -> State:
    """(rows, checksum) of every base table; doubles rounded to 1e-6 (parallel sums vary in the last bits)."""
    con = duckdb.connect(str(db))  # read-write, so a WAL left behind is replayed like kefu would
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' ORDER BY table_name").fetchall()]
        state: State = {}
        for table in tables:
            columns = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [table]).fetchall()
            exprs = [f"round({ident(c)}, 6)" if t in FLOAT_TYPES else ident(c) for c, t in columns]
            rows, checksum = con.execute(
                f"SELECT count(*), coalesce(sum(hash({', '.join(exprs)})), 0) FROM {ident(table)}").fetchone()
            state[table] = (int(rows), int(checksum))
        return state
    finally:
        con.close()


def opens_with_kefu(db: Path, state: State) -> bool:
    """The warehouse opens with kefu and its canonical row counts are the ones the checksum saw."""
    with Warehouse.open(db) as wh:
        return all(state.get(t, (0, 0))[0] == n for t, n in wh.counts().items())


def checksum_sees_a_change(db: Path, work: Path, state: State) -> bool:
    """Self-test: one changed value in a fact table (same row count) changes the state."""
    probe = work / "selftest.duckdb"
    copy_warehouse(db, probe)
    con = duckdb.connect(str(probe))
    try:
        con.execute("UPDATE shop_days SET day = day + 1 WHERE rowid = (SELECT min(rowid) FROM shop_days)")
    finally:
        con.close()
    changed = table_state(probe)
    remove_warehouse(probe)
    return changed != state and changed["shop_days"][0] == state["shop_days"][0]


def run_import(db: Path, batch: Path, kill_after: float | None) -> tuple[float, bool, int]:
    """`kefu --db db import batch` in a child process, SIGKILLed after kill_after seconds unless it ended.

    Returns (elapsed seconds, whether the kill landed while it ran, exit code).
    """
    proc = subprocess.Popen([str(KEFU), "--db", str(db), "import", str(batch)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.perf_counter()
    killed = False
    try:
        proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        killed = True
    finally:
        if proc.poll() is None and not killed:  # interrupted from outside: leave no child behind
            proc.kill()
        proc.wait()
    return time.perf_counter() - t0, killed, proc.returncode


def classify(db: Path, before: State, after: State) -> str:
    """before | after | partial | unreadable: what a killed import left in the warehouse."""
    try:
        state = table_state(db)
        if not opens_with_kefu(db, state):
            return "partial"
    except Exception:  # noqa: BLE001 - a warehouse that cannot be read is the failure being probed
        return "unreadable"
    return "before" if state == before else "after" if state == after else "partial"


def kill_moments(duration: float, n: int) -> list[float]:
    """n moments spread evenly from 0 to duration."""
    return [duration / 2] if n == 1 else [duration * i / (n - 1) for i in range(n)]


def probe_kills(work: Path, sizes: Sizes) -> Outcome:
    """Probe 1: SIGKILL `kefu import` at evenly spread moments; every warehouse must be 'before' or 'after'."""
    generate_demo(work / "first", days=sizes.base_days, buyers_per_day=sizes.base_buyers, seed=31,
                  shop=KILL_SHOPS[0])
    batch = work / "second"
    summary = generate_demo(batch, days=sizes.batch_days, buyers_per_day=sizes.batch_buyers, seed=32,
                            shop=KILL_SHOPS[1])
    base = work / "base.duckdb"
    with Warehouse.open(base) as wh:
        assert import_paths(wh, [work / "first"], Settings()).ok
        first_counts = wh.counts()
    before = table_state(base)
    assert all(before[t][0] == n for t, n in first_counts.items())

    timed = work / "timed.duckdb"
    copy_warehouse(base, timed)
    duration, _, code = run_import(timed, batch, None)
    if code != 0:
        return Outcome("1", "", f"the uninterrupted import failed (exit {code})", False)
    after = table_state(timed)
    copy_warehouse(base, work / "again.duckdb")
    run_import(work / "again.duckdb", batch, None)
    reproducible = table_state(work / "again.duckdb") == after
    remove_warehouse(work / "again.duckdb")
    selftest = checksum_sees_a_change(timed, work, after) and after != before
    remove_warehouse(timed)

    results: list[tuple[float, bool, str]] = []
    trial = work / "kill.duckdb"
    for moment in kill_moments(duration, sizes.kills):
        copy_warehouse(base, trial)
        _, hit, _ = run_import(trial, batch, moment)
        results.append((moment, hit, classify(trial, before, after)))
        remove_warehouse(trial)
    kinds = Counter(kind for _, _, kind in results)
    landed = sum(1 for _, hit, _ in results if hit)
    bad = kinds["partial"] + kinds["unreadable"]
    last_before = max((m for m, _, k in results if k == "before"), default=None)
    first_after = min((m for m, _, k in results if k == "after"), default=None)
    details = [
        f"batch 第二批: {summary.messages:,} messages 条消息, {summary.orders:,} orders 笔订单 into a warehouse of "
        f"{sum(first_counts.values()):,} rows 行; {len(before)} tables compared 张表逐表比较",
        f"uninterrupted import 完整导入: {duration:.2f} s (kefu process, start to exit 进程启动到退出); "
        f"after-state reproducible 结果可复现: {'yes 是' if reproducible else 'NO 否'}; "
        f"checksum self-test 校验自检: {'ok' if selftest else 'FAILED'}",
        f"moments 时刻: {len(results)} from 0 to {duration:.2f} s, every {_step(results)} 均匀分布",
        f"kills landed while running 进程运行中被杀: {landed} of {len(results)} "
        f"(others had already exited 其余已自行结束)",
        f"last 'before' at 最后一次“之前” {_secs(last_before)}, first 'after' at 第一次“之后” {_secs(first_after)} "
        f"(they may cross: each run's speed varies with the machine's load 各次速度随负载变化)",
    ]
    details += [f"  {k} at {m:.2f} s" for m, _, k in results if k not in ("before", "after")]
    figure = (f"{len(results)} kill -9 moments 次: {kinds['before']} before 导入前, {kinds['after']} after 导入后, "
              f"{bad} partial 残缺")
    return Outcome("1", "", figure, bad == 0 and reproducible and selftest, details)


def _step(results: list[tuple[float, bool, str]]) -> str:
    return f"{results[1][0] - results[0][0]:.2f} s" if len(results) > 1 else "—"


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


# ---------------------------------------------------------------- 2. cross-scope web requests

# Parameters some routes read from request.query_params instead of declaring them.
UNDECLARED = {
    "/agents": ("grain", "from", "to", "period", "by", "shop", "account", "sort"),
    "/download/report.{fmt}": ("grain", "from", "to", "period", "by", "shop", "account", "sort"),
    "/qc": ("from", "to", "account", "category", "severity", "mask"),
    "/download/qc.{fmt}": ("from", "to", "account", "category", "severity", "mask"),
}
IGNORED = {"next", "error", "category", "severity", "sort"}  # echoes, free-text filters, order: left at defaults
RANGES = (("from", "to"), ("day_from", "day_to"))
FILLED = {"shop", "account", "metric", "grain", "period", "by", "mask", "day", "plan", "part", "events",
          "from", "to", "day_from", "day_to", "fmt", "job_id"}


@dataclass(frozen=True)
class Probe:
    """One request to make and what its parameters carried."""

    route: str  # the route's path template
    path: str
    query: dict[str, str]
    cross: bool  # carries shop B's (or, for the agent, another A account's) values


@dataclass
class Tally:
    """What one user's requests found."""

    requests: int = 0
    cross: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # agent: other accounts of A seen
    echoes: int = 0
    echo_examples: list[str] = field(default_factory=list)
    controls: int = 0
    control_hits: int = 0
    routes: set[str] = field(default_factory=set)
    data_routes: set[str] = field(default_factory=set)  # paths whose control request showed A's data


@dataclass(frozen=True)
class WebValues:
    """Names, days and jobs the requests are filled with."""

    own: str  # the agent's account (also the manager's control account)
    a_accounts: list[str]
    b_accounts: list[str]
    days: list[str]
    span: tuple[str, str]
    month: str
    jobs_a: list[str]
    jobs_b: list[str]  # shop B's manager's upload and the admin's QC run
    manager_marks: set[str]  # strings of A's rows: a control response holding one shows A's data
    agent_marks: set[str]


def strings(con: duckdb.DuckDBPyConnection, sql: str, *args: str) -> list[str]:
    """The first column of a query, as distinct non-empty strings."""
    return sorted({str(v) for (v,) in con.execute(sql, list(args)).fetchall() if v not in (None, "")})


def text_corpus(con: duckdb.DuckDBPyConnection, shop: str) -> str:
    """Every text value of one shop's canonical rows, joined (to drop needles another shop shares)."""
    parts = []
    for table in ("accounts", "messages", "orders", "refunds", "complaints", "ratings", "blocklist"):
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND data_type = 'VARCHAR'",
            [table]).fetchall()]
        for column in columns:
            parts += [str(v) for (v,) in con.execute(
                f"SELECT DISTINCT {ident(column)} FROM {ident(table)} WHERE shop = ?", [shop]).fetchall()]
    return "\n".join(parts)


def b_needles(con: duckdb.DuckDBPyConnection, a_page_text: str) -> dict[str, str]:
    """Strings that belong to shop B only (needle -> label): its name, accounts, agents, buyers, orders."""
    corpus = text_corpus(con, SHOP_A) + a_page_text
    accounts = strings(con, "SELECT account FROM accounts WHERE shop = ?", SHOP_B)
    a_nicks = {a.split(":", 1)[-1] for a in strings(con, "SELECT account FROM accounts WHERE shop = ?", SHOP_A)}
    found: dict[str, str] = {}

    def add(label: str, values: list[str]) -> None:
        for value in values:
            found.setdefault(value, label)  # the first label wins: the shop is also its main account

    add("shop 店铺", [SHOP_B])
    add("account 账号", accounts)
    add("account nick 子账号", [a.split(":", 1)[1] for a in accounts
                                if ":" in a and a.split(":", 1)[1] not in a_nicks])
    add("agent name 客服姓名", strings(con, "SELECT agent_name FROM accounts WHERE shop = ?", SHOP_B))
    for table in ("messages", "orders", "refunds", "blocklist"):
        add("buyer 买家", strings(con, f"SELECT buyer FROM {table} WHERE shop = ?", SHOP_B))
    add("order id 订单号", strings(con, "SELECT order_id FROM orders WHERE shop = ?", SHOP_B))
    return {n: label for n, label in found.items() if len(n) >= 2 and n not in corpus}


def other_account_needles(con: duckdb.DuckDBPyConnection, own: str) -> dict[str, str]:
    """For the agent: shop A's other accounts and their agents' names (the main account by its agent only)."""
    rows = con.execute("SELECT account, agent_name FROM accounts WHERE shop = ?", [SHOP_A]).fetchall()
    own_name = next((n for a, n in rows if a == own), "")
    found: dict[str, str] = {}
    for account, name in rows:
        if account == own:
            continue
        if account != SHOP_A and account not in own:
            found[account] = "other A account 本店其他账号"
        if name and name != own_name and name not in own:
            found[name] = "other A agent 本店其他客服"
    shown = app_text()
    return {n: label for n, label in found.items() if n not in shown}


def app_text() -> str:
    """kefu's own sources, templates and definitions (not the demo generator's word lists): no shop's data."""
    import kefu

    folder = Path(kefu.__file__).parent
    return "\n".join(p.read_text("utf-8", "replace") for p in sorted(folder.rglob("*"))
                     if p.suffix in (".html", ".js", ".css", ".py", ".sql", ".toml", ".md", ".txt")
                     and "demo" not in p.relative_to(folder).parts)


def variants(needle: str) -> set[str]:
    """The forms a string takes in HTML, JSON, URLs and CSV."""
    return {needle, quote(needle), quote(needle, safe=""), quote_plus(needle), json.dumps(needle)[1:-1]}


def response_text(response: Any) -> str:
    """Headers and body as text; an xlsx (or any zip) unpacked into its XML."""
    body: bytes = response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            text = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    else:
        text = body.decode("utf-8", "replace").lstrip("\ufeff")
    return "\n".join(f"{k}: {v}" for k, v in response.headers.items()) + "\n" + text


def found_in(text: str, needles: dict[str, str], carried: str) -> tuple[list[str], int]:
    """Needles in a response (label: needle), and how many were only echoes of what the request carried."""
    hits, echoes = [], 0
    for needle, label in needles.items():
        if any(v in text for v in variants(needle)):
            if needle in carried:
                echoes += 1
            else:
                hits.append(f"{label}: {needle}")
    return hits, echoes


def get_routes(app: Any) -> list[tuple[str, list[str], list[str]]]:
    """Every GET route of the app: (path, query parameters it reads, path parameters)."""
    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            if hasattr(route, "effective_candidates"):  # FastAPI's included routers
                yield from walk(route.effective_candidates())
                yield from walk(route.effective_low_priority_routes())
            else:
                yield route

    def declared(dependant: Any) -> list[str]:
        names = [p.alias for p in dependant.query_params]
        for sub in dependant.dependencies:
            names += declared(sub)
        return names

    found = []
    for route in walk(app.routes):
        if "GET" not in (getattr(route, "methods", None) or ()) or not hasattr(route, "dependant"):
            continue
        reads = [p for p in dict.fromkeys(declared(route.dependant) + list(UNDECLARED.get(route.path, ())))
                 if p not in IGNORED]
        found.append((route.path, reads, [p.alias for p in route.dependant.path_params]))
    return found


def scope_variants(reads: list[str], v: WebValues, agent: bool) -> list[tuple[dict[str, str], bool]]:
    """(shop/account parameters, cross?) for a route: B's values, mixed ones, and A's own as a control."""
    others = [a for a in v.a_accounts if a != v.own] if agent else []
    out: list[tuple[dict[str, str], bool]] = [({}, False)]
    if "shop" in reads:
        out += [({"shop": SHOP_B}, True), ({"shop": SHOP_A}, False)]
    if "account" in reads:
        out += [({"account": b}, True) for b in v.b_accounts] + [({"account": v.own}, False)]
        out += [({"account": o}, True) for o in others]
    if "shop" in reads and "account" in reads:
        out += [({"shop": SHOP_A, "account": v.b_accounts[0]}, True), ({"shop": SHOP_B, "account": v.own}, True),
                ({"shop": SHOP_A, "account": v.own}, False)]
    return out


def base_values(reads: list[str], v: WebValues, sizes: Sizes) -> dict[str, list[str]]:
    """The non-scope parameter values to combine for one route."""
    wide = sizes.wide
    values: dict[str, list[str]] = {
        "grain": ["account_day", "shop_day"],
        "period": ["day", "week", "month", "all"] if wide else ["day", "all"],
        "by": ["", "account", "group", "shop"] if wide else ["", "shop"],
        "mask": ["1", "0"],
        "day": v.days,
        "plan": ["售前", "售后"],
        "part": ["0", "1"] if wide else ["0"],
        "events": ["1"],  # /live/stream: one event, then the stream ends
    }
    if "plan" in reads:  # the scorecard's period is a month, not a report period
        values["period"] = ["", v.month]
    return {p: values[p] for p in reads if p in values}


def metric_ids(grain: str, limit: int) -> list[str]:
    """The metrics of a grain to explain (limit > 0: an even sample)."""
    ids = [m.id for m in metrics_of(grain)]
    return ids if not limit or limit >= len(ids) else ids[:: max(1, len(ids) // limit)][:limit]


def probes_for(routes: list[tuple[str, list[str], list[str]]], v: WebValues, sizes: Sizes,
               agent: bool) -> Iterator[Probe]:
    """Every request of the grid: routes x path parameters x report variants x scope variants."""
    for path, reads, path_params in routes:
        fills: list[tuple[str, bool]] = [(path, False)]
        if "fmt" in path_params:
            fills = [(path.replace("{fmt}", f), False) for f in ("csv", "xlsx")]
        if "job_id" in path_params:
            fills = [(path.replace("{job_id}", j), agent) for j in v.jobs_a]  # the manager's own job
            fills += [(path.replace("{job_id}", j), True) for j in v.jobs_b]
        ranges = [{}]
        for lo, hi in RANGES:
            if lo in reads:
                ranges.append({lo: v.span[0], hi: v.span[1]})
        base = base_values(reads, v, sizes)
        combos = [dict(zip(base, c)) for c in product(*base.values())]
        for (url, cross_path), scope, extra, span in product(fills, scope_variants(reads, v, agent), combos, ranges):
            params, cross = scope
            if "metric" in reads:
                grain = "account_day" if "account" in params else "shop_day"
                for metric in metric_ids(grain, sizes.metrics) if params else metric_ids(grain, 1):
                    yield _probe(path, url, {**params, **extra, **span, "metric": metric}, cross or cross_path)
            else:
                yield _probe(path, url, {**params, **extra, **span}, cross or cross_path)


def _probe(route: str, url: str, query: dict[str, str], cross: bool) -> Probe:
    return Probe(route, url, {k: val for k, val in query.items() if val != ""}, cross)


def login(client: Any, username: str) -> str:
    """Sign in through the form as tests/web/conftest.py does; the session's CSRF token."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on /login"
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert found, "no CSRF token on /"
    return found.group(1)


def bad_messages(folder: Path, n: int = 3) -> bytes:
    """A shop's first messages plus one with a broken time: an upload that leaves a rejected row."""
    with open(folder / "messages.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[: n + 2]
    header, body = rows[0], rows[1:]
    body[-1][header.index("ts")] = "not-a-time"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    return out.getvalue().encode("utf-8")


def upload_job(app: Any, client: Any, csrf: str, content: bytes) -> str:
    """Upload one file through the API, wait for its import; the job id."""
    r = client.post("/api/v1/imports", files=[("files", ("messages.csv", content))],
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    app.state.parts.worker.jobs[job_id].finished.wait(120)
    return str(job_id)


def qc_job(app: Any, client: Any, csrf: str) -> str:
    """Queue a QC run over every shop as the admin, wait for it; the job id."""
    r = client.post("/qc/run", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    job_id = r.headers["location"].rsplit("/", 1)[-1]
    app.state.parts.worker.jobs[job_id].finished.wait(300)
    return job_id


def web_warehouse(work: Path, sizes: Sizes) -> tuple[Path, dict[str, Path], str]:
    """Two demo shops A and B in one warehouse, with the probe's users; also the agent's account."""
    from kefu.web.auth import AuthStore, auth_path_for

    folders = {SHOP_A: work / "a", SHOP_B: work / "b"}
    for seed, (shop, folder) in zip((3, 5), folders.items()):
        generate_demo(folder, days=sizes.web_days, buyers_per_day=sizes.web_buyers, seed=seed, shop=shop)
    db = work / "web.duckdb"
    with Warehouse.open(db) as wh:
        assert import_paths(wh, list(folders.values()), Settings()).ok
        own = wh.con.execute(
            "SELECT m.account FROM messages m JOIN accounts a USING (account) WHERE a.shop = ? AND a.kind = 'human' "
            "AND m.account <> ? GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1", [SHOP_A, SHOP_A]).fetchone()[0]
    auth = AuthStore(auth_path_for(db))
    auth.add_user("probe_admin", PASSWORD, "admin")
    auth.add_user("probe_boss_a", PASSWORD, "manager", shops=[SHOP_A])
    auth.add_user("probe_boss_b", PASSWORD, "manager", shops=[SHOP_B])
    auth.add_user("probe_agent", PASSWORD, "agent", accounts=[own])
    auth.close()
    return db, folders, str(own)


def web_values(con: duckdb.DuckDBPyConnection, own: str, jobs_a: list[str], jobs_b: list[str]) -> WebValues:
    """Fill values from the warehouse: both shops' accounts, days with data, the jobs."""
    a_accounts = strings(con, "SELECT account FROM accounts WHERE shop = ?", SHOP_A)
    b_accounts = strings(con, "SELECT account FROM accounts WHERE shop = ?", SHOP_B)
    days = strings(con, "SELECT DISTINCT day::VARCHAR FROM shop_days WHERE shop = ?", SHOP_B)
    buyers = strings(con, "SELECT buyer FROM messages WHERE shop = ?", SHOP_A)
    own_buyers = strings(con, "SELECT buyer FROM messages WHERE account = ?", own)
    orders = set(strings(con, "SELECT order_id FROM orders WHERE shop = ?", SHOP_A))
    manager_marks = {a for a in a_accounts if ":" in a} | set(buyers) | {str(mask_nick(b)) for b in buyers} | orders
    agent_marks = {own} | {str(mask_nick(b)) for b in own_buyers} | orders
    return WebValues(own, a_accounts, b_accounts, [days[-1]], (days[0], days[-1]), days[-1][:7], jobs_a, jobs_b,
                     manager_marks, agent_marks)


def probe_web(work: Path, sizes: Sizes) -> Outcome:
    """Probe 2: a manager of A and an agent of A ask every GET route for shop B's data; count what leaks."""
    with warnings.catch_warnings():  # starlette's note that httpx is deprecated for its test client
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from kefu.web.app import create_app
    from kefu.web.auth import auth_path_for
    from kefu.web.context import WebConfig

    db, folders, own = web_warehouse(work, sizes)
    app = create_app(WebConfig(db, auth_path_for(db), Settings(), work / "uploads"))
    tallies: dict[str, Tally] = {}
    with TestClient(app, raise_server_exceptions=False):
        clients = {u: TestClient(app, raise_server_exceptions=False)
                   for u in ("probe_admin", "probe_boss_a", "probe_boss_b", "probe_agent")}
        csrf = {u: login(c, u) for u, c in clients.items()}
        job_b = upload_job(app, clients["probe_boss_b"], csrf["probe_boss_b"], bad_messages(folders[SHOP_B]))
        job_a = upload_job(app, clients["probe_boss_a"], csrf["probe_boss_a"], bad_messages(folders[SHOP_A]))
        job_qc = qc_job(app, clients["probe_admin"], csrf["probe_admin"])
        page_text = response_text(TestClient(app).get("/login")) + app_text()
        with app.state.parts.store.reader() as con:  # the app holds the file: read through its cursors
            v = web_values(con, own, [job_a], [job_b, job_qc])
            needles = b_needles(con, page_text)
            others = other_account_needles(con, v.own)
        routes = get_routes(app)
        for user, agent in (("probe_boss_a", False), ("probe_agent", True)):
            tallies[user] = ask_all(clients[user], routes, v, sizes, needles, others if agent else {}, agent)
        admin_sees_b = SHOP_B in response_text(clients["probe_admin"].get("/api/v1/report", params={"period": "all"}))
    return web_outcome(tallies, routes, needles, others, admin_sees_b, job_b, app)


def ask_all(client: Any, routes: list[tuple[str, list[str], list[str]]], v: WebValues, sizes: Sizes,
            needles: dict[str, str], others: dict[str, str], agent: bool) -> Tally:
    """Send every probe of the grid as one user and tally leaks, echoes and control hits."""
    tally = Tally()
    own_marks = v.agent_marks if agent else v.manager_marks
    for probe in probes_for(routes, v, sizes, agent):
        r = client.get(probe.path, params=probe.query)
        text = response_text(r)
        carried = probe.path + "\n" + "\n".join(probe.query.values())
        leaks, echoes = found_in(text, needles, carried)
        seen, echoed = found_in(text, others, carried)
        tally.requests += 1
        tally.cross += probe.cross
        tally.statuses[r.status_code] += 1
        tally.echoes += echoes + echoed
        if echoes + echoed and len(tally.echo_examples) < 3:
            tally.echo_examples.append(f"{probe.path}?{'&'.join(f'{k}={val}' for k, val in probe.query.items())} "
                                       f"[{r.status_code}]")
        tally.routes.add(probe.route)
        where = f"{probe.path}?{'&'.join(f'{k}={val}' for k, val in probe.query.items())} [{r.status_code}]"
        tally.leaks += [f"{where}: {hit}" for hit in leaks]
        tally.others += [f"{where}: {hit}" for hit in seen]
        if not probe.cross:
            hit = r.status_code == 200 and any(m in text for m in own_marks)
            tally.controls += 1
            tally.control_hits += hit
            if hit:
                tally.data_routes.add(probe.route)
    return tally


def web_outcome(tallies: dict[str, Tally], routes: list[Any], needles: dict[str, str], others: dict[str, str],
                admin_sees_b: bool, job_b: str, app: Any) -> Outcome:
    """The figure of probe 2 from both users' tallies."""
    requests = sum(t.requests for t in tallies.values())
    leaks = sum(len(t.leaks) + len(t.others) for t in tallies.values())
    errors = sum(n for t in tallies.values() for s, n in t.statuses.items() if s >= 500)
    kinds = Counter(needles.values())
    rejected = len(app.state.parts.worker.jobs[job_b].summary.rejections)
    unfilled = sorted({f"{path}:{p}" for path, reads, params in routes for p in reads + params if p not in FILLED})
    details = [f"{len(routes)} GET routes 个路由 (app.routes); needles 检查的字符串: "
               + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
               + f"; agent's other-account needles 客服的本店其他账号: {len(others)}",
               f"shop B's upload left {rejected} rejected row(s) 被拒行 (its rejects.csv is probed); "
               f"admin sees shop B 管理员能看到 B 店: {'yes' if admin_sees_b else 'NO'}"]
    if unfilled:
        details.append("parameters this probe does not fill 未填的参数 (new routes?): " + " ".join(unfilled))
    for user, t in tallies.items():
        statuses = ", ".join(f"{s}×{n:,}" for s, n in sorted(t.statuses.items()))
        details.append(f"{user}: {t.requests:,} requests ({t.cross:,} cross-scope 越权), statuses {statuses}; "
                       f"leaks {len(t.leaks)}, other A accounts {len(t.others)}, echoes of own input 回显 {t.echoes}; "
                       f"control 对照 {t.control_hits}/{t.controls} showed A's own data "
                       f"({len(t.data_routes)} of {len(t.routes)} paths 个地址)")
        details += [f"  LEAK {x}" for x in (t.leaks + t.others)[:10]]
        details += [f"  echo e.g. 回显示例 {x}" for x in t.echo_examples]
        details.append("  no A data in any control 对照无数据: " + " ".join(sorted(t.routes - t.data_routes)))
    ok = leaks == 0 and errors == 0 and admin_sees_b and all(t.control_hits for t in tallies.values())
    figure = f"{requests:,} requests 请求, {leaks} leaks 泄露, {errors} server errors 服务器错误"
    return Outcome("2", "", figure, ok, details)


# ---------------------------------------------------------------- 3. load during an import

@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Children started inside write their stdout to /dev/null."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def probe_load(work: Path, sizes: Sizes) -> Outcome:
    """Probe 3: bench_web's readers against `kefu serve` while its uploader imports a third shop."""
    db, third = prepare(work, sizes.load_days, sizes.load_buyers)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with quiet_stdout():  # the server's banner would land in the middle of the report
        proc = start_server(db, port)
    try:
        warm, _ = session(base)
        for url in READS:  # the first computation of each report, as bench_web does before measuring
            warm.get(url)
        warm.close()
        # The load lasts at least as long as the import.
        load = run_load(base, sizes.clients, sizes.seconds, third, until_imported=True)
    finally:
        proc.terminate()
        proc.wait()
    latencies, errors, imported, elapsed = load.latencies, load.errors, load.imported, load.seconds
    lat = sorted(t for _, t in latencies)
    p95_ms = p95(lat) * 1000 if lat else float("nan")
    p50 = statistics.median(lat) * 1000 if lat else float("nan")
    status = imported.get("status")
    details = [f"{sizes.clients} clients 客户端 for {elapsed:.1f} s (wall, with their sign-in 含登录); "
               f"p50 {p50:.0f} ms, max {lat[-1] * 1000 if lat else 0:.0f} ms",
               f"upload 上传导入: {status} in {imported.get('seconds', 0):.1f} s, {imported.get('rows')} rows 行 "
               f"({sizes.load_days} days, {sizes.load_buyers} buyers/day per shop)"]
    details += [f"  error: {e}" for e in errors[:5]]
    figure = (f"{len(lat):,} requests 请求, {len(errors)} errors 错误, p95 {p95_ms:.0f} ms "
              f"({sizes.clients} clients 客户端)")
    return Outcome("3", "", figure, not errors and status == "done" and bool(lat), details)


# ---------------------------------------------------------------- main

LABELS = {"1": "kill -9 during import 导入中途强杀", "2": "cross-scope requests 越权请求",
          "3": "load during import 导入时负载"}
PROBES = {"1": probe_kills, "2": probe_web, "3": probe_load}


def run_probe(key: str, root: Path, sizes: Sizes) -> Outcome:
    """Run one probe in its own folder; an exception is a failed probe."""
    work = root / f"probe{key}"
    work.mkdir()
    t0 = time.perf_counter()
    try:
        outcome = PROBES[key](work, sizes)
    except Exception as exc:  # noqa: BLE001 - report and go on with the other probes
        outcome = Outcome(key, "", f"crashed 出错: {type(exc).__name__}: {exc}", False)
    outcome.label, outcome.seconds = LABELS[key], time.perf_counter() - t0
    shutil.rmtree(work, ignore_errors=True)
    return outcome


def print_table(outcomes: list[Outcome], sizes: Sizes, total: float) -> None:
    """The probes' figures as a short table, then the details."""
    print(f"\nkefu security probes 安全承诺探针 — {time.strftime('%Y-%m-%d %H:%M')}, "
          f"load average 负载 {os.getloadavg()[0]:.1f}, {total:.0f} s in all 共计")
    print("| # | probe 探针 | figure 结果 | pass 通过 |")
    print("| --- | --- | --- | --- |")
    for o in outcomes:
        print(f"| {o.key} | {o.label} | {o.figure} | {'yes 是' if o.ok else 'NO 否'} |")
    for o in outcomes:
        print(f"\n{o.key}. {o.label} ({o.seconds:.0f} s)")
        for line in o.details:
            print(f"   {line}")


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small data, 8 kills, 3 s of load (under 2 minutes)")
    ap.add_argument("--kills", type=int, help="kill moments of probe 1 (default 40, quick 8)")
    ap.add_argument("--clients", type=int, help="clients of probe 3 (default 20)")
    ap.add_argument("--seconds", type=float, help="seconds of load in probe 3 (default 10, quick 3)")
    ap.add_argument("--probes", default="123", help="which probes to run, e.g. 13")
    ap.add_argument("--nice", type=int, default=10, help="lower this process's CPU priority (0: leave it)")
    return ap.parse_args()


def main() -> int:
    args = parse_args()
    sizes = QUICK if args.quick else FULL
    overrides = {"kills": args.kills, "clients": args.clients, "seconds": args.seconds}
    sizes = dataclasses.replace(sizes, **{k: v for k, v in overrides.items() if v is not None})
    if args.nice:
        os.nice(args.nice)  # a shared machine: the children (kefu import, kefu serve) inherit it
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kefu-probes-") as tmp:
        outcomes = []
        for key in sorted(set(args.probes) & set(PROBES)):
            print(f"probe {key}: {LABELS[key]} …", flush=True)
            outcomes.append(run_probe(key, Path(tmp), sizes))
    print_table(outcomes, sizes, time.perf_counter() - t0)
    return 0 if outcomes and all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
