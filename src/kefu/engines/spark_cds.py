"""A class-data-sharing archive for the Spark driver's JVM: Spark's classes mapped ready-made, not loaded anew.

Starting the driver and running its first queries loads and verifies tens of thousands of classes. Java 17 can
dump the classes one run loaded into an archive (-XX:ArchiveClassesAtExit) and map them from it in later runs
(-XX:SharedArchiveFile): about 7 s less for every Spark command on a 2-core machine (docs/spark.md). The first run
writes the archive under a name of its own, since the JVM writes it as it exits, after kefu has ended; a later run
that finds it settled (unchanged for half a minute) renames it into place. A JVM that cannot use an archive (another
Java, a damaged file) runs without one. It is off unless KEFU_SPARK_CDS=1: a JVM dumping as it exits, after a
command that printed JSON, was seen to write after that output (the cluster tests), so the dump belongs in a JVM
of its own before it can be on by default.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
import uuid
from pathlib import Path

SETTLED_S = 30.0  # a dump unchanged this long is finished: the JVM writes it in a second or two
QUIET = "-Xlog:cds*=off"  # the dump's warnings about classes it leaves out, and a mismatched archive's
SWITCH = "KEFU_SPARK_CDS"


def cache_dir() -> Path:
    """Where the archives live: $XDG_CACHE_HOME/kefu/spark-cds (~/.cache by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kefu" / "spark-cds"


def java_binary() -> str | None:
    """The java the launcher runs ($JAVA_HOME first), its real path."""
    home = os.environ.get("JAVA_HOME")
    found = str(Path(home, "bin", "java")) if home and Path(home, "bin", "java").exists() else shutil.which("java")
    return os.path.realpath(found) if found else None


def archive_key(spark: str, java: str) -> str:
    """A name for the archive of one Spark (its version and where its jars are) and one Java: the JVM maps an
    archive only for the class path and Java that wrote it, so another of either needs an archive of its own."""
    stamp = f"{spark}|{java}|{os.stat(java).st_mtime_ns}"
    return hashlib.sha256(stamp.encode()).hexdigest()[:16]


def java_options(spark: str, folder: Path | None = None, now: float | None = None) -> str:
    """The driver JVM's options that map the archive, or that write one when there is none yet ("" for neither)."""
    if os.environ.get(SWITCH) != "1":
        return ""
    java = java_binary()
    folder = folder or cache_dir()
    if java is None or any(c.isspace() for c in str(folder)):
        return ""  # the launcher splits its options at spaces
    key = archive_key(spark, java)
    archive = folder / f"{key}.jsa"
    if not archive.exists():
        settle(folder, key, time.time() if now is None else now)
    if archive.exists():
        return f"-XX:SharedArchiveFile={archive} {QUIET}"
    if any(folder.glob(f"{key}.*.part")):
        return ""  # another run's JVM is writing one
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return ""
    return f"-XX:ArchiveClassesAtExit={folder / f'{key}.{uuid.uuid4().hex}.part'} {QUIET}"


def settle(folder: Path, key: str, now: float) -> None:
    """Move a finished dump into place as the archive (the first of them, when several runs wrote one)."""
    for part in sorted(folder.glob(f"{key}.*.part")):
        try:
            if now - part.stat().st_mtime >= SETTLED_S:
                os.replace(part, folder / f"{key}.jsa")
                return
        except OSError:
            continue  # another run moved it first
