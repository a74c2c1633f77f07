"""The derived tables (SQL models), their dependencies, and how settings fill them in."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from string import Template

from kefu.config import Settings
from kefu.filters import ad_condition_sql

SCOPES = ("account", "shop")
"""The scopes reports read. Inside the shop scope, `shared` holds the buyer-days several accounts served."""

# The keys of one conversation in each scope: an account's talk with a buyer on a
# day, or the shop's (all its accounts) with a buyer on a day.
_CONVERSATION_KEYS: dict[str, tuple[str, ...]] = {
    "account": ("shop", "account", "buyer", "day"),
    "shop": ("shop", "buyer", "day"),
    "shared": ("shop", "buyer", "day"),
}

# Over the columns of credited_orders' `touched` step.
_ATTRIBUTION_ORDER = {
    "last_touch": "touch_ts DESC, touch_seq DESC",
    "first_touch": "q0_ts, q0_seq",
    "all_touch": "q0_ts, q0_seq",
}

# The conversations conv_msgs numbers in each scope: every kept message per account;
# in the shared scope only the buyer-days that several accounts served.
_CONV_INPUT = {
    "account": "kept",
    "shop": "kept",
    "shared": "(SELECT k.* FROM kept k JOIN shared_days s ON s.shop = k.shop AND s.buyer = k.buyer AND s.day = k.day)",
}

# The columns of the models whose shop rows are, outside shared buyer-days, the account
# scope's rows (models/reused.sql); tests check them against the built tables.
REUSED_COLUMNS: dict[str, tuple[str, ...]] = {
    "conv_msgs": ("shop", "account", "buyer", "day", "sender", "ts", "seq", "is_reply", "pos", "pos_from_end",
                  "buyer_msg_no", "prev_sender", "prev_ts", "next_ts", "next_reply_ts"),
    "questions": ("shop", "account", "buyer", "day", "ts", "seq", "reply_ts", "clock_start", "is_first",
                  "response_s"),
    "platform_rounds": ("shop", "account", "buyer", "day", "ts", "seq", "is_question", "is_first", "to_bot", "tod_s",
                        "reply_ts", "reply_sender", "response_s"),
    "conversations": ("shop", "buyer", "day", "inquiry", "buyer_messages", "agent_messages", "last_word_buyer",
                      "last_ts", "last_seq", "q0_ts", "q0_seq", "replied", "unclosed", "first_response_s"),
}


@dataclass(frozen=True)
class Model:
    """One SQL model: its file, the models it reads, whether it exists per scope, whether it is a view."""

    name: str
    deps: tuple[str, ...]
    scoped: bool = False
    view: bool = False  # a cheap projection: engines define it as a view instead of storing its rows
    shared_deps: tuple[str, ...] = ()  # more models read in the shared scope only
    grain: str = ""  # the columns that identify a row (${conv}: the scope's conversation keys); "" for none

    def grain_in(self, scope: str) -> tuple[str, ...]:
        """The columns that identify one of the model's rows in a scope."""
        text = Template(self.grain).substitute(conv=_keys(scope or "account"))
        return tuple(c.strip() for c in text.split(",") if c.strip())

    def reuses_in(self, scope: str, reuse: bool) -> bool:
        """True when, in this scope and build graph, the model reuses account rows (models/reused.sql)."""
        return reuse and scope == "shop" and self.name in REUSED_COLUMNS

    def table(self, scope: str) -> str:
        """The name of the table this model materialises to in a scope."""
        return f"{self.name}_{scope}" if self.scoped else self.name

    def is_view(self, scope: str, reuse: bool = True) -> bool:
        """True when the engine defines the model as a view in this scope."""
        return self.view or self.reuses_in(scope, reuse)

    def deps_in(self, scope: str, reuse: bool = True) -> tuple[str, ...]:
        """The models this model reads in a scope."""
        if self.reuses_in(scope, reuse):
            return (f"{self.name}@shared", f"{self.name}@account", "shared_days")
        return self.deps + (self.shared_deps if scope == "shared" else ())

    def source(self, scope: str = "account", reuse: bool = True) -> str:
        """The model's SQL template text in a scope."""
        name = "reused" if self.reuses_in(scope, reuse) else self.name
        return resources.files("kefu.models").joinpath(f"{name}.sql").read_text(encoding="utf-8")


