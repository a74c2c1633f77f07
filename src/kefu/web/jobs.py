"""Background imports: one worker thread takes upload jobs one at a time (DuckDB has a single writer)."""
from __future__ import annotations

import datetime as dt
import os
import queue
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kefu.config import Settings
from kefu.ingest import ImportOptions, ImportSummary, import_paths
from kefu.qc import load_rules
from kefu.qc.runner import run_qc
from kefu.store import DISK_FULL, Warehouse, WarehouseBusy, is_disk_full
from kefu.web.access import Scope
from kefu.web.service import WebWarehouse

ProgressHook = Callable[["ImportJob"], None]


@dataclass
class ImportJob:
    """One upload being imported: its state, progress, and the importer's summary once done."""

    id: str
    username: str
    folder: Path
    files: list[str]
    status: str = "queued"  # queued | running | done | failed
    current: str = ""
    done_rows: int = 0
    total_rows: int = 0
    files_done: int = 0
    error: str | None = None
    summary: ImportSummary | None = None
    kind: str = "import"  # import | qc
    qc_range: tuple[dt.date | None, dt.date | None] = (None, None)
    note: str = ""  # what a finished QC run found
    created_at: str = ""  # the shop's wall clock when queued
    scope: Scope | None = field(default=None, repr=False)
    options: ImportOptions = field(default_factory=ImportOptions, repr=False)
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    STATUS_ZH = {"queued": "排队中", "running": "导入中", "done": "完成", "failed": "失败"}

    @property
    def status_zh(self) -> str:
        return self.STATUS_ZH[self.status]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the summary is the importer's own)."""
        return {"id": self.id, "username": self.username, "files": self.files, "status": self.status,
                "status_zh": self.status_zh, "current": self.current, "done_rows": self.done_rows,
                "total_rows": self.total_rows, "files_done": self.files_done, "error": self.error,
                "created_at": self.created_at, "kind": self.kind, "note": self.note,
                "summary": _as_uploaded_all(self.summary.to_dict(), self.folder) if self.summary else None}


def as_uploaded(text: str, folder: Path) -> str:
    """A message as the uploader reads it: the files by the names they uploaded, never the server's folder."""
    return (text.replace(f"文件夹 {folder} 中", "上传的文件中").replace(f"in folder {folder}", "in the upload")
            .replace(f"{folder}{os.sep}", "").replace(str(folder), "（上传）"))


def _as_uploaded_all(value: Any, folder: Path) -> Any:
    """as_uploaded over every string of a JSON-ready value."""
    if isinstance(value, str):
        return as_uploaded(value, folder)
    if isinstance(value, dict):
        return {k: _as_uploaded_all(v, folder) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_uploaded_all(v, folder) for v in value]
    return value


