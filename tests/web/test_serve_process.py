"""`kefu serve` as a process: SIGTERM leaves no upload folder behind; X-Forwarded-For counts only from a proxy."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kefu.web.security import ADDRESS_FAILURES

KEFU = [sys.executable, "-c", "from kefu.cli import run; run()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            continue
    raise AssertionError("kefu serve did not start listening")


@contextmanager
def _serving(tmp_path: Path, *options: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A `kefu serve` process on a free port with one admin user, its TMPDIR inside tmp_path."""
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "KEFU_DB": str(tmp_path / "kefu.duckdb")}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    subprocess.run(KEFU + ["users", "add", "admin", "--role", "admin", "--password-stdin"], input="s3cret-pass\n",
                   env=env, check=True, capture_output=True, text=True)
    port = _free_port()
    server = subprocess.Popen(KEFU + ["serve", "--port", str(port), *options], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_listening(port, server)
        yield server, port
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()


def test_sigterm_removes_the_upload_folders(tmp_path: Path) -> None:
    with _serving(tmp_path) as (server, _):
        (work,) = (tmp_path / "tmp").glob("kefu-uploads-*")
        (work / "0123456789ab").mkdir()  # an upload waiting for its import
        (work / "0123456789ab" / "messages.csv").write_text("shop,buyer\n", encoding="utf-8")
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 128 + signal.SIGTERM
    assert list((tmp_path / "tmp").iterdir()) == []


def _failed_logins(port: int, count: int) -> list[int]:
    """Statuses of count wrong logins, each under another user name and another claimed X-Forwarded-For."""
    statuses = []
    for i in range(count):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/session", data=f'{{"username": "u{i}", "password": "x"}}'.encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": f"203.0.113.{i + 1}"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
    return statuses


@pytest.mark.parametrize("proxy", [False, True])
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(tmp_path: Path, proxy: bool) -> None:
    with _serving(tmp_path, *(["--trusted-proxy", "127.0.0.1"] if proxy else [])) as (_, port):
        statuses = _failed_logins(port, ADDRESS_FAILURES + 1)
    # Untrusted, every attempt comes from 127.0.0.1 and the address is throttled after ADDRESS_FAILURES;
    # behind the proxy, each claimed address is its own client.
    assert statuses == [401] * ADDRESS_FAILURES + [401 if proxy else 429]
