"""What a Spark facts folder was built from: the export's partition folders, their files, rows and days.

A facts folder holds manifest.json beside the fact tables. It records the fact version, the models' digest
and the fact settings the facts were computed under, and for each partition folder of each export table the
facts read (a leaf: `shop=…/month=…`, `month=…`, `shop=…` or `.` for the table's own folder) its files and,
per group of rows (an account for messages, accounts and presence; the whole leaf otherwise), their count,
an order-free digest and the first and last local day they name. Comparing the files tells which leaves a
new export rewrote without reading them; their groups tell what changed in them and on which days.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from kefu.config import Settings
from kefu.engines.spark import to_spark_sql
from kefu.export import hive_escape
from kefu.facts import FACTS_VERSION, fact_settings, models_digest
from kefu.facts_touched import DAY_COLUMNS
from kefu.sqltext import ident

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MANIFEST = "manifest.json"

# The export tables the stored facts read (facts._SHOP_ROWS lists the same: a test checks them with the models'
# lineage); the other tables (exams, QC) feed only models computed for each report.
FACT_INPUTS = ("messages", "orders", "refunds", "complaints", "ratings", "evaluations", "blocklist", "accounts",
               "presence")

# The rows of a leaf are summed up per account where the account decides which shop's facts they reach (presence
# has no shop column) or whether every day of a shop may change (an account new to a shop's messages).
GROUP_COLUMN = {"messages": "account", "accounts": "account", "presence": "account"}

Files = list[list[Any]]  # [name, size, mtime_ns] of each Parquet file of a leaf
Group = list[Any]  # [rows, digest, first day, last day] (days as ISO text, None without day columns)


@dataclass
class Leaf:
    """One partition folder of an export table: its files, and its rows summed up per group."""

    files: Files
    groups: dict[str, Group] | None = None  # None until read


Export = dict[str, dict[str, Leaf]]  # table -> leaf path -> leaf


@dataclass
class Manifest:
    """What the facts were computed under and from; `complete` is False while a build writes them."""

    version: int
    digest: str
    settings: dict[str, object]
    export: Export
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # table -> columns, schema (Spark JSON)
    complete: bool = True

    def matches(self, settings: Settings) -> bool:
        """True when facts of this kefu's models under these settings were completely written."""
        return (self.complete and self.version == FACTS_VERSION and self.digest == models_digest()
                and self.settings == fact_settings(settings))

    def difference(self, settings: Settings) -> str:
        """Why these facts cannot serve settings (Chinese first), empty when they can."""
        if not self.complete:
            return "事实表上次未写完 / the facts were not completely written"
        if self.version != FACTS_VERSION or self.digest != models_digest():
            return "事实表由旧版本生成 / the facts are from an older kefu"
        wanted = fact_settings(settings)
        changed = [f"{k}={wanted[k]}（事实表为 {self.settings.get(k)}）" for k in wanted
                   if wanted[k] != self.settings.get(k)]
        return f"设置与事实表不同：{'，'.join(changed)} / settings differ from the facts'" if changed else ""


def new_manifest(settings: Settings, export: Export) -> Manifest:
    """An empty manifest of this kefu under settings, over an export."""
    return Manifest(FACTS_VERSION, models_digest(), fact_settings(settings), export, complete=False)


def read_manifest(facts_dir: Path) -> Manifest | None:
    """The manifest of a facts folder; None when there is none (or it cannot be read)."""
    try:
        raw = json.loads((facts_dir / MANIFEST).read_text(encoding="utf-8"))
        export = {t: {k: Leaf(v["files"], v.get("groups")) for k, v in leaves.items()}
                  for t, leaves in raw["export"].items()}
        return Manifest(raw["facts_version"], raw["models_digest"], raw["settings"], export, raw.get("facts", {}),
                        raw.get("complete", False))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_manifest(facts_dir: Path, manifest: Manifest) -> None:
    """Write the manifest whole (a new file renamed over the old, so a reader never sees half of it)."""
    facts_dir.mkdir(parents=True, exist_ok=True)
    raw = {"facts_version": manifest.version, "models_digest": manifest.digest, "settings": manifest.settings,
           "complete": manifest.complete, "facts": manifest.facts,
           "export": {t: {k: {"files": leaf.files, "groups": leaf.groups} for k, leaf in sorted(leaves.items())}
                      for t, leaves in sorted(manifest.export.items())}}
    tmp = facts_dir / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(raw, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, facts_dir / MANIFEST)


