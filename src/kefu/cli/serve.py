"""`kefu serve` (the web app) and `kefu users add|list|set|passwd|disable|enable|delete` (who may sign in)."""
from __future__ import annotations

import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import typer
from rich.table import Table

from kefu.cli.app import app, cli_settings, console, err_console, fail, state
from kefu.cli.options import ConfigOpt, SetOpt

users_app = typer.Typer(help="网页版用户 / web app users", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(users_app, name="users")


def _auth():
    from kefu.web.auth import AuthStore, auth_path_for

    return AuthStore(auth_path_for(state.db))


@contextmanager
def _auth_store() -> Iterator[Any]:
    """The users file of the warehouse, closed afterwards."""
    auth = _auth()
    try:
        yield auth
    finally:
        auth.close()


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM as a normal exit, so that the upload folder is removed on the way out.

    uvicorn stops on SIGTERM, then raises it again under the handler it found: without this
    one, the process would die there, before the upload folder's cleanup runs.
    """
    raise SystemExit(128 + signum)


def _password(password_stdin: bool) -> str:
    """A new password: one line of stdin (scripts), else asked twice without echo."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True))


def _checked_grants(shops: list[str], accounts: list[str]) -> tuple[list[str], list[str]]:
    """Shops and accounts as the warehouse names them (short account names resolved); unknown ones refused."""
    from kefu.accounts import UnknownName, resolve_account, resolve_shop
    from kefu.store import Warehouse, WarehouseError

    if not shops and not accounts:
        return shops, accounts
    if not state.db.exists():
        fail(f"找不到仓库文件 {state.db}，无法核对店铺和客服账号：请先导入数据 / warehouse not found")
    try:
        wh = Warehouse.open(state.db, read_only=True)
    except WarehouseError as exc:
        # A writer holds the warehouse: the grants are kept as typed (the web's user page checks them).
        err_console.print(f"未能核对店铺和客服账号，已按输入保存 / grants not checked: {exc}", style="yellow",
                          markup=False, soft_wrap=True)
        return shops, accounts
    try:
        return ([resolve_shop(wh.con, s) for s in shops], [resolve_account(wh.con, a) for a in accounts])
    except UnknownName as exc:
        fail(str(exc))
    finally:
        wh.close()


def _user_line(user: Any) -> str:
    """A user as one line: name, role and grants."""
    from kefu.web.auth import ROLE_LABELS

    grants = "、".join(user.shops + user.accounts)
    return f"{user.username}（{ROLE_LABELS[user.role]}{'：' + grants if grants else ''}）"


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="用户名"),
    role: str = typer.Option(..., "--role", help="角色 admin|manager|agent（管理员/店长/客服）"),
    shops: list[str] | None = typer.Option(None, "--shop", help="店长管理的店铺，可重复"),
    accounts: list[str] | None = typer.Option(None, "--account",
                                                 help="客服本人的账号，可重复（子账号名唯一时可简写）"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读一行作为密码"),
) -> None:
    """添加网页版用户 / add a web user."""
    from kefu.web.auth import UserError

    shop_list, account_list = _checked_grants(list(shops or []), list(accounts or []))
    with _auth_store() as auth:
        try:
            user = auth.add_user(username, _password(password_stdin), role, shops=shop_list, accounts=account_list)
        except UserError as exc:
            fail(str(exc))
    console.print(f"已添加用户 {_user_line(user)} / user added")


@users_app.command("set")
def users_set(
    username: str = typer.Argument(..., help="用户名"),
    role: str = typer.Option(..., "--role", help="新角色 admin|manager|agent"),
    shops: list[str] | None = typer.Option(None, "--shop", help="店长管理的店铺，可重复"),
    accounts: list[str] | None = typer.Option(None, "--account", help="客服本人的账号，可重复"),
) -> None:
    """修改角色与范围（该用户需重新登录） / change a user's role and scope."""
    from kefu.web.auth import UserError

    shop_list, account_list = _checked_grants(list(shops or []), list(accounts or []))
    with _auth_store() as auth:
        try:
            user = auth.set_role(username, role, shops=shop_list, accounts=account_list)
        except UserError as exc:
            fail(str(exc))
    console.print(f"已修改 {_user_line(user)}，该用户需重新登录 / role and scope changed")


@users_app.command("disable")
def users_disable(username: str = typer.Argument(..., help="用户名")) -> None:
    """停用用户（立即退出登录，保留密码和范围） / disable a user."""
    _set_disabled(username, True)


