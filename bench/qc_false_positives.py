"""The default QC rules over real JDDC chat utterances: share flagged per rule (false positives on the service side).

Usage: python bench/qc_false_positives.py [--show N]   (N hits printed per rule, to read them)
The data stays in ../shared/data/real/ (research use only); nothing is copied.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from kefu.qc import Matcher, load_rules

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "jddc_chat_sample.txt"


def utterances(path: Path, service: bool) -> list[str]:
    """The texts of the lines sent by the service side (third column 1) or by customers (0)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 7 and parts[2] == ("1" if service else "0"):
            out.append(parts[6])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", type=int, default=0, help="hits to print per rule")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return 0
    for service in (True, False):
        sender = "agent" if service else "buyer"
        texts = utterances(DATA, service)
        rules = [r for r in load_rules().rules if r.check is None and sender in r.applies_to]
        hits = Matcher(rules, normalize=True).scan(texts, [sender] * len(texts))
        by_rule: dict[str, list] = defaultdict(list)
        for h in hits:
            by_rule[h.rule.id].append(h)
        who = "service" if service else "customer"
        print(f"{len(texts):,} {who} utterances, {len(rules)} word/regex rules for {sender} messages")
        print(f"{'rule':<28}{'severity':<8}{'flagged':>8}{'share':>9}")
        for r in rules:
            found = by_rule.get(r.id, [])
            print(f"{r.id:<28}{r.severity:<8}{len(found):>8}{len(found) / len(texts):>9.3%}")
            for h in found[:args.show]:
                print(f"    [{h.matched}] {texts[h.index][:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
