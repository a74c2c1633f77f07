"""Rewrite the generated blocks of docs/ from the code: `make docs` (test_docs checks them)."""
from __future__ import annotations

from pathlib import Path

from kefu.docs import facts_markdown, metrics_markdown, settings_markdown

ROOT = Path(__file__).resolve().parents[1]
# (file, block name, its text): each block sits between <!-- name:start --> and <!-- name:end -->.
BLOCKS = (
    ("docs/metrics.md", "metrics", lambda: metrics_markdown(["account_day", "shop_day"])),
    ("docs/cli.md", "settings", settings_markdown),
    ("docs/architecture.md", "facts", facts_markdown),
)


def replaced(text: str, name: str, block: str) -> str:
    """text with the named block's content replaced."""
    start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return head + start + block + end + tail


def main() -> None:
    for name in dict.fromkeys(f for f, _, _ in BLOCKS):
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        for file, block, make in BLOCKS:
            if file == name:
                text = replaced(text, block, make())
        path.write_text(text, encoding="utf-8")
        print(f"rewrote the generated blocks of {name}")


if __name__ == "__main__":
    main()
