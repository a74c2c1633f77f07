"""导入: upload exports, import them in the background worker, show progress, summary and rejected rows."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from kefu.ingest import ImportOptions, write_rejects
from kefu.ingest.profiles import builtin_profiles
from kefu.web.context import Ctx
from kefu.web.deps import CtxDep, check_csrf, render
from kefu.web.jobs import ImportJob
from kefu.web.tables import attachment
from kefu.web.uploads import UploadError, save_uploads
from kefu.workbook_limits import WorkbookLimits

router = APIRouter(include_in_schema=False)
MAX_FILES = 50
SHOWN_REJECTIONS = 200


def _may_import(ctx: Ctx) -> None:
    if not ctx.scope.can_import:
        raise HTTPException(403, "客服账号不能导入数据，请联系店长 / agents cannot import")


async def start_import(ctx: Ctx, request: Request) -> ImportJob:
    """Read a multipart upload within the size limit, save it safely and queue its import."""
    _may_import(ctx)
    limit = ctx.parts.config.max_upload_mb << 20
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + (1 << 20):
        raise UploadError(f"上传内容超过 {ctx.parts.config.max_upload_mb} MB 上限 / upload too large")
    form = await request.form(max_files=MAX_FILES, max_fields=20)
    check_csrf(ctx, str(form.get("csrf_token") or "") or None)
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    job_id, folder = ctx.parts.worker.new_folder()
    try:
        paths = save_uploads([(f.filename or "", f.file) for f in uploads], folder, limit)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return ctx.parts.worker.submit(job_id, folder, paths, ctx.scope, _options(form, ctx.parts.config.max_upload_mb))


def workbook_limits(max_upload_mb: int) -> WorkbookLimits:
    """What an uploaded workbook may unpack to: ten times the upload limit, 20,000 rows a megabyte of it."""
    return WorkbookLimits(max_mb=min(WorkbookLimits.max_mb, 10 * max_upload_mb),
                          max_rows=min(WorkbookLimits.max_rows, 20_000 * max_upload_mb))


def _options(form: Any, max_upload_mb: int) -> ImportOptions:
    """The import options of the form (empty fields: detect, as `kefu import` does)."""
    def text(name: str) -> str | None:
        value = form.get(name)
        return value.strip() or None if isinstance(value, str) else None

    fmt = text("format")
    if fmt is not None and fmt not in {p.name for p in builtin_profiles()}:
        raise UploadError(f"未知格式 {fmt} / unknown format")
    return ImportOptions(format=fmt, shop=text("shop"), account=text("account"), encoding=text("encoding"),
                         workbook=workbook_limits(max_upload_mb))


def visible_job(ctx: Ctx, job_id: str) -> ImportJob:
    """A job the user may look at, else 404."""
    for job in ctx.parts.worker.visible(ctx.scope):
        if job.id == job_id:
            return job
    raise HTTPException(404, "没有这个导入任务 / no such import")


@router.get("/import")
def import_page(ctx: CtxDep) -> Response:
    _may_import(ctx)
    return _form(ctx, "")


def _form(ctx: Ctx, error: str, status: int = 200) -> Response:
    shops = ctx.scope.visible_shops(ctx.store.shops()) if ctx.scope.shops is None else sorted(ctx.scope.shops)
    return render(ctx, ctx.request, "import.html", status, jobs=ctx.parts.worker.visible(ctx.scope), error=error,
                  limit_mb=ctx.parts.config.max_upload_mb, formats=builtin_profiles(), shops=shops)


@router.post("/import")
async def import_upload(request: Request, ctx: CtxDep) -> Response:
    try:
        job = await start_import(ctx, request)
    except UploadError as exc:
        return _form(ctx, str(exc), 400)
    return RedirectResponse(f"/import/{job.id}", status_code=303)


@router.get("/import/{job_id}")
def import_job(job_id: str, ctx: CtxDep) -> Response:
    job = visible_job(ctx, job_id)
    rejections = job.summary.rejections[:SHOWN_REJECTIONS] if job.summary else []
    return render(ctx, ctx.request, "import_job.html", job=job, rejections=rejections, shown=SHOWN_REJECTIONS)


@router.get("/import/{job_id}/rejects.csv")
def import_rejects(job_id: str, ctx: CtxDep) -> Response:
    """The rejected rows of a finished import, as the CLI's --rejects file."""
    job = visible_job(ctx, job_id)
    if job.summary is None:
        raise HTTPException(404, "导入尚未完成 / the import has not finished")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rejects.csv"
        write_rejects(job.summary, path, ctx.store.settings.csv_escape_formulas)
        return attachment(path.read_bytes(), f"kefu-rejects-{job.id}.csv", "text/csv; charset=utf-8")
