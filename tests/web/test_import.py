"""Uploads: background import one at a time while dashboards read; limits and bad files give clear errors."""
from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kefu.config import Settings
from kefu.ingest import import_paths
from kefu.store import Warehouse
from kefu.web.app import create_app
from kefu.web.context import WebConfig
from kefu.web.jobs import ImportJob
from kefu.web.uploads import UploadError, safe_name
from tests.conftest import SHARED
from tests.web.conftest import SHOP_A, SHOP_B, csrf_of, login, make_users

WAIT_S = 60  # upper bound for events, so a broken worker fails the test instead of hanging it


class Gate:
    """Lets a test hold an import inside its transaction until it says go."""

    def __init__(self) -> None:
        self.armed = False
        self.inside = threading.Event()
        self.go = threading.Event()

    def __call__(self, job: ImportJob) -> None:
        if self.armed:
            self.inside.set()
            assert self.go.wait(WAIT_S)


@pytest.fixture(scope="module")
def app_env(tmp_path_factory: pytest.TempPathFactory, demo_exports: dict[str, Path]) -> Iterator[dict[str, Any]]:
    """An app over a warehouse holding shop A only, with a 2 MB upload limit and a gate in its worker."""
    root = tmp_path_factory.mktemp("imp")
    with Warehouse.open(root / "shop.duckdb") as wh:
        import_paths(wh, [demo_exports[SHOP_A]], Settings())
    make_users(root / "users.sqlite")
    gate = Gate()
    app = create_app(WebConfig(root / "shop.duckdb", root / "users.sqlite", Settings(), root / "work",
                               max_upload_mb=2), progress_hook=gate)
    with TestClient(app):
        yield {"app": app, "gate": gate}


def client(env: dict[str, Any], user: str) -> tuple[TestClient, str]:
    c = TestClient(env["app"])
    login(c, user)
    return c, csrf_of(c)


def files_of(folder: Path) -> list[tuple[str, tuple[str, bytes]]]:
    return [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]


def finished(env: dict[str, Any], job_id: str) -> ImportJob:
    job: ImportJob = env["app"].state.parts.worker.jobs[job_id]
    assert job.finished.wait(WAIT_S)
    return job


def upload(c: TestClient, token: str, files: list[Any]) -> Any:
    return c.post("/api/v1/imports", files=files, headers={"X-CSRF-Token": token})


def shops_in_report(c: TestClient) -> set[str]:
    return {r["shop"] for r in c.get("/api/v1/report", params={"grain": "shop_day"}).json()["rows"]}


def test_dashboards_read_while_one_import_at_a_time_runs(app_env: dict[str, Any],
                                                         demo_exports: dict[str, Path]) -> None:
    admin, token = client(app_env, "admin")
    gate: Gate = app_env["gate"]
    assert shops_in_report(admin) == {SHOP_A}
    gate.armed = True
    first = upload(admin, token, files_of(demo_exports[SHOP_B]))
    assert first.status_code == 202
    try:
        assert gate.inside.wait(WAIT_S)  # the first import is now inside its write transaction
        accounts = (demo_exports[SHOP_B] / "accounts.csv").read_bytes()
        second = upload(admin, token, [("files", ("accounts.csv", accounts))])
        jobs = {j["id"]: j["status"] for j in admin.get("/api/v1/imports").json()}
        assert jobs[first.json()["id"]] == "running" and jobs[second.json()["id"]] == "queued"
        # Readers keep working on the last committed data (these specs are not cached: DuckDB reads now).
        rows = admin.get("/api/v1/report", params={"period": "all", "by": "group"}).json()["rows"]
        assert rows and {r["shop"] for r in rows} == {SHOP_A}
        explained = admin.get("/api/v1/explain", params={"metric": "inquiry_buyers", "day": "2026-11-02",
                                                          "shop": SHOP_A})
        assert explained.status_code == 200 and explained.json()["evidence"][0]["rows"]
        assert admin.get("/").status_code == 200
    finally:
        gate.armed = False
        gate.go.set()
    job = finished(app_env, first.json()["id"])
    assert job.status == "done" and job.summary is not None and job.summary.committed
    assert finished(app_env, second.json()["id"]).status == "done"
    assert shops_in_report(admin) == {SHOP_A, SHOP_B}
    page = admin.get(f"/import/{job.id}")
    assert "已写入仓库" in page.text and "messages.csv" in page.text


