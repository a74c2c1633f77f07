"""A write that finds the disk full (here: a file size limit) is one clear line, and the warehouse stays as it was."""
from __future__ import annotations

import errno
import resource
import subprocess
import sys
from pathlib import Path

import duckdb

from kefu.demo import generate_demo
from kefu.store import DISK_FULL, Warehouse, is_disk_full

KEFU = [sys.executable, "-c", "from kefu.cli import run; run()"]


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))


def test_an_import_hitting_a_full_disk_says_so_and_changes_nothing(tmp_path: Path) -> None:
    generate_demo(tmp_path / "shop")
    db = tmp_path / "kefu.duckdb"
    with Warehouse.open(db) as wh:
        before = wh.counts()
    done = subprocess.run(KEFU + ["--db", str(db), "import", str(tmp_path / "shop")], preexec_fn=_limit_file_size,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert DISK_FULL.split("。")[0] in done.stderr and "Traceback" not in done.stderr + done.stdout
    with Warehouse.open(db) as wh:
        assert wh.counts() == before


def test_disk_full_is_told_apart_from_other_errors() -> None:
    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert is_disk_full(duckdb.IOException('Could not write file "kefu.duckdb.wal": File too large'))
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(duckdb.IOException("Could not set lock on file"))
