"""Uploaded files onto disk safely: size limits, zip archives unpacked with bomb checks, overlong lines refused."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO, BinaryIO

CHUNK = 1 << 20
MAX_LINE_BYTES = 1 << 20  # a CSV line longer than 1 MB is no chat log, order or refund row
MAX_ZIP_MEMBERS = 200
MAX_ZIP_RATIO = 200  # real exports compress ~10x; far beyond that is a zip bomb
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


class UploadError(ValueError):
    """An upload is refused (Chinese message naming the file)."""


MAX_NAME_BYTES = 255


def safe_name(name: str) -> str:
    """A file name without any folder part or characters a file system would mind."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f<>:\"|?*]", "_", base).strip(" .")
    if not base:
        raise UploadError(f"文件名无效：{name!r} / invalid file name")
    if len(base.encode("utf-8")) > MAX_NAME_BYTES:  # file systems refuse longer names: keep the suffix
        stem, dot, suffix = base.rpartition(".")
        tail = f"{dot}{suffix}" if dot and len(suffix) <= 16 else ""
        head = (stem if tail else base).encode("utf-8")[: MAX_NAME_BYTES - len(tail.encode("utf-8"))]
        base = head.decode("utf-8", "ignore") + tail
    return base


class _Budget:
    """Bytes still allowed for one upload (every file and every unpacked member counts)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, n: int, name: str) -> None:
        self.left -= n
        if self.left < 0:
            mb = self.limit / (1 << 20)
            raise UploadError(f"{name}：上传内容超过 {mb:.0f} MB 上限 / upload larger than {mb:.0f} MB")


def _copy(src: IO[bytes], dest: Path, budget: _Budget, display: str) -> None:
    """Stream src into dest under the budget; text files may not hold an overlong line."""
    check_lines = dest.suffix.lower() in _TEXT_SUFFIXES
    line_no, line_len = 1, 0
    with dest.open("wb") as out:
        while chunk := src.read(CHUNK):
            budget.take(len(chunk), display)
            if check_lines:
                for piece in chunk.split(b"\n")[:-1]:
                    if line_len + len(piece) > MAX_LINE_BYTES:
                        raise UploadError(f"{display} 第 {line_no} 行超过 1 MB，不像导出的数据行"
                                          f" / line {line_no} is longer than 1 MB")
                    line_no, line_len = line_no + 1, 0
                line_len += len(chunk) - (chunk.rfind(b"\n") + 1)
                if line_len > MAX_LINE_BYTES:
                    raise UploadError(f"{display} 第 {line_no} 行超过 1 MB，不像导出的数据行"
                                      f" / line {line_no} is longer than 1 MB")
            out.write(chunk)


def _unzip(archive: Path, dest: Path, budget: _Budget) -> list[Path]:
    """Unpack a zip's files (flattened, names made safe) under the budget, refusing bombs."""
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise UploadError(f"{archive.name} 不是有效的 zip 压缩包 / not a valid zip archive") from None
    out: list[Path] = []
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")]
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadError(f"{archive.name} 含 {len(members)} 个文件，超过 {MAX_ZIP_MEMBERS} 个上限"
                              f" / too many files in the archive")
        for m in members:
            display = f"{archive.name}/{m.filename}"
            if m.compress_size and m.file_size / m.compress_size > MAX_ZIP_RATIO:
                raise UploadError(f"{display} 压缩比异常（疑似压缩炸弹），已拒绝 / suspicious compression ratio")
            if m.flag_bits & 0x1:
                raise UploadError(f"{display} 已加密，请上传未加密的压缩包 / encrypted archive member")
            target = dest / safe_name(m.filename)
            if target.exists():
                raise UploadError(f"{archive.name} 中有重名文件 {target.name} / duplicate file name")
            try:
                with zf.open(m) as src:
                    _copy(src, target, budget, display)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise UploadError(f"{display} 无法解压：{exc} / cannot unpack") from None
            out.append(target)
    archive.unlink()
    return out


def save_uploads(files: list[tuple[str, BinaryIO]], dest: Path, max_bytes: int) -> list[Path]:
    """Write uploaded (name, stream) pairs into dest, unpacking zips; every byte counts against max_bytes."""
    if not files:
        raise UploadError("请选择要上传的文件 / no file chosen")
    dest.mkdir(parents=True, exist_ok=True)
    budget = _Budget(max_bytes)
    saved: list[Path] = []
    for name, stream in files:
        target = dest / safe_name(name)
        if target.exists():
            raise UploadError(f"重复的文件名 {target.name} / duplicate file name")
        _copy(stream, target, budget, target.name)
        if target.suffix.lower() == ".zip":
            saved.extend(_unzip(target, dest, budget))
        else:
            saved.append(target)
    return saved