def test_rejected_rows_are_listed_with_file_line_column(app_env: dict[str, Any]) -> None:
    admin, token = client(app_env, "admin")
    text = ("account,shop,agent_name,group,kind\n"
            f"{SHOP_A}:新人,{SHOP_A},新人,售前,human\n"
            f"{SHOP_A}:坏行,{SHOP_A},坏行,售前,alien\n")
    r = upload(admin, token, [("files", ("accounts.csv", text.encode()))])
    job = finished(app_env, r.json()["id"])
    assert job.status == "done" and job.summary is not None and len(job.summary.rejections) == 1
    page = admin.get(f"/import/{job.id}").text
    assert "被拒绝的行" in page and "<td>accounts.csv</td><td>3</td><td>kind</td>" in page
    rejects = admin.get(f"/import/{job.id}/rejects.csv").content.decode("utf-8-sig")
    assert "kind" in rejects.splitlines()[1]


def test_zip_uploads_are_unpacked(app_env: dict[str, Any], demo_exports: dict[str, Path]) -> None:
    admin, token = client(app_env, "admin")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(demo_exports[SHOP_A].iterdir()):
            zf.write(p, f"导出/{p.name}")
    r = upload(admin, token, [("files", ("exports.zip", buf.getvalue()))])
    job = finished(app_env, r.json()["id"])
    assert job.status == "done" and {f.path.name for f in job.summary.files} >= {"messages.csv", "orders.csv"}
    assert all(f.inserted == 0 for f in job.summary.files)  # the same data again adds nothing


@pytest.mark.parametrize("name, content, message", [
    ("bomb.zip", "bomb", "压缩炸弹"),
    ("big.csv", b"a,b\n" + b"1,2\n" * 700_000, "超过 2 MB"),
    ("messages.csv", b"a,b\n" + b"x" * 1_500_000 + b"\n", "第 2 行超过 1 MB"),
    ("broken.zip", b"PK\x03\x04 not really a zip", "不是有效的 zip"),
])
def test_bad_uploads_get_a_clear_chinese_error(app_env: dict[str, Any], name: str, content: Any,
                                               message: str) -> None:
    if content == "bomb":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("messages.csv", b"\0" * 1_000_000)
        content = buf.getvalue()
    admin, token = client(app_env, "admin")
    before = len(app_env["app"].state.parts.worker.jobs)
    r = admin.post("/import", files=[("files", (name, content))], data={"csrf_token": token})
    assert r.status_code == 400 and message in r.text
    assert len(app_env["app"].state.parts.worker.jobs) == before


def test_unreadable_file_fails_clearly_without_crashing(app_env: dict[str, Any]) -> None:
    admin, token = client(app_env, "admin")
    garbage = bytes(range(256)) * 20
    r = upload(admin, token, [("files", ("orders.csv", garbage))])
    job = finished(app_env, r.json()["id"])
    assert job.status == "done" and job.summary is not None and not job.summary.ok
    assert admin.get(f"/import/{job.id}").status_code == 200


def test_manager_cannot_import_another_shops_data(app_env: dict[str, Any], demo_exports: dict[str, Path]) -> None:
    boss, token = client(app_env, "boss_a")
    before = TestClient(app_env["app"])
    login(before, "admin")
    counts = before.get("/api/v1/report", params={"grain": "shop_day", "period": "all"}).json()["rows"]
    r = upload(boss, token, files_of(demo_exports[SHOP_B]))
    job = finished(app_env, r.json()["id"])
    assert job.status == "failed" and "无权管理的店铺" in (job.error or "") and SHOP_B in (job.error or "")
    assert before.get("/api/v1/report", params={"grain": "shop_day", "period": "all"}).json()["rows"] == counts
    assert boss.get(f"/import/{job.id}").status_code == 200
    ya, ya_token = client(app_env, "ya")
    assert ya.get(f"/import/{job.id}").status_code == 404  # not their job
    assert upload(ya, ya_token, files_of(demo_exports[SHOP_A])).status_code == 403


