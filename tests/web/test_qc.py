"""质检: admins queue a QC run through the single writer; findings are listed and scoped like every other page."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

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


def test_managers_review_findings_of_their_shops_and_scores_follow(web: Callable[[str], TestClient]) -> None:
    admin = web("admin")
    r = admin.post("/qc/run", data={"csrf_token": csrf_of(admin)}, follow_redirects=False)
    job = web.app.state.parts.worker.jobs[r.headers["location"].rsplit("/", 1)[1]]  # type: ignore[attr-defined]
    assert job.finished.wait(WAIT_S) and job.status == "done", job.error
    boss = web("boss_a")
    mine = boss.get("/api/v1/qc").json()["rows"]
    target = next(f for f in mine if f["points"] > 0)
    before = boss.get("/api/v1/report", params={"account": target["account"], "period": "all"}).json()["rows"][0]
    theirs = next(f for f in admin.get("/api/v1/qc").json()["rows"] if f["shop"] == SHOP_B)
    form = {"csrf_token": csrf_of(boss), "decision": "dismissed", "back": "category=x"}
    # Another shop's finding reads as unknown; agents cannot review; a forged token is refused.
    assert boss.post("/qc/review", data={**form, "finding_id": theirs["finding_id"]}).status_code == 404
    ya = web("ya")
    assert ya.post("/qc/review", data={**form, "csrf_token": csrf_of(ya),
                                       "finding_id": target["finding_id"]}).status_code == 403
    assert boss.post("/qc/review", data={**form, "csrf_token": "forged",
                                         "finding_id": target["finding_id"]}).status_code == 403
    done = boss.post("/qc/review", data={**form, "finding_id": target["finding_id"]}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/qc?category=x"
    assert [f["finding_id"] for f in boss.get("/api/v1/qc", params={"decision": "dismissed"}).json()["rows"]] == [
        target["finding_id"]]
    after = boss.get("/api/v1/report", params={"account": target["account"], "period": "all"}).json()["rows"][0]
    assert after["qc_findings"] == before["qc_findings"] - 1
    assert "驳回" in boss.get("/qc", params={"decision": "dismissed"}).text
