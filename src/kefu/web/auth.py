"""Web users, their grants and login sessions, kept in a small SQLite file next to the warehouse.

Why not in the DuckDB warehouse: DuckDB lets one process open a file for writing, and `kefu serve` holds the
warehouse open for as long as it runs. Keeping users in SQLite (stdlib) lets `kefu users add|passwd` work
while the server runs, and logins never compete with an import for the warehouse's single writer.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kefu.accounts import closest_hint

ROLES = ("admin", "manager", "agent")
ROLE_LABELS = {"admin": "管理员", "manager": "店长", "agent": "客服"}
SESSION_HOURS = 12

_DDL = (
    """CREATE TABLE IF NOT EXISTS users (
        username TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent')), created_at TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS grants (
        username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('shop', 'account')), value TEXT NOT NULL,
        PRIMARY KEY (username, kind, value))""",
    """CREATE TABLE IF NOT EXISTS sessions (
        token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
        csrf TEXT NOT NULL, expires_at TEXT NOT NULL)""",
)


class UserError(ValueError):
    """A user cannot be created or changed (Chinese message)."""


@dataclass(frozen=True)
class User:
    """A signed-in person: name, role and what they were granted."""

    username: str
    role: str
    shops: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    disabled: bool = False  # a disabled user cannot sign in; their sessions have ended


@dataclass(frozen=True)
class Session:
    """A live login: who, and the CSRF token every form of this session must carry."""

    user: User
    csrf: str


def auth_path_for(db: Path) -> Path:
    """The users file that belongs to a warehouse file: shop.duckdb -> shop.users.sqlite."""
    return db.with_name(db.stem + ".users.sqlite")


def _token_hash(token: str) -> str:
    """Sessions are stored by hash, so a leaked users file gives no usable cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class AuthStore:
    """Users, grants and sessions in one SQLite file; safe to share between threads."""

    def __init__(self, path: Path | str, hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self._hasher = hasher or PasswordHasher()  # argon2id with the library's recommended costs
        self._lock = threading.Lock()
        self._con = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._con.execute("PRAGMA foreign_keys = ON")
        self._con.execute("PRAGMA busy_timeout = 5000")
        for ddl in _DDL:
            self._con.execute(ddl)
        columns = {str(r[1]) for r in self._con.execute("PRAGMA table_info(users)").fetchall()}
        if "disabled" not in columns:  # a users file from before users could be disabled
            self._con.execute("ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        """Close the file."""
        self._con.close()

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._con.execute(sql, params).fetchall()

    def has_users(self) -> bool:
        """True once any user exists (the first run asks for an admin)."""
        return bool(self._run("SELECT 1 FROM users LIMIT 1"))

    def add_user(self, username: str, password: str, role: str, *, shops: list[str] | None = None,
                 accounts: list[str] | None = None) -> User:
        """Create a user with an argon2-hashed password and their shop/account grants."""
        username = username.strip()
        if not username:
            raise UserError("用户名不能为空 / username is empty")
        _check_role(role, shops, accounts)
        _check_password(password)
        if self.get_user(username) is not None:
            raise UserError(f"用户 {username} 已存在 / user {username} exists")
        with self._lock:
            self._con.execute("BEGIN")
            self._con.execute("INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                              (username, self._hasher.hash(password), role, _now().isoformat(" ", "seconds")))
            self._write_grants(username, role, shops, accounts)
            self._con.execute("COMMIT")
        return self._existing(username)

    def _write_grants(self, username: str, role: str, shops: list[str] | None, accounts: list[str] | None) -> None:
        """Replace a user's grants with those their role uses (inside the caller's transaction, lock held)."""
        grants = ([("shop", s) for s in shops or []] if role == "manager" else []) + (
            [("account", a) for a in accounts or []] if role == "agent" else [])
        self._con.execute("DELETE FROM grants WHERE username = ?", (username,))
        self._con.executemany("INSERT OR IGNORE INTO grants VALUES (?, ?, ?)", [(username, k, v) for k, v in grants])

    def _existing(self, username: str) -> User:
        """The user called username; a clear error when there is none."""
        user = self.get_user(username)
        if user is None:
            raise UserError(f"没有用户 {username} / no such user")
        return user

    def _keep_an_admin(self, username: str) -> None:
        """Refuse a change that would leave no enabled admin (nobody could manage users from the web)."""
        others = self._run("SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND username <> ?",
                           (username,))[0][0]
        if self._existing(username).role == "admin" and not others:
            raise UserError(f"{username} 是唯一可用的管理员，不能停用、删除或降级 / {username} is the last admin")

    def set_role(self, username: str, role: str, *, shops: list[str] | None = None,
                 accounts: list[str] | None = None) -> User:
        """Change a user's role and grants; their sessions end so the new scope applies at once."""
        _check_role(role, shops, accounts)
        if role != "admin":
            self._keep_an_admin(username)
        self._existing(username)
        with self._lock:
            self._con.execute("BEGIN")
            self._con.execute("UPDATE users SET role = ? WHERE username = ?", (role, username))
            self._write_grants(username, role, shops, accounts)
            self._con.execute("DELETE FROM sessions WHERE username = ?", (username,))
            self._con.execute("COMMIT")
        return self._existing(username)

    def set_disabled(self, username: str, disabled: bool) -> User:
        """Disable (ending every session) or re-enable a user; the password and grants are kept."""
        if disabled:
            self._keep_an_admin(username)
        self._existing(username)
        self._run("UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username))
        if disabled:
            self._run("DELETE FROM sessions WHERE username = ?", (username,))
        return self._existing(username)

    def delete_user(self, username: str) -> None:
        """Remove a user with their grants and sessions."""
        self._keep_an_admin(username)
        self._run("DELETE FROM users WHERE username = ?", (username,))

    def set_password(self, username: str, password: str) -> None:
        """Change a password; every session of that user ends."""
        self._existing(username)
        _check_password(password)
        self._run("UPDATE users SET password_hash = ? WHERE username = ?", (self._hasher.hash(password), username))
        self._run("DELETE FROM sessions WHERE username = ?", (username,))

    def get_user(self, username: str) -> User | None:
        """The user called username with their grants, or None."""
        rows = self._run("SELECT role, disabled FROM users WHERE username = ?", (username,))
        if not rows:
            return None
        grants = self._run("SELECT kind, value FROM grants WHERE username = ? ORDER BY value", (username,))
        return User(username, str(rows[0][0]), tuple(str(v) for k, v in grants if k == "shop"),
                    tuple(str(v) for k, v in grants if k == "account"), bool(rows[0][1]))

    def users(self) -> list[User]:
        """Every user, by name."""
        names = [str(r[0]) for r in self._run("SELECT username FROM users ORDER BY username")]
        return [u for u in (self.get_user(n) for n in names) if u is not None]

    def verify(self, username: str, password: str) -> User | None:
        """The user when the password is right, else None (constant work for unknown names)."""
        rows = self._run("SELECT password_hash FROM users WHERE username = ?", (username,))
        stored = str(rows[0][0]) if rows else None
        try:
            # An unknown name still costs one hash, so timing does not tell which names exist.
            self._hasher.verify(stored or self._dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        user = self.get_user(username) if stored else None
        return None if user is None or user.disabled else user

    def _dummy_hash(self) -> str:
        if not hasattr(self, "_dummy"):
            self._dummy = self._hasher.hash(secrets.token_hex(16))
        return self._dummy

    def start_session(self, user: User) -> tuple[str, Session]:
        """A new session: the cookie token (only its hash is stored) and the session."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = _now() + dt.timedelta(hours=SESSION_HOURS)
        self._run("DELETE FROM sessions WHERE expires_at < ?", (_now().isoformat(),))
        self._run("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                  (_token_hash(token), user.username, csrf, expires.isoformat()))
        return token, Session(user, csrf)

    def session(self, token: str | None) -> Session | None:
        """The live session of a cookie token, or None when unknown or expired."""
        if not token:
            return None
        rows = self._run("SELECT username, csrf, expires_at FROM sessions WHERE token_hash = ?", (_token_hash(token),))
        if not rows or str(rows[0][2]) < _now().isoformat():
            return None
        user = self.get_user(str(rows[0][0]))
        return Session(user, str(rows[0][1])) if user and not user.disabled else None

    def end_session(self, token: str | None) -> None:
        """Log out: forget the session."""
        if token:
            self._run("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token),))


def _check_role(role: str, shops: list[str] | None, accounts: list[str] | None) -> None:
    """A role with the grants it needs: a manager some shops, an agent some accounts."""
    if role not in ROLES:
        raise UserError(f"角色必须是 {'、'.join(ROLES)} 之一，得到 {role!r} / unknown role")
    if role == "manager" and not shops:
        raise UserError("店长至少需要一个 --shop / a manager needs at least one --shop")
    if role == "agent" and not accounts:
        raise UserError("客服至少需要一个 --account / an agent needs at least one --account")


def check_grants(shops: list[str], accounts: list[str], known_shops: list[str], known_accounts: list[str]) -> None:
    """Refuse grants of shops or accounts the warehouse does not know, naming the closest known ones."""
    for kind, given, known in (("店铺", shops, known_shops), ("客服账号", accounts, known_accounts)):
        for name in given:
            if name not in known:
                raise UserError(f"仓库里没有{kind} {name}{closest_hint(name, known)}"
                                f" / unknown {'shop' if kind == '店铺' else 'account'}")


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise UserError("密码至少 8 个字符 / the password needs at least 8 characters")
