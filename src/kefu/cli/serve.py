"""`kefu serve` (the web app) and `kefu users add|list|passwd` (who may sign in to it)."""
from __future__ import annotations

import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Optional

import typer
from rich.table import Table

from kefu.cli.app import app, cli_settings, console, fail, state

users_app = typer.Typer(help="网页版用户 / web app users", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(users_app, name="users")


def _auth():  # type: ignore[no-untyped-def]
    from kefu.web.auth import AuthStore, auth_path_for

    return AuthStore(auth_path_for(state.db))


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


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="用户名"),
    role: str = typer.Option(..., "--role", help="角色 admin|manager|agent（管理员/店长/客服）"),
    shops: Optional[list[str]] = typer.Option(None, "--shop", help="店长管理的店铺，可重复"),
    accounts: Optional[list[str]] = typer.Option(None, "--account", help="客服本人的账号，可重复"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读一行作为密码"),
) -> None:
    """添加网页版用户 / add a web user."""
    from kefu.web.auth import UserError

    auth = _auth()
    try:
        user = auth.add_user(username, _password(password_stdin), role, shops=shops, accounts=accounts)
    except UserError as exc:
        fail(str(exc))
    finally:
        auth.close()
    console.print(f"已添加用户 {user.username}（{user.role}） / user added")


@users_app.command("list")
def users_list() -> None:
    """列出网页版用户 / list web users."""
    from kefu.web.auth import ROLE_LABELS

    auth = _auth()
    users = auth.users()
    auth.close()
    table = Table(title=f"用户 / users（{auth.path}）", header_style="bold cyan")
    for col in ("用户名", "角色", "店铺", "客服账号"):
        table.add_column(col)
    for u in users:
        table.add_row(u.username, ROLE_LABELS[u.role], "、".join(u.shops), "、".join(u.accounts))
    console.print(table)


@users_app.command("passwd")
def users_passwd(
    username: str = typer.Argument(..., help="用户名"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读一行作为密码"),
) -> None:
    """修改密码（该用户的所有登录会话失效） / change a password."""
    from kefu.web.auth import UserError

    auth = _auth()
    try:
        auth.set_password(username, _password(password_stdin))
    except UserError as exc:
        fail(str(exc))
    finally:
        auth.close()
    console.print(f"已修改 {username} 的密码 / password changed")


@app.command("serve")
def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", help="端口"),
    max_upload_mb: int = typer.Option(200, "--max-upload-mb", help="单次上传上限 (MB)"),
    live_interval: float = typer.Option(5.0, "--live-interval", help="实时页刷新间隔（秒）"),
    plans: Optional[Path] = typer.Option(None, "--plans", help="绩效方案目录（*.toml），另加内置示例方案"),
    sets: Optional[list[str]] = typer.Option(None, "--set", help="设置 KEY=VALUE，可重复"),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML 设置文件"),
    trusted_proxies: Optional[list[str]] = typer.Option(
        None, "--trusted-proxy", help="前面的反向代理地址（可重复）；只有它发来的 X-Forwarded-For 才被采信"),
) -> None:
    """启动网页版 / start the web app on the warehouse."""
    import uvicorn

    from kefu.store import WarehouseError
    from kefu.web import WebConfig, create_app
    from kefu.web.auth import auth_path_for

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
