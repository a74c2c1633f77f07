"""`kefu serve` and the CLI side by side: the server reads the file shared, writes hold it only while they run."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kefu.cli import app
from kefu.config import Settings
from kefu.metrics.compile import ReportSpec
from kefu.store import WarehouseBusy, read_meta
from kefu.web.app import create_app
from kefu.web.context import WebConfig
from kefu.web.service import WebWarehouse
from tests.web.conftest import SHOP_A, login, make_users

# A process that opens the file the way it is told, says so, and holds it until its stdin closes.
HOLDER = ("import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro'); "
          "print('open', flush=True); sys.stdin.read()")


@contextmanager
def _held(path: Path, mode: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the warehouse read-only ('ro') or read-write ('rw')."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "open", proc.stderr
        yield proc
    finally:
        proc.communicate(timeout=60)


@pytest.fixture
def db(tmp_path: Path, two_shop_db: Path) -> Path:
    path = tmp_path / "shop.duckdb"
    shutil.copy(two_shop_db, path)
    return path


def _kefu(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A kefu command in a process of its own (file locks are held per process)."""
    return subprocess.run([sys.executable, "-c", "from kefu.cli import run; run()", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=300)


def test_read_commands_run_while_the_server_holds_the_warehouse(db: Path, tmp_path: Path,
                                                                demo_exports: dict[str, Path]) -> None:
    store = WebWarehouse(db, Settings())
    try:
        assert store.report(ReportSpec(grain="shop_day", period="all")).rows
        report = _kefu(db, "report", "--grain", "shop_day", "--format", "json")
        assert report.returncode == 0, report.stderr
        assert SHOP_A in report.stdout
        html = _kefu(db, "html", "-o", str(tmp_path / "r.html"))
        assert html.returncode == 0, html.stderr
        assert (tmp_path / "r.html").stat().st_size > 0
        # A command that writes still cannot: it names the process holding the file and what to do.
        imported = _kefu(db, "import", str(demo_exports[SHOP_A]))
        assert imported.returncode != 0
        assert f"PID {os.getpid()}" in imported.stderr
        assert "请在网页上操作" in imported.stderr and "Traceback" not in imported.stderr
    finally:
        store.close()


def test_a_read_command_names_the_writer_that_holds_the_file(db: Path) -> None:
    with _held(db, "rw") as writer:
        result = CliRunner().invoke(app, ["--db", str(db), "report", "--grain", "shop_day"])
    assert result.exit_code == 1
    assert f"PID {writer.pid}" in result.output and "完成后再试" in result.output
    assert "损坏" not in result.output


def test_an_import_waits_for_another_reader_then_names_it(db: Path) -> None:
    store = WebWarehouse(db, Settings(), write_wait_s=0)
    try:
        with _held(db, "ro") as reader:
            with pytest.raises(WarehouseBusy, match=f"PID {reader.pid}"):
                with store.writing():
                    pass  # never reached: the switch to read-write is refused
            # The server still reads after the refused switch.
            assert store.shops() == sorted(store.shops()) and SHOP_A in store.shops()
        with store.writing() as wh:
            wh.con.execute("INSERT OR REPLACE INTO kefu_meta VALUES ('side_by_side', 'written')")
        with store.reader() as cur:
            assert read_meta(cur, "side_by_side") == "written"
        # Back to shared reading: another process can read the file again.
        with _held(db, "ro"):
            pass
    finally:
        store.close()


def test_readers_see_the_last_commit_while_an_import_writes(db: Path) -> None:
    store = WebWarehouse(db, Settings())
    try:
        with store.writing() as wh:
            wh.con.begin()
            wh.con.execute("INSERT OR REPLACE INTO kefu_meta VALUES ('pending', 'yes')")
            with store.reader() as cur:
                assert read_meta(cur, "pending") is None
            wh.con.commit()
            with store.reader() as cur:
                assert read_meta(cur, "pending") == "yes"
    finally:
        store.close()


def test_a_web_import_blocked_by_another_reader_fails_without_server_paths(
        db: Path, tmp_path: Path, demo_exports: dict[str, Path]) -> None:
    make_users(tmp_path / "users.sqlite")
    web_app = create_app(WebConfig(db, tmp_path / "users.sqlite", Settings(), tmp_path / "work"))
    web_app.state.parts.store.write_wait_s = 0
    with TestClient(web_app) as admin, _held(db, "ro") as reader:
        token = login(admin, "admin")
        files = [("files", (p.name, p.read_bytes())) for p in sorted(demo_exports[SHOP_A].iterdir())]
        response = admin.post("/api/v1/imports", files=files, headers={"X-CSRF-Token": token})
        assert response.status_code == 202
        job = web_app.state.parts.worker.jobs[response.json()["id"]]
        assert job.finished.wait(60)
        assert job.status == "failed" and f"PID {reader.pid}" in job.error
        assert str(tmp_path) not in job.error and str(db) not in job.error
        # Pages still read while the other process holds the file.
        assert admin.get("/api/v1/report", params={"grain": "shop_day"}).json()["rows"]
