"""What a signed-in user may see: their shops or accounts, and whether buyer nicks are masked."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kefu.web.auth import User


class Forbidden(LookupError):
    """The asked data is outside the user's grants (shown as 'not found', so nothing leaks)."""


@dataclass(frozen=True)
class Scope:
    """The rows a user may read: None means every shop/account."""

    user: User
    shops: frozenset[str] | None
    accounts: frozenset[str] | None

    @classmethod
    def of(cls, user: User, account_shops: dict[str, str]) -> Scope:
        """The scope of a user, given the warehouse's account -> shop map."""
        if user.role == "admin":
            return cls(user, None, None)
        if user.role == "manager":
            return cls(user, frozenset(user.shops), None)
        accounts = frozenset(user.accounts)
        return cls(user, frozenset(account_shops[a] for a in accounts if a in account_shops), accounts)

    @property
    def is_agent(self) -> bool:
        return self.user.role == "agent"

    @property
    def sees_shop_totals(self) -> bool:
        """Shop-day rows and group sums mix every agent's work: agents see only their own accounts."""
        return not self.is_agent

    @property
    def can_import(self) -> bool:
        return self.user.role in ("admin", "manager")

    def mask(self, asked: bool) -> bool:
        """Buyer nicks are always masked for agents; others may turn masking off."""
        return True if self.is_agent else asked

    def allows_shop(self, shop: str | None) -> bool:
        return self.shops is None or shop in self.shops

    def allows_account(self, account: str | None, shop: str | None) -> bool:
        if self.accounts is not None:
            return account in self.accounts
        return self.allows_shop(shop)

    def covers(self, all_shops: Iterable[str]) -> bool:
        """True when every shop of the warehouse is within the grants (whole-warehouse reports need that)."""
        return self.sees_shop_totals and all(self.allows_shop(s) for s in all_shops)

    def visible_shops(self, all_shops: Iterable[str]) -> list[str]:
        """The warehouse's shops this user may pick."""
        return [s for s in all_shops if self.allows_shop(s)]

    def rows(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Keep the report rows inside the grants (account rows by account, others by shop)."""
        out = []
        for row in rows:
            if "account" in row:
                ok = self.allows_account(row["account"], row.get("shop"))
            else:
                ok = self.sees_shop_totals and self.allows_shop(row.get("shop"))
            if ok:
                out.append(row)
        return out

    def check_account(self, account: str, shop: str | None) -> None:
        if not self.allows_account(account, shop):
            raise Forbidden(account)

    def check_shop_totals(self, shop: str) -> None:
        if not (self.sees_shop_totals and self.allows_shop(shop)):
            raise Forbidden(shop)
