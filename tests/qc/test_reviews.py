"""Reviews of QC findings: decisions survive a rerun, dismissed findings stop deducting, precision per rule."""
from __future__ import annotations

import pytest

from kefu.config import Settings
from kefu.qc import findings, load_rules
from kefu.qc.reviews import ReviewError, precision, review
from kefu.qc.runner import run_qc
from tests.conftest import report_rows
from tests.qc.test_runner import ACCOUNTS, BOT, MESSAGES, ORDERS, A, D


@pytest.fixture
def con(make_shop):
    con = make_shop(accounts=ACCOUNTS, messages=MESSAGES, orders=ORDERS)
    run_qc(con, Settings(), load_rules())
    return con


def _id(con, rule_id: str, account: str = A) -> str:
    return next(f["finding_id"] for f in findings(con) if f["rule_id"] == rule_id and f["account"] == account)


def test_ids_are_unique_and_stable_across_runs(con) -> None:
    first = sorted(f["finding_id"] for f in findings(con))
    run_qc(con, Settings(), load_rules())
    assert sorted(f["finding_id"] for f in findings(con)) == first
    assert len(set(first)) == len(first) == 11


def test_a_dismissed_finding_stops_deducting_and_the_decision_survives_a_rerun(con) -> None:
    assert report_rows(con)[(A, D)]["qc_score"] == 59
    review(con, [_id(con, "offsite.phone")], "dismissed", "主管", "号码是店铺座机")
    run_qc(con, Settings(), load_rules())  # a rerun finds the same finding again, still dismissed
    row = report_rows(con)[(A, D)]
    assert (row["qc_score"], row["qc_findings"], row["qc_off_platform"]) == (79, 9, 0)
    stored = {f["rule_id"]: f for f in findings(con) if f["account"] == A}
    assert (stored["offsite.phone"]["decision"], stored["offsite.phone"]["note"]) == ("dismissed", "号码是店铺座机")
    assert [f["rule_id"] for f in findings(con, decision="dismissed")] == ["offsite.phone"]
    assert len(findings(con, decision="pending")) == 10


def test_confirmed_only_counts_just_the_confirmed_findings(con) -> None:
    review(con, [_id(con, "extreme.ranking")], "confirmed", "主管")
    only = Settings(qc_confirmed_only=True)
    row = report_rows(con, settings=only)[(A, D)]
    assert (row["qc_score"], row["qc_findings"], row["qc_extreme_words"]) == (90, 1, 1)
    # An account-day QC covered with nothing confirmed scores 100, not null.
    assert report_rows(con, settings=only)[(BOT, D)]["qc_score"] == 100


def test_undo_returns_a_finding_to_pending(con) -> None:
    fid = _id(con, "offsite.phone")
    review(con, [fid], "dismissed", "主管")
    review(con, [fid], None, "主管")
    assert report_rows(con)[(A, D)]["qc_score"] == 59
    assert con.execute("SELECT count(*) FROM qc_reviews").fetchone() == (0,)


def test_precision_counts_reviews_of_the_stored_findings_per_rule(con) -> None:
    review(con, [_id(con, "extreme.ranking"), _id(con, "extreme.ranking", BOT)], "confirmed", "主管")
    review(con, [_id(con, "offsite.phone")], "dismissed", "主管")
    found = precision(con)
    assert found["extreme.ranking"].rate == 1.0 and found["offsite.phone"].rate == 0.0
    assert found["flow.no_greeting"].rate is None and found["flow.no_greeting"].pending == 1


def test_unknown_or_foreign_findings_change_nothing(con) -> None:
    fid = _id(con, "offsite.phone")
    with pytest.raises(ReviewError, match="找不到质检发现 nope"):
        review(con, [fid, "nope"], "dismissed", "主管")
    with pytest.raises(ReviewError, match=fid):
        review(con, [fid], "dismissed", "主管", allowed=lambda shop, account: shop != "店")
    with pytest.raises(ReviewError, match="复核结论"):
        review(con, [fid], "maybe", "主管")
    assert con.execute("SELECT count(*) FROM qc_reviews").fetchone() == (0,)


def test_the_html_qc_summary_counts_what_the_figures_count(con) -> None:
    from kefu.reports.html_data import gather

    review(con, [_id(con, "offsite.phone")], "dismissed", "主管")
    review(con, [_id(con, "extreme.ranking")], "confirmed", "主管")

    def counted(settings: Settings) -> int:
        return sum(c["n"] for c in gather(con, settings).qc.counts)

    assert counted(Settings()) == 10  # 11 findings, the dismissed one left out
    assert counted(Settings(qc_confirmed_only=True)) == 1
