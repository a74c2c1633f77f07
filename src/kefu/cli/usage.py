"""Command-line usage errors (a missing option, an unknown one, a bad value) told Chinese first.

Typer raises click's exceptions, from click itself or from the copy newer Typer versions carry: they are
recognised by their class names, which both share, rather than by one module's classes.
"""
from __future__ import annotations

from typing import Any


def kind_of(exc: BaseException) -> str | None:
    """The click exception an error is (UsageError, MissingParameter, Abort, ClickException, …), else None."""
    names = [c.__name__ for c in type(exc).__mro__]
    for name in ("NoArgsIsHelpError", "MissingParameter", "NoSuchOption", "BadParameter", "UsageError", "Abort",
                 "ClickException"):
        if name in names:
            return name
    return None


def _name(param: Any) -> str:
    """How the user typed (or should type) a parameter: its first option string, else its name."""
    if param is None:
        return ""
    opts = getattr(param, "opts", None) or []
    if getattr(param, "param_type_name", "") == "option" and opts:
        return str(opts[0])
    return str(getattr(param, "human_readable_name", "") or getattr(param, "name", ""))


def usage_message(exc: Any) -> str:
    """The Chinese sentence for a usage error, then click's English one."""
    english = exc.format_message()
    kind = kind_of(exc)
    if kind == "MissingParameter":
        what = "选项" if getattr(exc.param, "param_type_name", "") == "option" else "参数"
        zh = f"缺少{what} {_name(exc.param)}"
    elif kind == "NoSuchOption":
        zh = f"没有选项 {exc.option_name}"
        if exc.possibilities:
            zh += f"（是不是 {'、'.join(sorted(exc.possibilities))}？）"
    elif kind == "BadParameter":
        zh = f"{_name(exc.param)} 的值无效" if exc.param is not None else "参数值无效"
    else:
        zh = "用法错误"
    return f"{zh} / {english}"
