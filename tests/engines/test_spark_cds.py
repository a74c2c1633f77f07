"""The driver JVM's class-data-sharing archive: written by a first run, settled, then mapped (no JVM started here)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kefu.engines import spark_cds
from kefu.engines.spark_cds import SETTLED_S, archive_key, java_options


@pytest.fixture
def java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A stand-in java binary, so the tests need no Java."""
    binary = tmp_path / "jdk" / "bin" / "java"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    monkeypatch.setenv(spark_cds.SWITCH, "1")
    return str(binary)


def test_a_first_run_writes_an_archive_under_a_name_of_its_own(tmp_path: Path, java: str) -> None:
    folder = tmp_path / "cds"
    opts = java_options("4.3.0", folder)
    (flag,) = [o for o in opts.split() if o.startswith("-XX:")]
    written = Path(flag.removeprefix("-XX:ArchiveClassesAtExit="))
    assert flag.startswith("-XX:ArchiveClassesAtExit=") and written.parent == folder
    assert written.name.startswith(archive_key("4.3.0", java)) and written.suffix == ".part"
    assert "-Xlog:cds*=off" in opts.split()  # the dump's warnings stay out of the report's output
    # While it is being written, another run neither maps it nor writes a second one.
    written.write_bytes(b"dump")
    assert java_options("4.3.0", folder) == ""


def test_a_settled_dump_is_moved_into_place_and_mapped(tmp_path: Path, java: str) -> None:
    folder = tmp_path / "cds"
    key = archive_key("4.3.0", java)
    folder.mkdir()
    part = folder / f"{key}.abc.part"
    part.write_bytes(b"dump")
    old = time.time() - SETTLED_S - 1
    os.utime(part, (old, old))
    opts = java_options("4.3.0", folder)
    assert f"-XX:SharedArchiveFile={folder / f'{key}.jsa'}" in opts.split() and not part.exists()
    assert java_options("4.3.0", folder) == opts


def test_another_spark_or_java_needs_an_archive_of_its_own(tmp_path: Path, java: str) -> None:
    key = archive_key("4.3.0", java)
    assert archive_key("4.3.1", java) != key
    assert archive_key("4.3.0 /other/venv/pyspark", java) != key  # the jars elsewhere: another class path
    os.utime(java, ns=(0, 0))  # a Java updated in place
    assert archive_key("4.3.0", java) != key


def test_no_archive_unless_switched_on_nor_without_java_nor_in_a_path_with_spaces(
        tmp_path: Path, java: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert java_options("4.3.0", tmp_path / "with space") == ""
    monkeypatch.delenv(spark_cds.SWITCH)
    assert java_options("4.3.0", tmp_path / "cds") == ""
    monkeypatch.setenv(spark_cds.SWITCH, "1")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert java_options("4.3.0", tmp_path / "cds") == ""
