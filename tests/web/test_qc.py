"""质检: admins queue a QC run through the single writer; findings are listed and scoped like every other page."""
from __future__ import annotations

import datetime as dt
import re
from typing import Callable

from fastapi.testclient import TestClient

from kefu.qc import findings
from tests.web.conftest import SHOP_A, SHOP_B, XIAOYA, csrf_of

WAIT_S = 120


def test_qc_run_then_findings_per_role(web: Callable[[str], TestClient]) -> None:
    admin = web("admin")
    assert admin.get("/api/v1/qc").json()["rows"] == []
    boss = web("boss_a")
    assert boss.post("/qc/run", data={"csrf_token": csrf_of(boss)}).status_code == 403
    assert admin.post("/qc/run", data={"csrf_token": "forged"}).status_code == 403
    r = admin.post("/qc/run", data={"csrf_token": csrf_of(admin)}, follow_redirects=False)
    job_id = re.fullmatch(r"/import/(\w+)", r.headers["location"]).group(1)  # type: ignore[union-attr]
    job = web.app.state.parts.worker.jobs[job_id]  # type: ignore[attr-defined]
    assert job.finished.wait(WAIT_S) and job.status == "done", job.error
    assert "发现" in admin.get(f"/import/{job_id}").text

    everything = admin.get("/api/v1/qc").json()["rows"]
    assert {r["shop"] for r in everything} == {SHOP_A, SHOP_B}
    with web.app.state.parts.store.reader() as cur:  # type: ignore[attr-defined]
        stored = findings(cur)
    assert everything[0]["ts"] == str(stored[0]["ts"] + dt.timedelta(hours=8))  # shown in Asia/Shanghai time
    mine = boss.get("/api/v1/qc").json()["rows"]
    assert mine == [r for r in everything if r["shop"] == SHOP_A]
    ya = web("ya").get("/api/v1/qc", params={"mask": "false"}).json()["rows"]
    assert ya and {r["account"] for r in ya} == {XIAOYA} and all("***" in r["buyer"] for r in ya)
    severe = admin.get("/api/v1/qc", params={"severity": "严重"}).json()["rows"]
    assert severe and {r["severity"] for r in severe} == {"严重"}
    page = web("ya").get("/qc").text
    assert "小王" not in page and "运行质检" not in page
    # The run's scores reach the report through the cache that the worker refreshed.
    rows = admin.get("/api/v1/report", params={"account": XIAOYA}).json()["rows"]
    assert all(r["qc_score"] is not None for r in rows)
