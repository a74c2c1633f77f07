"""The derived tables (SQL models), their dependencies, and how settings fill them in."""
from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, replace
from importlib import resources
from string import Template

from sqlglot import exp

from kefu.config import Settings
from kefu.filters import ad_condition_sql
from kefu.models.lineage import output_columns, parse, tables_read

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


@dataclass(frozen=True)
class Model:
    """One SQL model: its file, the models it reads, whether it exists per scope, whether it is a view."""

    name: str
    deps: tuple[str, ...] = ()  # read from its SQL: `x` in the model's own scope, `x@scope` in a fixed one
    scoped: bool = False
    view: bool = False  # a cheap projection: engines define it as a view instead of storing its rows
    shared_deps: tuple[str, ...] = ()  # more models read in the shared scope only
    grain: str = ""  # the columns that identify a row (${conv}: the scope's conversation keys); "" for none
    reused: bool = False  # its shop rows are, outside shared buyer-days, the account scope's (models/reused.sql)

    def grain_in(self, scope: str) -> tuple[str, ...]:
        """The columns that identify one of the model's rows in a scope."""
        text = Template(self.grain).substitute(conv=_keys(scope or "account"))
        return tuple(c.strip() for c in text.split(",") if c.strip())

    def reuses_in(self, scope: str, reuse: bool) -> bool:
        """True when, in this scope and build graph, the model reuses account rows (models/reused.sql)."""
        return reuse and scope == "shop" and self.reused

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
        """The text of the model's file in a scope, header included (reused.sql where it reuses account rows)."""
        name = _REUSED if self.reuses_in(scope, reuse) else self.name
        return resources.files("kefu.models").joinpath(f"{name}.sql").read_text(encoding="utf-8")

    def template(self, scope: str = "account", reuse: bool = True) -> str:
        """The model's SQL template in a scope: its file without the header."""
        text = self.source(scope, reuse)
        return text.partition("\n\n")[2] if text.startswith(_HEADER_START) else text


# --- the header of a model file --------------------------------------------------------------------------
# Each models/<name>.sql but the shared template reused.sql opens with a header, one `-- key: value` a line,
# ended by an empty line:
#   model   the file's name                     order   where MODELS lists it (an integer)
#   kind    table | view                        scoped  true: one table per scope (name_account, name_shop, ...)
#   grain   the columns identifying a row (optional; ${conv} is the scope's conversation keys)
#   reused  true: the shop scope reuses account rows (optional, scoped models only)
# The models a model reads are not declared: they are read from its SQL.

_REUSED = "reused"
_HEADER_START = "-- model:"
_HEADER_LINE = re.compile(r"-- ([a-z_]+): (\S.*)")
_REQUIRED = ("model", "order", "kind", "scoped")
_OPTIONAL = ("grain", "reused")
_BOOLEANS = {"true": True, "false": False}
_GRAIN = re.compile(r"(\$\{conv\}|[a-z_][a-z0-9_]*)(, (\$\{conv\}|[a-z_][a-z0-9_]*))*")


class ModelFileError(ValueError):
    """A model file whose header cannot be read, or whose SQL reads a scoped model without naming its scope."""


def _header(file: str, text: str) -> dict[str, tuple[str, int]]:
    """The fields of a model file's header, each with the number of its line."""
    lines = text.split("\n")
    if not text.startswith(_HEADER_START):
        raise ModelFileError(f"{file}:1: a model file opens with its header, first '-- model: <name>'")
    fields: dict[str, tuple[str, int]] = {}
    for no, line in enumerate(lines, start=1):
        if line == "":
            break
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            raise ModelFileError(f"{file}:{no}: not a header line '-- key: value' (an empty line ends the header)")
        key, value = match.groups()
        if key not in _REQUIRED + _OPTIONAL:
            raise ModelFileError(f"{file}:{no}: unknown header key {key!r}; known: {', '.join(_REQUIRED + _OPTIONAL)}")
        if key in fields:
            raise ModelFileError(f"{file}:{no}: {key!r} given twice (first on line {fields[key][1]})")
        fields[key] = (value.rstrip(), no)
    else:
        raise ModelFileError(f"{file}:{len(lines)}: no empty line ends the header")
    missing = [k for k in _REQUIRED if k not in fields]
    if missing:
        raise ModelFileError(f"{file}:1: the header lacks {', '.join(missing)}")
    return fields


