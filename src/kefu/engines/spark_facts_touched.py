"""Which shops, days and months of Spark facts a new export reaches: the rules kefu import keeps facts by.

An import tells the warehouse's facts which shops and days its changed rows name (kefu.facts_touched) and
widens them by what reaches across days (kefu.facts_range). A new export says the same through the groups of
its changed partition folders (spark_facts_export): the days of a changed group, old and new, are the days
its rows name; the steps of facts_range then give, per fact table, the days those can change.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kefu.engines.spark_facts_export import FACT_INPUTS, Export, Group, Leaf, leaf_shop
from kefu.facts_range import AFTER_SALES_DAYS, STEP_A, STEP_B, STEP_D, STEP_E
from kefu.facts_touched import DAY_COLUMNS, DayRange, Touched, merge_touched

# The fact tables by the step of facts_range that recomputes them, which says which of their days a change on
# days lo..hi can reach (w: the conversion window; E: the latest day an order created lo..hi+w was paid).
_MESSAGE_DAYS = {name for name, _ in STEP_A + STEP_E}  # lo..hi
_INQUIRY_DAYS = {name for name, _ in STEP_B}  # lo-w..hi+w: credit moves among the inquiries of c-w..c
_CREATED_DAYS = {"order_days"}  # lo..hi+w, by the day the order was created
_SHOP_DAYS = {name for name, _ in STEP_D}  # lo..max(hi+w, E)
_ROLLING_DAYS = {"after_sales"}  # lo..max(hi+w, E)+179: the 28- and 180-day windows


@dataclass
class Reach:
    """What a new export changes: per shop the days its rows name (None: every day), and presence's days."""

    touched: Touched = field(default_factory=dict)
    online: list[DayRange] = field(default_factory=list)  # online hours are keyed by account, not shop

    def __bool__(self) -> bool:
        return bool(self.touched or self.online)


def fact_days(name: str, days: DayRange, window: int, paid_end: dt.date | None) -> DayRange:
    """The days of a fact table's rows that changed rows on `days` can change (facts_range's steps)."""
    lo, hi = days
    w = dt.timedelta(days=window)
    end = max(hi + w, paid_end or hi)
    if name in _MESSAGE_DAYS:
        return lo, hi
    if name in _INQUIRY_DAYS:
        return lo - w, hi + w
    if name in _CREATED_DAYS:
        return lo, hi + w
    if name in _SHOP_DAYS:
        return lo, end
    if name in _ROLLING_DAYS:
        return lo, end + dt.timedelta(days=AFTER_SALES_DAYS)
    raise KeyError(f"no reach rule for the fact table {name}")


def months(days: DayRange) -> set[str]:
    """The months (YYYY-MM) of the days lo..hi."""
    lo, hi = days
    out, day = set(), lo.replace(day=1)
    while day <= hi:
        out.add(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def export_reach(old: Export, new: Export) -> Reach:
    """What facts built from the export `old` must recompute to be those of `new` (both with their groups)."""
    reach = Reach()
    owners = _owners(old, new)
    shops = export_shops(old) | export_shops(new)
    for table in FACT_INPUTS:
        before, after = old.get(table, {}), new.get(table, {})
        for key in sorted(set(before) | set(after)):
            for g, span in _changed_groups(before.get(key), after.get(key)):
                if table == "presence":
                    # Presence has no shop: an account's intervals reach the shops that list it or talk through
                    # it (the shops' online figures), and its online hours.
                    if span is not None:
                        reach.online.append(span)
                        reach.touched = merge_touched(reach.touched, dict.fromkeys(owners.get(g, ()), span))
                    continue
                shop = leaf_shop(key)
                named = {shop} if shop is not None else shops
                # A table without day columns (accounts, blocklist) changes every day of its shop.
                value = span if table in DAY_COLUMNS else None
                if value is not None or table not in DAY_COLUMNS:
                    reach.touched = merge_touched(reach.touched, dict.fromkeys(named, value))
    # An account new to a shop's messages may make its buyers internal on every day (facts_touched); so may
    # one gone from them.
    for shop in shops:
        if _accounts(old, "messages", shop) != _accounts(new, "messages", shop):
            reach.touched[shop] = None
    # An account's first presence rows turn its online hours from null to figures on every day; its last, back.
    for account in _accounts(old, "presence") ^ _accounts(new, "presence"):
        reach.touched.update(dict.fromkeys(owners.get(account, ()), None))
    return reach


def _groups(leaf: Leaf | None) -> dict[str, Group]:
    return {} if leaf is None or leaf.groups is None else leaf.groups


def _changed_groups(old: Leaf | None, new: Leaf | None) -> list[tuple[str, DayRange | None]]:
    """The groups of a leaf whose rows differ, each with the days their old and new rows name."""
    if old is not None and new is not None and old.files == new.files:
        return []
    a, b = _groups(old), _groups(new)
    out = []
    for g in sorted(set(a) | set(b)):
        if a.get(g) != b.get(g):
            days = [dt.date.fromisoformat(d) for side in (a.get(g), b.get(g)) if side for d in side[2:] if d]
            out.append((g, (min(days), max(days)) if days else None))
    return out


def export_shops(export: Export) -> set[str]:
    """Every shop a partition folder of the export names."""
    return {s for leaves in export.values() for key in leaves if (s := leaf_shop(key)) is not None}


def _accounts(export: Export, table: str, shop: str | None = None) -> set[str]:
    """The accounts the rows of a table name (of one shop's leaves, when given)."""
    return {g for key, leaf in export.get(table, {}).items() if shop is None or leaf_shop(key) == shop
            for g in _groups(leaf)}


def _owners(*exports: Export) -> dict[str, set[str]]:
    """Each account's shops: those that list it (accounts) or talk through it (messages), in any export."""
    out: dict[str, set[str]] = {}
    for export in exports:
        for table in ("accounts", "messages"):
            for key, leaf in export.get(table, {}).items():
                if (shop := leaf_shop(key)) is not None:
                    for account in _groups(leaf):
                        out.setdefault(account, set()).add(shop)
    return out
