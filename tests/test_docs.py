"""The README stays true to the code: the metric table is the generated one, every setting and command is there."""
from __future__ import annotations

from pathlib import Path

from kefu.cli import app
from kefu.config import SETTINGS
from kefu.docs import metrics_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_metric_table_is_generated_from_the_declarations() -> None:
    block = README.split("<!-- metrics:start -->\n", 1)[1].split("<!-- metrics:end -->", 1)[0]
    assert block.strip() == metrics_markdown(["account_day", "shop_day"]).strip(), (
        "regenerate with: kefu metrics list --format markdown")


def test_readme_settings_table_is_generated_from_the_declarations() -> None:
    from kefu.docs import settings_markdown

    block = README.split("<!-- settings:start -->\n", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert block == settings_markdown(), "regenerate with: kefu settings --markdown"
    assert all(f"| `{setting.name}` |" in block for setting in SETTINGS)


def test_every_command_is_documented() -> None:
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    for name in names:
        if name != "version":
            assert f"kefu {name}" in README or f" {name} " in README, name


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
