"""The `kefu` command starts light: its import and every --help load none of the data libraries."""
from __future__ import annotations

import json
import subprocess
import sys

# What the commands load when they run, never to show their help.
HEAVY = ("duckdb", "pyarrow", "numpy", "pandas", "pyspark", "openpyxl", "xlsxwriter", "jinja2", "plotly", "fastapi",
         "uvicorn", "jionlp", "sqlglot", "ortools", "ciw", "kefu.engines", "kefu.store", "kefu.facts", "kefu.report",
         "kefu.reports", "kefu.qc", "kefu.web", "kefu.staffing", "kefu.exam", "kefu.ingest", "kefu.docs")

# Run in a fresh interpreter: imports the entry point, then shows the help of every command through it.
PROBE = """
import json, sys
import click, typer
HEAVY = tuple(sys.argv[1:])

def heavy():
    return [h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in sys.modules)]

from kefu.cli import app, run
seen = {"import": heavy()}

def paths(cmd, path):
    yield path
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from paths(sub, [*path, name])

for path in paths(typer.main.get_command(app), []):
    sys.argv = ["kefu", *path, "--help"]
    try:
        run()
    except SystemExit as done:
        assert done.code in (0, None), (path, done.code)
    seen[" ".join(["kefu", *path, "--help"])] = heavy()
print(json.dumps(seen))
"""


def test_help_loads_no_heavy_module() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, *HEAVY], capture_output=True, text=True, encoding="utf-8",
                          check=True)
    seen = json.loads(done.stdout.splitlines()[-1])
    assert "kefu report --help" in seen and "kefu qc run --help" in seen  # the walk reached the subcommands
    assert {step: loaded for step, loaded in seen.items() if loaded} == {}