def test_safe_names() -> None:
    long = safe_name("聊天记录" * 80 + ".csv")
    assert len(long.encode("utf-8")) <= 255 and long.endswith(".csv") and long.startswith("聊天记录")
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\exports\\聊天记录.csv") == "聊天记录.csv"
    with pytest.raises(UploadError):
        safe_name("../..")


REAL_ORDERS = SHARED / "data" / "real" / "tmall_order_report.csv"


@pytest.mark.skipif(not REAL_ORDERS.exists(), reason="real Tmall order report not present in ../shared/data/real")
def test_real_tmall_export_with_the_shop_option(app_env: dict[str, Any]) -> None:
    """Runs last in this module: the 2020 orders widen the warehouse's day range."""
    files = [("files", (REAL_ORDERS.name, REAL_ORDERS.read_bytes()))]
    boss, token = client(app_env, "boss_a")
    r = boss.post("/api/v1/imports", files=files, data={"shop": SHOP_B}, headers={"X-CSRF-Token": token})
    job = finished(app_env, r.json()["id"])
    assert job.status == "failed" and SHOP_B in (job.error or "")
    admin, token = client(app_env, "admin")
    bad = admin.post("/import", files=files, data={"csrf_token": token, "format": "nope"})
    assert bad.status_code == 400 and "未知格式" in bad.text
    r = admin.post("/api/v1/imports", files=files, data={"shop": "天猫店", "format": "tmall_orders"},
                   headers={"X-CSRF-Token": token})
    job = finished(app_env, r.json()["id"])
    assert job.status == "done" and job.summary is not None
    f = job.summary.files[0]
    assert (f.rows_read, f.inserted, f.rejected_count, f.error) == (28010, 28010, 0, None)


def test_an_upload_name_over_255_bytes_is_shortened_not_an_error(app_env: dict[str, Any],
                                                                  demo_exports: dict[str, Path]) -> None:
    admin, token = client(app_env, "admin")
    name = "订单报表" * 30 + "_orders.csv"
    r = upload(admin, token, [("files", (name, (demo_exports[SHOP_A] / "orders.csv").read_bytes()))])
    assert r.status_code in (200, 202), r.text
    job = finished(app_env, r.json()["id"])
    assert job.status == "done" and job.summary is not None and job.summary.ok
    assert len(job.files[0].encode("utf-8")) <= 255 and job.files[0].endswith(".csv")


def test_upload_errors_name_the_uploaded_files_never_a_server_path(app_env: dict[str, Any]) -> None:
    admin, token = client(app_env, "admin")
    work = str(app_env["app"].state.parts.worker.work_dir)
    unknown = upload(admin, token, [("files", ("weird.bin", b"\x00\x01\x02"))]).json()["id"]
    bad = upload(admin, token, [("files", ("orders.csv", b"order_id,shop\n1,a\n"))]).json()["id"]
    assert finished(app_env, unknown).status == "failed" and finished(app_env, bad).status == "done"
    for job_id in (unknown, bad):
        shown = admin.get(f"/api/v1/imports/{job_id}").text + admin.get(f"/import/{job_id}").text
        assert work not in shown and "kefu-uploads" not in shown
    assert "上传的文件中没有可识别的数据文件（weird.bin）" in admin.get(f"/api/v1/imports/{unknown}").json()["error"]
    (file,) = admin.get(f"/api/v1/imports/{bad}").json()["summary"]["files"]
    assert file["path"] == "orders.csv" and "缺少必需的列" in file["error"]