class ImportWorker:
    """A queue of import jobs and the single thread that runs them against the warehouse."""

    def __init__(self, store: WebWarehouse, work_dir: Path, progress_hook: ProgressHook | None = None) -> None:
        self.store = store
        self.work_dir = work_dir
        self.progress_hook = progress_hook  # tests pause an import mid-transaction through it
        self.jobs: dict[str, ImportJob] = {}
        self._queue: queue.Queue[ImportJob | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="kefu-import", daemon=True)
        self._thread.start()

    def new_folder(self) -> tuple[str, Path]:
        """A fresh job id and the folder its uploads go to."""
        job_id = uuid.uuid4().hex[:12]
        folder = self.work_dir / job_id
        folder.mkdir(parents=True)
        return job_id, folder

    def submit(self, job_id: str, folder: Path, paths: list[Path], scope: Scope,
               options: ImportOptions | None = None) -> ImportJob:
        """Queue the files of an upload for import on behalf of a user (options as `kefu import` takes them)."""
        job = ImportJob(job_id, scope.user.username, folder, [p.name for p in paths], scope=scope,
                        options=options or ImportOptions(), created_at=self._now())
        with self._lock:
            self.jobs[job.id] = job
        self._queue.put(job)
        return job

    def submit_qc(self, scope: Scope, day_from: dt.date | None, day_to: dt.date | None) -> ImportJob:
        """Queue a QC run with the shipped rules; it writes findings, so it waits its turn like an import."""
        job_id, folder = self.new_folder()
        job = ImportJob(job_id, scope.user.username, folder, ["质检"], scope=scope, kind="qc",
                        qc_range=(day_from, day_to), created_at=self._now())
        with self._lock:
            self.jobs[job.id] = job
        self._queue.put(job)
        return job

    def _now(self) -> str:
        return self.store.now().isoformat(" ", "seconds")

    def visible(self, scope: Scope) -> list[ImportJob]:
        """Jobs a user may look at (admins: all; others: their own), newest first."""
        with self._lock:
            jobs = list(self.jobs.values())
        mine = [j for j in jobs if scope.user.role == "admin" or j.username == scope.user.username]
        return sorted(mine, key=lambda j: j.created_at, reverse=True)

    def stop(self) -> None:
        """Finish the running job, then end the worker thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            job.status = "running"
            try:
                self._qc(job) if job.kind == "qc" else self._import(job)
                job.status = "done"
            except WarehouseBusy as exc:
                job.status, job.error = "failed", exc.web_text
            except Exception as exc:  # any failure belongs to this job only; the worker goes on
                error = f"{DISK_FULL}（{exc}）" if is_disk_full(exc) else str(exc)
                job.status, job.error = "failed", as_uploaded(error, job.folder)
            finally:
                shutil.rmtree(job.folder, ignore_errors=True)
                job.finished.set()

    def _progress(self, job: ImportJob) -> Callable[[Path, int, int], None]:
        def on_progress(file: Path, done: int, total: int) -> None:
            if file.name != job.current:
                if job.current:
                    job.files_done += 1
                job.current = file.name
            job.done_rows, job.total_rows = done, total
            if self.progress_hook is not None:
                self.progress_hook(job)
        return on_progress

    def _qc(self, job: ImportJob) -> None:
        job.current = "质检"
        _run_qc(self.store, job)
        job.current = "更新报表缓存"
        self.store.data_changed()

    def _import(self, job: ImportJob) -> None:
        settings = self.store.settings
        assert job.scope is not None
        if job.scope.shops is not None:
            _check_shops(job.folder, job.scope, self.store.account_shops(), settings, job.options)
        with self.store.writing() as wh:
            job.summary = import_paths(wh, [job.folder], settings, options=job.options, progress=self._progress(job))
        job.files_done = len(job.summary.files)
        if job.summary.committed:
            job.current = "更新报表缓存"
            self.store.data_changed()


def _run_qc(store: WebWarehouse, job: ImportJob) -> None:
    """Run the shipped QC rules over the job's day range, the warehouse held read-write meanwhile."""
    with store.writing() as wh:
        run = run_qc(wh.con, store.settings, load_rules(), day_from=job.qc_range[0], day_to=job.qc_range[1])
    job.note = (f"质检 {run.run_id}：{run.scope.day_from}~{run.scope.day_to}，{len(run.rules.rules)} 条规则，"
                f"{run.messages:,} 条消息，发现 {len(run.findings):,} 条")


def _check_shops(folder: Path, scope: Scope, known: dict[str, str], settings: Settings,
                 options: ImportOptions) -> None:
    """A manager may import only their shops' data: stage the files in memory and look before writing."""
    with Warehouse.open(":memory:") as staging:
        import_paths(staging, [folder], settings, options=options, keep_facts=False)
        shops = set(staging.shops())
        staged = dict(staging.con.execute("SELECT account, shop FROM accounts").fetchall())
        for (account,) in staging.con.execute("SELECT DISTINCT account FROM presence").fetchall():
            shops.add(staged.get(account) or known.get(account) or f"（未知账号 {account}）")
    outside = sorted(s for s in shops if not scope.allows_shop(s))
    if outside:
        raise PermissionError(f"上传的数据含有你无权管理的店铺：{'、'.join(outside)}；未写入任何数据"
                              f" / the upload holds shops outside your grants; nothing was written")