def list_export(data: Path) -> Export:
    """The leaves of each export table the facts read, with their files (no rows read)."""
    out: Export = {}
    for table in FACT_INPUTS:
        leaves: dict[str, Files] = {}
        for path in sorted((data / table).rglob("*.parquet")):
            if any(part.startswith((".", "_")) for part in path.relative_to(data / table).parts):
                continue  # what Spark and the export's staging leave aside
            stat = path.stat()
            leaves.setdefault(path.parent.relative_to(data / table).as_posix(), []).append(
                [path.name, stat.st_size, stat.st_mtime_ns])
        out[table] = {key: Leaf(files) for key, files in leaves.items()}
    return out


def same_files(a: Export, b: Export) -> bool:
    """True when both listings name the same files of the same sizes and times."""
    return {t: {k: v.files for k, v in leaves.items()} for t, leaves in a.items()} == \
        {t: {k: v.files for k, v in leaves.items()} for t, leaves in b.items()}


def leaf_shop(key: str) -> str | None:
    """The shop a leaf path names (None for a leaf without one)."""
    for part in key.split("/"):
        if part.startswith("shop="):
            return unquote(part.removeprefix("shop="))
    return None


def read_groups(spark: SparkSession, data: Path, table: str, leaves: dict[str, Leaf], settings: Settings) -> None:
    """Fill in the groups of these leaves of a table, one Spark query for the leaves of each layout."""
    by_layout: dict[tuple[str, ...], list[str]] = {}
    for key in leaves:
        layout = tuple(p.split("=", 1)[0] for p in key.split("/") if "=" in p)
        by_layout.setdefault(layout, []).append(key)
    for layout, keys in by_layout.items():
        found: dict[str, dict[str, Group]] = {key: {} for key in keys}
        files = [str(data / table / key / f[0]) for key in keys for f in leaves[key].files]
        df = spark.read.option("basePath", str(data / table)).parquet(*files)
        df.createOrReplaceTempView("kefu_leaves")
        for row in spark.sql(_groups_sql(table, layout, [c for c in df.columns if c not in layout], settings)
                             ).collect():
            key = "/".join(f"{c}={hive_escape(row[c])}" for c in layout) or "."
            found[key][row["g"]] = [row["n"], row["digest"], row["lo"], row["hi"]]
        for key in keys:
            leaves[key].groups = found[key]


def _groups_sql(table: str, layout: tuple[str, ...], columns: list[str], settings: Settings) -> str:
    """The Spark query summing up the rows of kefu_leaves per leaf and group."""
    day_columns = DAY_COLUMNS.get(table, ())
    if day_columns:
        cols = [ident(c) for c in day_columns]
        lo = f"least({', '.join(cols)})" if len(cols) > 1 else cols[0]
        hi = f"greatest({', '.join(cols)})" if len(cols) > 1 else cols[0]
        days = f"CAST(min(local_day({lo})) AS VARCHAR) AS lo, CAST(max(local_day({hi})) AS VARCHAR) AS hi"
    else:
        days = "CAST(NULL AS VARCHAR) AS lo, CAST(NULL AS VARCHAR) AS hi"
    group = ident(GROUP_COLUMN[table]) if table in GROUP_COLUMN else "''"
    keys = [ident(c) for c in layout]
    # The digest is a sum of row hashes: the same rows give the same digest in whatever files and order.
    digest = f"CAST(sum(CAST(xxhash64({', '.join(ident(c) for c in columns)}) AS DECIMAL(38, 0))) AS VARCHAR)"
    # Grouped by the group too when it is the constant '': an empty leaf then has no group at all.
    sql = (f"SELECT {''.join(k + ', ' for k in keys)}{group} AS g, count(*) AS n, {digest} AS digest, {days} "
           f"FROM kefu_leaves GROUP BY {''.join(k + ', ' for k in keys)}g")
    return to_spark_sql(sql, settings, pretty=False)
