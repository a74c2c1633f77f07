"""The conversation rules and the buyer's emotion over real JDDC conversations, to read their hits.

Usage: python bench/qc_real_conversations.py [--show N] [--rule ID]
JDDC has no times: each session becomes one buyer's conversation on its own day, its messages 20 s apart, so the
rules that time replies (首响超时, 慢回复未致歉, 漏跟进) say nothing here and are not shown. The sample stays in
../shared/data/real/ (research use only); it is imported into a temporary warehouse, nothing is copied.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
from collections import Counter
from pathlib import Path

from kefu.config import Settings
from kefu.ingest import import_paths
from kefu.qc import findings, load_rules
from kefu.qc.runner import run_qc
from kefu.store import Warehouse

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "jddc_chat_sample.txt"
SHOP, ACCOUNT = "京东店", "京东店:客服"
TIMED = {"flow.slow_first_reply", "flow.slow_no_apology", "flow.no_follow_up"}
START = dt.datetime(2026, 1, 1, 10, 0, 0)


def write_shop(folder: Path) -> int:
    """accounts.csv and messages.csv of the sample's sessions; the number of sessions."""
    sessions: dict[str, int] = {}
    sent: Counter[str] = Counter()
    with (folder / "accounts.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("account", "shop", "agent_name", "group", "kind"),
                                 (ACCOUNT, SHOP, "客服", "售后", "human")])
    with (folder / "messages.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(("msg_id", "shop", "buyer", "account", "sender", "ts", "content", "msg_type"))
        for i, line in enumerate(DATA.read_text(encoding="utf-8").splitlines()):
            parts = line.split("\t")
            if len(parts) < 7:
                continue
            day = sessions.setdefault(parts[0], len(sessions))
            ts = START + dt.timedelta(days=day, seconds=20 * sent[parts[0]])
            sent[parts[0]] += 1
            out.writerow((f"j{i}", SHOP, parts[1], ACCOUNT, "agent" if parts[2] == "1" else "buyer",
                          ts.isoformat(" "), parts[6], "text"))
    return len(sessions)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", type=int, default=10, help="hits to print per rule")
    parser.add_argument("--rule", help="only this rule id")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sessions = write_shop(folder)
        with Warehouse.open(folder / "jddc.duckdb") as wh:
            import_paths(wh, [folder], Settings())
            run = run_qc(wh.con, Settings(), load_rules())
            rows = findings(wh.con, mask=False)
            emotions = run.emotions
            for r in rows:  # the buyer's message before the one a finding quotes, to judge it in context
                before = wh.con.execute("SELECT content FROM messages WHERE shop = ? AND buyer = ? AND ts < ? "
                                        "AND sender = 'buyer' ORDER BY ts DESC LIMIT 1",
                                        [r["shop"], r["buyer"], r["ts"]]).fetchall()
                r["before"] = before[0][0] if before else ""
    counted = Counter(r["rule_id"] for r in rows if r["rule_id"] not in TIMED)
    print(f"{sessions:,} sessions, {run.messages:,} messages; findings by rule (timed rules left out):")
    for rule_id, n in counted.most_common():
        print(f"  {rule_id:<28} {n:>6,}  {n / sessions:6.1%} of sessions")
    compared = [e for e in emotions if e["worsened"] is not None]
    worse = sum(1 for e in compared if e["worsened"])
    print(f"buyer emotion: {len(compared):,} sessions with two buyer messages or more, {worse:,} ended more "
          f"negative ({worse / max(len(compared), 1):.1%})")
    for rule_id in counted:
        if args.rule and rule_id != args.rule:
            continue
        print(f"--- {rule_id}")
        for r in [r for r in rows if r["rule_id"] == rule_id][:args.show]:
            print(f"  {r['matched'] or ''} | 买家：{r['before'][:50]} → {r['text'][:60]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
