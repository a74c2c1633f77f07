"""Which process holds a warehouse file, said so a user knows what to do (DuckDB: one writer or many readers)."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

# DuckDB's words when another process holds the file: "... Conflicting lock is held in EXE (PID 123) ...".
_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)")
_LONGEST_COMMAND = 120


def command_of(pid: int, fallback: str = "") -> str:
    """A process's command line, shortened to start at `kefu` when it is a kefu command (Linux /proc)."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return fallback
    words = [w for w in words if w]
    starts = [i for i, w in enumerate(words) if Path(w).name == "kefu"]
    if starts:
        words = ["kefu", *words[starts[0] + 1:]]
    elif words:
        words[0] = Path(words[0]).name
    text = " ".join(words) or fallback
    return text if len(text) <= _LONGEST_COMMAND else text[:_LONGEST_COMMAND - 1] + "…"


def holder(exc: BaseException) -> tuple[int, str] | None:
    """The process holding the lock as (PID, command), or None when exc is not a lock conflict."""
    match = _HOLDER.search(str(exc)) if isinstance(exc, duckdb.Error) else None
    if match is None:
        return None
    pid = int(match["pid"])
    return pid, command_of(pid, Path(match["exe"]).name)


def busy_message(path: Path, who: tuple[int, str], *, to_write: bool) -> str:
    """What a user reads when the warehouse is held elsewhere (to_write: this process asked to write)."""
    pid, command = who
    if to_write:
        zh = ("读命令（report、html、export、explain、lost、score）可以与它同时运行；要写入（导入、重建、质检），"
              "请在网页上操作（kefu serve 运行时），或等它结束（或停止它）后再试")
        en = ("read commands (report, html, export, explain, lost, score) run beside it; to write (import, "
              "rebuild, qc run) use the web app while kefu serve runs, or try again once it has ended")
    else:
        zh = "它正在写入（导入、重建或质检），完成后再试"
        en = "it is writing (import, rebuild or qc run): try again when it has finished"
    return (f"数据仓库 {path} 正被另一个进程占用（PID {pid}：{command}）：{zh}"
            f" / warehouse {path} is held by another process (PID {pid}: {command}): {en}")


def web_busy_message(pid: int, *, to_write: bool) -> str:
    """The same news for a web user: no server path or command line, only what to do."""
    if to_write:
        return (f"数据仓库正被服务器之外的一个进程读取（PID {pid}），等待后仍未释放，这次导入没有执行；稍后重新上传"
                f" / the warehouse is held by another process (PID {pid}); nothing was imported, upload again later")
    return (f"数据仓库正被服务器之外的一个进程写入（PID {pid}），写完后刷新页面即可"
            f" / the warehouse is being written by another process (PID {pid}); reload when it has finished")
