"""The derived tables (SQL models), their dependencies, and how settings fill them in."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from string import Template

from kefu.config import Settings
from kefu.filters import ad_condition_sql

SCOPES = ("account", "shop")

# The keys of one conversation in each scope: an account's talk with a buyer on a
# day, or the shop's (all its accounts) with a buyer on a day.
_CONVERSATION_KEYS: dict[str, tuple[str, ...]] = {
    "account": ("shop", "account", "buyer", "day"),
    "shop": ("shop", "buyer", "day"),
}

# Written over the source columns (not the select's aliases), which every engine's window accepts.
_ATTRIBUTION_ORDER = {
    "last_touch": "t.ts DESC, t.seq DESC",
    "first_touch": "c.q0_ts, c.q0_seq",
    "all_touch": "c.q0_ts, c.q0_seq",
}


@dataclass(frozen=True)
class Model:
    """One SQL model: its file, the models it reads, and whether it exists per scope."""

    name: str
    deps: tuple[str, ...]
    scoped: bool = False
    doc: str = ""

    def table(self, scope: str) -> str:
        """The name of the table this model materialises to in a scope."""
        return f"{self.name}_{scope}" if self.scoped else self.name

    def source(self) -> str:
        """The model's SQL template text."""
        return resources.files("kefu.models").joinpath(f"{self.name}.sql").read_text(encoding="utf-8")


# In dependency order. `calendar` is built by the engine from the data's range of days.
MODELS: tuple[Model, ...] = (
    Model("shop_accounts", ()),
    Model("msgs", ()),
    Model("filtered_buyers", ("msgs", "shop_accounts")),
    Model("conv_msgs", ("msgs", "filtered_buyers"), scoped=True),
    Model("questions", ("conv_msgs",), scoped=True),
    Model("conversations", ("conv_msgs", "questions"), scoped=True),
    Model("credited_orders", ("conversations", "conv_msgs"), scoped=True),
    Model("conversion", ("credited_orders",), scoped=True),
    Model("concurrency", ("conv_msgs@account",)),
    Model("online_hours", ("calendar",)),
    Model("exam_scores", ()),
    Model("account_days", ("conversations@account", "exam_scores")),
    Model("account_online", ("account_days", "online_hours")),
    Model("order_days", ("conversations@shop",)),
    Model("shop_days", ("msgs", "order_days")),
    Model("order_facts", ("order_days",)),
    Model("after_sales", ("order_days", "shop_days")),
    Model("shop_online", ("shop_days", "shop_accounts", "online_hours")),
    Model("qc_days", ("account_days",)),
    Model("qc_finding_rows", ("qc_days",)),
)

MODELS_BY_NAME: dict[str, Model] = {m.name: m for m in MODELS}


def _keys(scope: str, prefix: str = "") -> str:
    """The conversation keys of a scope as a column list, optionally qualified."""
    return ", ".join(f"{prefix}{k}" for k in _CONVERSATION_KEYS[scope])


def _join(scope: str, left: str, right: str) -> str:
    """An equality join condition on the conversation keys of a scope."""
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in _CONVERSATION_KEYS[scope])


def template_values(settings: Settings, scope: str) -> dict[str, str]:
    """The values that fill a model template for given settings and scope."""
    return {
        "scope": scope,
        "conv": _keys(scope),
        "conv_m": _keys(scope, "m."),
        "conv_c": _keys(scope, "c."),
        "conv_join_cm": _join(scope, "c", "m"),
        "conv_join_ct": _join(scope, "c", "t"),
        "window_days": str(settings.conversion_window_days),
        "session_gap_s": str(settings.session_gap_s),
        "attribution": settings.attribution,
        "attribution_order": _ATTRIBUTION_ORDER[settings.attribution],
        "credit_condition": "TRUE" if settings.attribution == "all_touch" else "credit_rank = 1",
        "ad_condition": ad_condition_sql("content"),
    }


def render(model: Model, settings: Settings, scope: str = "account") -> str:
    """The model's SQL with settings and scope filled in."""
    return Template(model.source()).substitute(template_values(settings, scope))


def build_order(needed: list[tuple[str, str]]) -> list[tuple[Model, str]]:
    """Every (model, scope) needed for the given (model name, scope) pairs, dependencies first."""
    done: list[tuple[Model, str]] = []
    seen: set[tuple[str, str]] = set()

    def visit(name: str, scope: str) -> None:
        if name == "calendar":
            return
        model = MODELS_BY_NAME[name]
        scope = scope if model.scoped else ""
        if (name, scope) in seen:
            return
        seen.add((name, scope))
        for dep in model.deps:
            dep_name, _, dep_scope = dep.partition("@")
            visit(dep_name, dep_scope or scope or "account")
        done.append((model, scope))

    for name, scope in needed:
        visit(name, scope)
    return done
