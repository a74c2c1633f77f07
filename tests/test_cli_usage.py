"""The `kefu` entry point: usage errors Chinese first with the command's help named, no traceback, exit 2."""
from __future__ import annotations

import sys

import pytest

from kefu.cli import run


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["kefu", *args])
    with pytest.raises(SystemExit) as done:
        run()
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out + captured.err


@pytest.mark.parametrize("args, said", [
    (("score", "--plan", "售前"), "错误: 缺少选项 --period / Missing option '--period'."),
    (("report", "--perod", "all"), "错误: 没有选项 --perod（是不是 --from、--period？）"),
    (("report", "--period", "year"), "错误: --period 的值无效 / Invalid value for '--period'"),
])
def test_usage_errors_are_chinese_first(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        args: tuple[str, ...], said: str) -> None:
    code, out = _run(monkeypatch, capsys, *args)
    assert code == 2 and out.startswith(said) and "Traceback" not in out
    assert f"用法见 kefu {args[0]} --help" in out


def test_success_and_help_keep_their_exit_codes(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    code, out = _run(monkeypatch, capsys, "--version")
    assert code == 0 and out.startswith("kefu ")
    code, out = _run(monkeypatch, capsys, "qc")  # a group without a command shows its help
    assert "Commands" in out and "错误" not in out
    code, out = _run(monkeypatch, capsys, "--db", str(tmp_path) + "/none.duckdb", "report")
    assert code == 1 and "找不到仓库文件" in out
