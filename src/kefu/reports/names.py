"""How accounts are named to a manager: without the shop prefix they all share."""
from __future__ import annotations


def short_account(shop: str, account: str) -> str:
    """An account without its shop prefix; the shop's main account shown as 主账号."""
    if account == shop:
        return "主账号"
    return account[len(shop) + 1:] if account.startswith(f"{shop}:") else account
