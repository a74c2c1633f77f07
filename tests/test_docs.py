"""The README and docs/ stay true to the code: generated tables, every setting and command, links that resolve."""
from __future__ import annotations

import re
from pathlib import Path

from kefu.cli import app
from kefu.config import SETTINGS
from kefu.docs import metrics_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))}
CLI_DOC = DOCS["cli.md"]
METRICS_DOC = DOCS["metrics.md"]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_readme_metric_table_is_generated_from_the_declarations() -> None:
    block = METRICS_DOC.split("<!-- metrics:start -->\n", 1)[1].split("<!-- metrics:end -->", 1)[0]
    assert block.strip() == metrics_markdown(["account_day", "shop_day"]).strip(), (
        "regenerate with: kefu metrics list --format markdown")


def test_readme_settings_table_is_generated_from_the_declarations() -> None:
    from kefu.docs import settings_markdown

    block = CLI_DOC.split("<!-- settings:start -->\n", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert block == settings_markdown(), "regenerate with: kefu settings --markdown"
    assert all(f"| `{setting.name}` |" in block for setting in SETTINGS)


def test_every_command_is_documented() -> None:
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    for name in names:
        if name != "version":
            assert f"kefu {name}" in CLI_DOC or f" {name} " in CLI_DOC, name


def test_the_two_commands_are_there() -> None:
    assert "make demo" in README and "make test" in README


def test_architecture_fact_table_is_generated_from_the_declarations() -> None:
    from kefu.docs import facts_markdown

    text = (Path(__file__).resolve().parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("<!-- facts:start -->\n", 1)[1].split("<!-- facts:end -->", 1)[0]
    assert block == facts_markdown(), "regenerate the block with kefu.docs.facts_markdown()"


def test_platform_worked_example_is_computed_by_each_preset(make_shop) -> None:
    from kefu.docs import preset_example_csv, presets_markdown

    accounts, messages = preset_example_csv()
    con = make_shop(accounts=accounts, messages=messages)
    text = (Path(__file__).resolve().parents[1] / "docs" / "platform.md").read_text(encoding="utf-8")
    block = text.split("<!-- presets:start -->\n", 1)[1].split("<!-- presets:end -->", 1)[0]
    assert block == presets_markdown(con), "regenerate the block with kefu.docs.presets_markdown()"
    assert "(docs/platform.md)" in README


def test_the_readme_is_short_and_links_every_doc() -> None:
    assert len(README.splitlines()) <= 200
    for name in DOCS:
        assert f"(docs/{name})" in README, f"docs/{name} is not linked from the README"


def test_links_stay_inside_the_repository_and_resolve() -> None:
    for path, text in [(ROOT / "README.md", README), *((ROOT / "docs" / n, t) for n, t in DOCS.items())]:
        for target in LINK.findall(text):
            assert "://" not in target and not target.startswith("/"), (path.name, target)
            resolved = (path.parent / target).resolve()
            assert resolved.is_relative_to(ROOT) and resolved.exists(), (path.name, target)
