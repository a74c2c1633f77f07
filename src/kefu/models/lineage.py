"""What a query reads and what it returns, read from its SQL with sqlglot."""
from __future__ import annotations

import sqlglot
from sqlglot import exp


def parse(sql: str) -> exp.Expr:
    """The syntax tree of one query in the models' dialect (DuckDB)."""
    return sqlglot.parse_one(sql, read="duckdb")


def tables_read(tree: exp.Expr) -> tuple[str, ...]:
    """The tables a query reads, in the order the text first names them; its CTEs are not tables."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = sorted((t for t in tree.find_all(exp.Table) if t.name not in ctes), key=lambda t: t.this.meta["start"])
    return tuple(dict.fromkeys(t.name for t in tables))


def output_columns(tree: exp.Expr) -> tuple[str, ...]:
    """The names of the columns a query returns; `alias.*` over one of its CTEs stands for that CTE's columns."""
    if not isinstance(tree, exp.Select):
        raise ValueError(f"not a single SELECT: {tree.sql(dialect='duckdb')[:60]!r}")
    ctes = {cte.alias_or_name: cte.this for cte in tree.find_all(exp.CTE)}
    aliases = {t.alias_or_name: t.name for t in tree.find_all(exp.Table) if t.parent_select is tree}
    out: list[str] = []
    for column in tree.selects:
        if isinstance(column, exp.Column) and isinstance(column.this, exp.Star):
            cte = ctes.get(aliases.get(column.table, ""))
            if cte is None:
                raise ValueError(f"{column.sql()} is not over a CTE of the query, so its columns are unknown")
            out += output_columns(cte)
        elif column.alias_or_name == "*":
            raise ValueError("SELECT * has no known columns")
        else:
            out.append(column.alias_or_name)
    return tuple(out)