@users_app.command("enable")
def users_enable(username: str = typer.Argument(..., help="用户名")) -> None:
    """重新启用停用的用户 / re-enable a user."""
    _set_disabled(username, False)


def _set_disabled(username: str, disabled: bool) -> None:
    """Disable or re-enable a user, with a clear error for unknown names and the last admin."""
    from kefu.web.auth import UserError

    with _auth_store() as auth:
        try:
            auth.set_disabled(username, disabled)
        except UserError as exc:
            fail(str(exc))
    console.print(f"已停用 {username} / disabled" if disabled else f"已启用 {username} / enabled")


@users_app.command("delete")
def users_delete(
    username: str = typer.Argument(..., help="用户名"),
    yes: bool = typer.Option(False, "--yes", help="不再确认"),
) -> None:
    """删除用户及其登录会话 / delete a user."""
    from kefu.web.auth import UserError

    if not yes and not typer.confirm(f"删除用户 {username}？/ delete {username}?"):
        raise typer.Exit(1)
    with _auth_store() as auth:
        try:
            auth.delete_user(username)
        except UserError as exc:
            fail(str(exc))
    console.print(f"已删除用户 {username} / user deleted")


@users_app.command("list")
def users_list() -> None:
    """列出网页版用户 / list web users."""
    from kefu.web.auth import ROLE_LABELS

    with _auth_store() as auth:
        users = auth.users()
    table = Table(title=f"用户 / users（{auth.path}）", header_style="bold cyan")
    for col in ("用户名", "角色", "状态", "店铺", "客服账号"):
        table.add_column(col)
    for u in users:
        table.add_row(u.username, ROLE_LABELS[u.role], "已停用" if u.disabled else "可登录", "、".join(u.shops),
                      "、".join(u.accounts))
    console.print(table)


@users_app.command("passwd")
def users_passwd(
    username: str = typer.Argument(..., help="用户名"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读一行作为密码"),
) -> None:
    """修改密码（该用户的所有登录会话失效） / change a password."""
    from kefu.web.auth import UserError

    with _auth_store() as auth:
        try:
            auth.set_password(username, _password(password_stdin))
        except UserError as exc:
            fail(str(exc))
    console.print(f"已修改 {username} 的密码 / password changed")


@app.command("serve")
def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", help="端口"),
    max_upload_mb: int = typer.Option(200, "--max-upload-mb", help="单次上传上限 (MB)"),
    live_interval: float = typer.Option(5.0, "--live-interval", help="实时页刷新间隔（秒）"),
    plans: Path | None = typer.Option(None, "--plans", help="绩效方案目录（*.toml），另加内置示例方案"),
    sets: SetOpt = None,
    config: ConfigOpt = None,
    trusted_proxies: list[str] | None = typer.Option(
        None, "--trusted-proxy", help="前面的反向代理地址（可重复）；只有它发来的 X-Forwarded-For 才被采信"),
) -> None:
    """启动网页版 / start the web app on the warehouse."""
    import uvicorn

    from kefu.store import WarehouseError
    from kefu.web.app import create_app
    from kefu.web.auth import auth_path_for
    from kefu.web.context import WebConfig

    settings = cli_settings(config, sets)
    auth = _auth()
    if not auth.has_users():
        if not sys.stdin.isatty():
            auth.close()
            fail(f"还没有网页版用户：先运行 kefu --db {state.db} users add 用户名 --role admin / no users yet")
        console.print("第一次启动：创建管理员账号 / first run: create the admin account")
        name = str(typer.prompt("管理员用户名 / admin user name", default="admin"))
        from kefu.web.auth import UserError

        try:
            auth.add_user(name, _password(False), "admin")
        except UserError as exc:
            fail(str(exc))
    auth.close()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="kefu-uploads-") as work:
        try:
            web = create_app(WebConfig(state.db, auth_path_for(state.db), settings, Path(work), max_upload_mb,
                                       live_interval, plans))
        except WarehouseError as exc:
            fail(str(exc))
        console.print(f"kefu 网页版：http://{host}:{port}/ （仓库 {state.db}，Ctrl+C 退出）")
        # The client address throttles logins: X-Forwarded-For may name it only when a known proxy sends it.
        uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=bool(trusted_proxies),
                    forwarded_allow_ips=list(trusted_proxies or []) or None)