def from_header(name: str, text: str) -> tuple[int, Model]:
    """A model file's place in MODELS and its model, as its header declares it (no dependencies yet)."""
    file = f"models/{name}.sql"
    fields = _header(file, text)

    def value(key: str, allowed: Container[str] | None = None, default: str = "") -> str:
        if key not in fields:
            return default
        given, no = fields[key]
        if allowed is not None and given not in allowed:
            raise ModelFileError(f"{file}:{no}: {key} cannot be {given!r}")
        return given

    if value("model") != name:
        raise ModelFileError(f"{file}:{fields['model'][1]}: the header names model {value('model')!r}, not {name!r}")
    if not value("order").isdigit():
        raise ModelFileError(f"{file}:{fields['order'][1]}: order must be a whole number")
    grain = value("grain")
    if grain and not _GRAIN.fullmatch(grain):
        raise ModelFileError(f"{file}:{fields['grain'][1]}: grain is a list of columns 'a, b' (or ${{conv}})")
    model = Model(name, scoped=_BOOLEANS[value("scoped", _BOOLEANS)], view=value("kind", ("table", "view")) == "view",
                  grain=grain, reused=_BOOLEANS[value("reused", _BOOLEANS, "false")])
    if model.reused and not model.scoped:
        raise ModelFileError(f"{file}:{fields['reused'][1]}: only a scoped model reuses account rows")
    return int(value("order")), model


def _declared() -> tuple[Model, ...]:
    """Every model file's model, in the order of their headers."""
    placed: dict[int, Model] = {}
    for path in resources.files("kefu.models").iterdir():
        name = path.name.removesuffix(".sql")
        if name == path.name or name == _REUSED:
            continue
        order, model = from_header(name, path.read_text(encoding="utf-8"))
        if order in placed:
            raise ModelFileError(f"models/{name}.sql: order {order} is also models/{placed[order].name}.sql's")
        placed[order] = model
    return tuple(placed[k] for k in sorted(placed))


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
    return Template(model.template(scope, reuse)).substitute(values)


def build_order(needed: list[tuple[str, str]], reuse: bool = True) -> list[tuple[Model, str]]:
    """Every (model, scope) needed for the given (model name, scope) pairs, dependencies first."""
    done: list[tuple[Model, str]] = []
    seen: set[tuple[str, str]] = set()

    def visit(name: str, scope: str) -> None:
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


# --- the graph, read from the SQL ------------------------------------------------------------------------
# Rendered under the default settings: settings change conditions and numbers, never the tables read.

def _model_of(table: str, by_name: dict[str, Model], file: str) -> tuple[str, str] | None:
    """(model, its scope or "" when unscoped) of a table a model file reads; None for a canonical table or the
    engine's calendar."""
    if table in by_name:
        if by_name[table].scoped:
            raise ModelFileError(f"{file} reads {table} without a scope: {table}_account, {table}_${{scope}}, ...")
        return table, ""
    name, _, scope = table.rpartition("_")
    if name in by_name and by_name[name].scoped and scope in _CONVERSATION_KEYS:
        return name, scope
    return None


def reads(model: Model, scope: str, by_name: dict[str, Model] | None = None) -> tuple[tuple[str, ...], exp.Expr]:
    """The models a model's SQL reads in a scope, in the order its text names them (`x` in that scope or
    unscoped, `x@scope` in another), and the query's tree."""
    by_name = MODELS_BY_NAME if by_name is None else by_name
    tree = parse(render(model, Settings(), scope, reuse=False))
    own = scope if model.scoped else ""
    deps = []
    for table in tables_read(tree):
        found = _model_of(table, by_name, f"models/{model.name}.sql")
        if found is not None:
            name, of = found
            deps.append(name if of in ("", own) else f"{name}@{of}")
    return tuple(dict.fromkeys(deps)), tree


def _with_deps(model: Model, by_name: dict[str, Model]) -> tuple[Model, tuple[str, ...]]:
    """The model with the models it reads, and (when its shop scope reuses account rows) the columns reused.

    A scoped model's dependencies are those of its shop scope: a table that follows the scope is read there
    as x_shop, one of a fixed scope as x_account (tests check the account scope reads the same).
    """
    if not model.scoped:
        return replace(model, deps=reads(model, "account", by_name)[0]), ()
    deps = reads(model, "shop", by_name)[0]
    shared, shared_tree = reads(model, "shared", by_name)
    # The reused view reads the shared scope's columns from both the shared and the account table.
    columns = output_columns(shared_tree) if model.reused else ()
    return replace(model, deps=deps, shared_deps=tuple(d for d in shared if d not in deps)), columns


def _graph() -> tuple[tuple[Model, ...], dict[str, tuple[str, ...]]]:
    """Every model with the models it reads, and the columns of the models whose shop scope reuses account rows."""
    declared = _declared()
    by_name = {m.name: m for m in declared}
    read = [_with_deps(m, by_name) for m in declared]
    return tuple(m for m, _ in read), {m.name: columns for m, columns in read if m.reused}


MODELS, REUSED_COLUMNS = _graph()
"""MODELS: every model, in the order of their headers; REUSED_COLUMNS: the columns of each model whose shop rows
are, outside shared buyer-days, the account scope's (models/reused.sql), as its shared scope returns them."""

MODELS_BY_NAME: dict[str, Model] = {m.name: m for m in MODELS}
