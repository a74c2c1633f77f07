"""Load check of `kefu serve` (run on demand, not in make test).

N clients on loopback read dashboards and API reports for a month of two demo shops (12 accounts) while an
upload of a third shop is imported in the background. Prints requests/s, latency percentiles and errors.

    .venv/bin/python bench/bench_web.py [--clients 10] [--seconds 20] [--days 30] [--buyers-per-day 100]
    .venv/bin/python bench/bench_web.py --db WAREHOUSE [--clients 1]   # reads only, on an existing warehouse
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kefu.config import Settings
from kefu.demo import generate_demo
from kefu.ingest import import_paths
from kefu.store import Warehouse
from kefu.web.auth import AuthStore, auth_path_for

SHOPS = ("山野户外旗舰店", "溪流数码专营店", "云杉家居旗舰店")
PASSWORD = "bench-password-1"
READS = ("/", "/agents?period=all", "/live", "/api/v1/report?period=week", "/api/v1/report?grain=shop_day",
         "/api/v1/live", "/agents?period=day&sort=avg_response_s")


def prepare(root: Path, days: int, buyers: int) -> tuple[Path, Path]:
    """A warehouse with two shops, a third shop's exports to upload, and an admin user."""
    for i, shop in enumerate(SHOPS):
        generate_demo(root / f"shop{i}", days=days, buyers_per_day=buyers, seed=11 + i, shop=shop)
    db = root / "bench.duckdb"
    with Warehouse.open(db) as wh:
        import_paths(wh, [root / "shop0", root / "shop1"], Settings())
    admin_user(db)
    return db, root / "shop2"


def admin_user(db: Path) -> None:
    """The bench's admin user in the warehouse's user store."""
    auth = AuthStore(auth_path_for(db))
    if "admin" not in {u.username for u in auth.users()}:
        auth.add_user("admin", PASSWORD, "admin")
    auth.close()


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    kefu = Path(sys.executable).with_name("kefu")
    proc = subprocess.Popen([str(kefu), "--db", str(db), "serve", "--port", str(port), "--live-interval", "2"],
                            stdin=subprocess.DEVNULL)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("server did not start")


def session(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60)
    r = client.post("/api/v1/session", json={"username": "admin", "password": PASSWORD})
    r.raise_for_status()
    return client, r.json()["csrf"]


def reader(base: str, stop: threading.Event, latencies: list[tuple[str, float]], errors: list[str],
           offset: int) -> None:
    client, _ = session(base)
    i = offset
    while not stop.is_set():
        url = READS[i % len(READS)]
        i += 1
        t0 = time.perf_counter()
        try:
            r = client.get(url)
            ok = r.status_code == 200
        except httpx.HTTPError as exc:
            ok, r = False, exc  # type: ignore[assignment]
        latencies.append((url, time.perf_counter() - t0))
        if not ok:
            errors.append(f"{url}: {r}")
    client.close()


def upload(base: str, folder: Path, result: dict[str, object]) -> None:
    client, csrf = session(base)
    files = [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]
    t0 = time.perf_counter()
    job = client.post("/api/v1/imports", files=files, headers={"X-CSRF-Token": csrf}).json()
    while job["status"] in ("queued", "running"):
        time.sleep(0.2)
        job = client.get(f"/api/v1/imports/{job['id']}").json()
    result.update(status=job["status"], seconds=time.perf_counter() - t0,
                  rows=sum(f["inserted"] for f in job["summary"]["files"]) if job["summary"] else 0)
    client.close()


@dataclass
class Load:
    """What the readers of one load run saw: (url, seconds) per request, errors, the upload's outcome, wall time."""

    latencies: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    imported: dict[str, object] = field(default_factory=dict)
    seconds: float = 0.0


def run_load(base: str, clients: int, seconds: float, upload_from: Path | None,
             until_imported: bool = False) -> Load:
    """clients readers for `seconds` while upload_from (if any) is imported; until_imported: also until it is done."""
    load, stop = Load(), threading.Event()
    readers = [threading.Thread(target=reader, args=(base, stop, load.latencies, load.errors, i))
               for i in range(clients)]
    uploader = threading.Thread(target=upload, args=(base, upload_from, load.imported)) if upload_from else None
    t0 = time.perf_counter()
    for t in readers:
        t.start()
    if uploader is not None:
        uploader.start()
    time.sleep(seconds)
    if uploader is not None and until_imported:
        uploader.join(600)
    stop.set()
    for t in readers:
        t.join()
    if uploader is not None:
        uploader.join()
    load.seconds = time.perf_counter() - t0
    return load


def p95(values: list[float]) -> float:
    """The 95th percentile of sorted values (nearest rank below)."""
    return values[int(0.95 * (len(values) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--buyers-per-day", type=int, default=100)
    ap.add_argument("--port", type=int, default=8731)
    ap.add_argument("--no-upload", action="store_true", help="read only, no import during the run")
    ap.add_argument("--db", type=Path, help="read an existing warehouse instead (no upload)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        if args.db:
            db, third, args.no_upload = args.db, Path(tmp), True
            admin_user(db)
        else:
            db, third = prepare(Path(tmp), args.days, args.buyers_per_day)
        proc = start_server(db, args.port)
        base = f"http://127.0.0.1:{args.port}"
        try:
            warm, _ = session(base)
            first: dict[str, float] = {}
            for url in READS:  # first computation of each report, as after a restart
                t0 = time.perf_counter()
                warm.get(url)
                first[url] = time.perf_counter() - t0
            load = run_load(base, args.clients, args.seconds, None if args.no_upload else third)
        finally:
            proc.terminate()
            proc.wait()
    latencies, errors, imported, elapsed = load.latencies, load.errors, load.imported, load.seconds
    lat = sorted(t for _, t in latencies)
    print(f"clients={args.clients} " + (f"warehouse={args.db}" if args.db else
          f"days={args.days} buyers/day/shop={args.buyers_per_day} shops=2 (+1 uploaded)"))
    print(f"requests={len(lat)} in {elapsed:.1f}s -> {len(lat) / elapsed:.1f} req/s; errors={len(errors)}")
    print(f"latency ms: p50={statistics.median(lat) * 1000:.0f} p95={p95(lat) * 1000:.0f} max={lat[-1] * 1000:.0f}")
    print(f"import during load: {imported.get('status')} in {imported.get('seconds', 0):.1f}s, "
          f"{imported.get('rows')} rows written")
    for url in READS:
        times = sorted(t for u, t in latencies if u == url)
        if times:
            print(f"  {url:45s} first={first[url] * 1000:.0f} ms p50={statistics.median(times) * 1000:.0f} ms "
                  f"p95={p95(times) * 1000:.0f} ms ({len(times)} requests)")
    for e in errors[:5]:
        print("error:", e)


if __name__ == "__main__":
    main()
