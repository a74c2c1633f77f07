"""Rerun the example commands of the README (and the docs named) and put their output under them: `make readme`.

Every ```text block whose lines start with `$ kefu` is a tour block. Its commands run in order, in one scratch
folder that already holds the demo shop of `make demo` (demo.duckdb, QC run included), so the README's
examples build on each other as a reader's session would. A command whose comment says 输出略 runs without its
output shown; an output the README elides with a line of `…` is cut the same way (see _elided). Blocks with commands
that need a person (passwords, the server), files of the reader's own (a question bank, exports) or a long run
(benchmarks) are left as they are, and the script names the ones it could not run.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
KEFU = str(Path(sys.executable).with_name("kefu"))
BLOCK = re.compile(r"```text\n(.*?)```", re.S)
LEFT_AS_THEY_ARE = ("users add", " serve", "bench", " exam ", "echo ")
PRELUDE = (["demo", "demo-shop"], ["--db", "demo.duckdb", "import", "demo-shop"],
           ["--db", "demo.duckdb", "qc", "run", "-o", "demo-qc.csv"])
WIDTH = "120"  # as wide as a README code block shows without scrolling


class _Failed(Exception):
    """A tour command that did not succeed here (its block is left as it is, and said so)."""


def _run(words: list[str], cwd: Path) -> str:
    """One kefu command's output (stdout and stderr as a terminal shows them), trailing blanks trimmed."""
    words = [w.replace("../shared", str(SHARED), 1) if w.startswith("../shared") else w for w in words]
    env = {**os.environ, "COLUMNS": WIDTH, "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run([KEFU, *words], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=600)
    if done.returncode != 0:
        raise _Failed(f"kefu {shlex.join(words)}: {done.stdout.strip().splitlines()[-1]}")
    return "\n".join(line.rstrip() for line in done.stdout.strip("\n").splitlines())


def _commands(line: str) -> list[list[str]]:
    """The kefu commands of a `$ …` line (joined by &&), without the leading `kefu`."""
    words = shlex.split(line[2:], comments=True)
    out: list[list[str]] = [[]]
    for word in words:
        if word == "&&":
            out.append([])
        else:
            out[-1].append(word)
    return [c[1:] for c in out if c and c[0] == "kefu"]


def _segments(block: str) -> list[tuple[str, list[str]]]:
    """A tour block as (command line, its output lines) pairs."""
    segments: list[tuple[str, list[str]]] = []
    for line in block.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            segments.append((line, []))
        elif segments:
            segments[-1][1].append(line)
    return segments


def _elided(new: list[str], old: list[str]) -> list[str]:
    """The new output cut where the old one was: old = head + [`…`] + tail keeps as many lines before the
    marker, and after it the part that starts with the old tail's first line, as long as the old tail."""
    marks = [i for i, line in enumerate(old) if line.strip() == "…"]
    if not marks:
        return new
    head, tail = old[:marks[0]], old[marks[0] + 1:]
    if not tail:
        return new[:len(head)] + [old[marks[0]]]
    start = new.index(tail[0]) if tail[0] in new else len(new) - len(tail)
    return new[:len(head)] + [old[marks[0]]] + new[start:start + len(tail)]


def _regenerated(block: str, cwd: Path) -> str:
    """A tour block with each command's current output."""
    out = []
    for line, old in _segments(block):
        out.append(line)
        shown = [_run(words, cwd) for words in _commands(line)]
        if "输出略" in line:
            continue
        out.extend(_elided("\n".join(s for s in shown if s).split("\n"), old))
    return "\n".join(out) + "\n"


def _is_tour(block: str) -> bool:
    lines = [line for line in block.split("\n") if line.startswith("$ ")]
    return bool(lines) and all(line.startswith("$ kefu") for line in lines) and not any(
        skip in line for line in lines for skip in LEFT_AS_THEY_ARE)


def main(readme: Path) -> None:
    """Rewrite readme's tour blocks in place."""
    text = readme.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        for words in PRELUDE:
            _run(words, cwd)
        pieces, last, changed = [], 0, 0
        for match in BLOCK.finditer(text):
            block = match.group(1)
            if not _is_tour(block):
                continue
            try:
                new = _regenerated(block, cwd)
            except _Failed as exc:  # e.g. a folder of the reader's own exports: the block stays, we say so
                print(f"未更新 / left as it is: {exc}")
                continue
            changed += new != block
            pieces += [text[last:match.start(1)], new]
            last = match.end(1)
        pieces.append(text[last:])
    readme.write_text("".join(pieces), encoding="utf-8")
    print(f"已更新 {changed} 段示例输出 / {changed} tour blocks changed: {readme}")


if __name__ == "__main__":
    for name in sys.argv[1:] or ["README.md"]:
        main(Path(name))
