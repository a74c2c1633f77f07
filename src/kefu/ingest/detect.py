"""Find the files to import and recognise each one's format: canonical name, header columns, or chat text layout."""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq

from kefu.ingest.chat_text import Layout, looks_like
from kefu.ingest.encoding import EncodingError, detect_encoding
from kefu.ingest.excel import EXCEL_SUFFIXES, ExcelError, read_sheet
from kefu.ingest.options import ImportOptions
from kefu.ingest.profiles import Profile, ProfileError, builtin_profiles, load_profile, parse_maps
from kefu.ingest.readers import SourceFile, recognise, sniff_delimiter
from kefu.ingest.summary import InputError
from kefu.schema import TABLES

_SAMPLE = 65536
_ORDER = {t.name: i for i, t in enumerate(TABLES)}


def candidate_profiles(options: ImportOptions) -> list[Profile]:
    """The profiles to try, the user's first, each with the --map pairs put before its own aliases."""
    maps = parse_maps(list(options.maps))
    profiles = ([load_profile(options.profile)] if options.profile else []) + list(builtin_profiles())
    return [p.with_maps(maps) for p in profiles]


def _text_head(path: Path, encoding: str | None) -> str:
    """The decoded start of a text file ('' when it is not text in any supported encoding)."""
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE)
    try:
        codec = encoding or detect_encoding(sample, partial=True)
        return codecs.getincrementaldecoder(codec)(errors="replace").decode(sample).lstrip("\ufeff")
    except (EncodingError, LookupError):
        return ""


def _header(path: Path, options: ImportOptions, head: str) -> list[str] | None:
    """The header row of a table-like file (Excel, Parquet, or CSV/TSV starting with head), else None."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        try:
            return read_sheet(path, options.sheet, limit=0, limits=options.workbook)[0]
        except ExcelError:
            return None
    if suffix == ".parquet":
        try:
            return list(pq.read_schema(path).names)
        except (OSError, ValueError):
            return None
    if not head.strip():
        return None
    delimiter = sniff_delimiter(head.encode("utf-8"))
    return next((row for row in csv.reader(io.StringIO(head), delimiter=delimiter) if row), None)


def identify(path: Path, options: ImportOptions, profiles: list[Profile]) -> SourceFile | None:
    """The SourceFile of path: by --format, a canonical file name, the best-matching header, or a chat layout."""
    def source(profile: Profile) -> SourceFile:
        return SourceFile(path, profile.table, profile, options.encoding, options.sheet, options.workbook)

    canonical = recognise(path)
    if canonical is not None:
        canonical = replace(canonical, encoding=options.encoding)
    if options.format:
        if options.format == "canonical":
            return canonical
        chosen = next((p for p in profiles if p.name == options.format), None)
        if chosen is None:
            names = ", ".join(["canonical", *(p.name for p in profiles)])
            raise InputError(f"未知格式 {options.format!r}，可用：{names}（见 kefu formats） / unknown format")
        return source(chosen)
    if canonical is not None:
        return canonical
    is_text = path.suffix.lower() not in (*EXCEL_SUFFIXES, ".parquet")
    head = _text_head(path, options.encoding) if is_text else ""
    header = _header(path, options, head)
    if header is not None and len(header) > 1:
        scored = [(p.recognises(header), -i, p) for i, p in enumerate(profiles)]
        score, _, best = max(scored, key=lambda s: (s[0], s[1]))
        if score:
            return source(best)
    if is_text:
        for profile in profiles:
            if profile.kind == "chat_text" and looks_like(head, Layout.of(profile)):
                return source(profile)
    return None


def _unknown(path: Path) -> InputError:
    """The error for a file named on the command line whose format is not recognised."""
    return InputError(
        f"无法识别文件格式: {path.name}（不是标准表文件名，表头也不符合任何已知格式；"
        f"用 kefu formats 查看格式，或用 --format / --map / --profile 指定） / unrecognised file format: {path.name}"
    )


def discover(paths: list[Path], options: ImportOptions | None = None) -> tuple[list[SourceFile], list[Path]]:
    """The files to import (folders searched recursively) and the folder files no format recognised."""
    options = options or ImportOptions()
    try:
        profiles = candidate_profiles(options)
    except ProfileError as exc:
        raise InputError(str(exc)) from None
    sources: list[SourceFile] = []
    skipped: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise InputError(f"找不到路径: {path} / path not found: {path}")
        if path.is_file():
            found = identify(path, options, profiles)
            if found is None:
                raise _unknown(path)
            sources.append(found)
            continue
        in_folder: list[SourceFile] = []
        named: dict[tuple[Path, str], Path] = {}
        for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
            found = identify(child, options, profiles)
            if found is None:
                skipped.append(child)
                continue
            key = (child.parent, found.table.name)
            if found.profile is None and key in named:
                raise InputError(
                    f"文件夹 {child.parent} 中 {found.table.name} 表有两个文件: {named[key].name}"
                    f" 和 {child.name}，请只保留一个 / two files for table {found.table.name} in {child.parent}"
                )
            if found.profile is None:
                named[key] = child
            in_folder.append(found)
        if not in_folder:
            seen = "、".join(p.name for p in skipped if p.is_relative_to(path))
            raise InputError(f"文件夹 {path} 中没有可识别的数据文件{f'（{seen}）' if seen else ''}"
                             f" / no data files recognised in folder {path}")
        # Contract order (accounts before messages) whatever the folder listing says, then by path.
        sources.extend(sorted(in_folder, key=lambda s: (_ORDER[s.table.name], str(s.path))))
    return sources, skipped