# In dependency order. `calendar` is built by the engine from the data's range of days.
MODELS: tuple[Model, ...] = (
    Model("shop_accounts", (), grain="shop, account"),
    Model("msgs", (), view=True, grain="shop, msg_key"),
    Model("filtered_buyers", ("msgs", "shop_accounts"), grain="shop, day, buyer"),
    Model("conv_msgs", ("msgs", "filtered_buyers"), scoped=True, shared_deps=("shared_days",), grain="${conv}, seq"),
    Model("shared_days", ("conv_msgs@account",), grain="shop, buyer, day"),
    Model("questions", ("conv_msgs",), scoped=True, grain="${conv}, seq"),
    Model("conversations", ("conv_msgs", "questions"), scoped=True, grain="${conv}"),
    Model("platform_rounds", ("conv_msgs", "shop_accounts"), scoped=True, grain="${conv}, seq"),
    Model("credited_orders", ("conversations", "conv_msgs"), scoped=True, grain="${conv}, order_id"),
    Model("conversion", ("credited_orders",), scoped=True, grain="${conv}"),
    Model("sessions", ("conv_msgs@account",), grain="shop, account, buyer, day, start_ts"),
    Model("concurrency", ("sessions",), grain="shop, account, day"),
    Model("online_hours", ("calendar",), grain="account, day"),
    Model("exam_scores", (), grain="attempt_id"),
    Model("eval_ratings", (), grain="shop, eval_key"),
    Model("eval_invites", ("conversations",), scoped=True, grain="${conv}"),
    Model("account_days", ("conversations@account", "exam_scores", "eval_ratings"), grain="shop, account, day"),
    Model("account_online", ("account_days", "online_hours"), grain="shop, account, day"),
    Model("order_days", ("conversations@shop",), grain="shop, order_id"),
    Model("shop_days", ("msgs", "order_days"), grain="shop, day"),
    Model("order_facts", ("order_days",), grain="shop, day"),
    Model("after_sales", ("order_days", "shop_days"), grain="shop, day"),
    Model("shop_online", ("shop_days", "shop_accounts", "online_hours"), grain="shop, day"),
    Model("qc_days", ("account_days",), grain="shop, account, day"),
    Model("qc_finding_rows", ("qc_days",)),
    Model("qc_emotion_rows", ("qc_days",)),
)

MODELS_BY_NAME: dict[str, Model] = {m.name: m for m in MODELS}


def _keys(scope: str, prefix: str = "") -> str:
    """The conversation keys of a scope as a column list, optionally qualified."""
    return ", ".join(f"{prefix}{k}" for k in _CONVERSATION_KEYS[scope])


def _join(scope: str, left: str, right: str) -> str:
    """An equality join condition on the conversation keys of a scope."""
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in _CONVERSATION_KEYS[scope])


def qc_counted(settings: Settings) -> str:
    """The condition on a finding's review (qc_reviews, alias r) under which QC figures count it: never when
    dismissed; with qc_confirmed_only, only when confirmed."""
    return "r.decision = 'confirmed'" if settings.qc_confirmed_only else "r.decision IS DISTINCT FROM 'dismissed'"


def template_values(settings: Settings, scope: str) -> dict[str, str]:
    """The values that fill a model template for given settings and scope."""
    return {
        "scope": scope,
        "conv": _keys(scope),
        "conv_m": _keys(scope, "m."),
        "conv_c": _keys(scope, "c."),
        "conv_join_cm": _join(scope, "c", "m"),
        "conv_join_cd": _join(scope, "c", "d"),
        "window_days": str(settings.conversion_window_days),
        "session_gap_s": str(settings.session_gap_s),
        "attribution": settings.attribution,
        "attribution_order": _ATTRIBUTION_ORDER[settings.attribution],
        "credit_condition": "TRUE" if settings.attribution == "all_touch" else "credit_rank = 1",
        "ad_condition": ad_condition_sql("content"),
        "conv_input": _CONV_INPUT[scope],
        "eval_account": "AND e.account = c.account" if scope == "account" else "",
        "qc_counted": qc_counted(settings),
    }


def render(model: Model, settings: Settings, scope: str = "account", reuse: bool = True) -> str:
    """The model's SQL with settings and scope filled in (reuse: the shop scope reuses account rows)."""
    values = template_values(settings, scope)
    if model.reuses_in(scope, reuse):
        columns = REUSED_COLUMNS[model.name]
        values.update(model=model.name, columns=", ".join(columns), columns_a=", ".join(f"a.{c}" for c in columns))
    return Template(model.source(scope, reuse)).substitute(values)


def build_order(needed: list[tuple[str, str]], reuse: bool = True) -> list[tuple[Model, str]]:
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
        for dep in model.deps_in(scope, reuse):
            dep_name, _, dep_scope = dep.partition("@")
            visit(dep_name, dep_scope or scope or "account")
        done.append((model, scope))

    for name, scope in needed:
        visit(name, scope)
    return done
