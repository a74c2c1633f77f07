"""A QC run on a small shop: each check fires where it should, findings are stored once, scores reach reports."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from kefu.config import Settings
from kefu.qc import findings, load_rules
from kefu.qc.runner import run_qc
from kefu.report import NoData
from tests.conftest import message_csv, report_rows

D = "2026-11-11"
A, BOT = "店:甲", "店:蜜"
ACCOUNTS = "account,shop,agent_name,group,kind\n店:甲,店,甲,售前,human\n店:蜜,店,蜜,售前,bot\n"
ORDERS = ("order_id,shop,buyer,created_at,paid_at,amount,items,status\n"
          f"o1,店,买家一号,{D} 10:04:00,{D} 10:05:00,99,1,\n"
          f"o3,店,买家三号,{D} 12:05:00,{D} 12:10:00,99,1,\n")
MESSAGES = message_csv(
    # Greets in time, says 全网最低, verifies the paid order, says goodbye: one finding (极限词).
    f"买家一号|{A}|buyer|{D} 10:00:00|在吗",
    f"买家一号|{A}|agent|{D} 10:00:03|亲，您好，在的",
    f"买家一号|{A}|buyer|{D} 10:00:30|这款最便宜吗",
    f"买家一号|{A}|agent|{D} 10:01:00|这是全网最低价了",
    f"买家一号|{A}|buyer|{D} 10:03:00|好的我拍了",
    f"买家一号|{A}|agent|{D} 10:06:00|好的亲，跟您核对一下收货地址和电话",
    f"买家一号|{A}|agent|{D} 10:06:30|感谢您的光临，祝您生活愉快",
    # Threatens twice (one risk finding), a slow curt first reply that answers 有货 to 发货 (a candidate for
    # review), no polite word, the buyer has the last word.
    f"买家二号|{A}|buyer|{D} 11:00:00|再不发货我要投诉",
    f"买家二号|{A}|agent|{D} 11:00:20|有货",
    f"买家二号|{A}|buyer|{D} 11:01:00|我要给差评",
    # Pays but nothing is verified, the agent gives a phone number and ends without a goodbye.
    f"买家三号|{A}|buyer|{D} 12:00:00|在吗",
    f"买家三号|{A}|agent|{D} 12:00:02|您好亲",
    f"买家三号|{A}|buyer|{D} 12:00:10|多少钱",
    f"买家三号|{A}|agent|{D} 12:00:30|99元，有事打13812345678",
    # The bot is checked by the word rules (全网最低), not by the flow checks of human agents.
    f"买家四号|{BOT}|buyer|{D} 13:00:00|在吗",
    f"买家四号|{BOT}|bot|{D} 13:00:30|全网最低价哦",
)
EXPECTED = Counter({
    (A, "extreme.ranking"): 1, (A, "risk.complaint"): 1, (A, "flow.slow_first_reply"): 1,
    (A, "flow.no_greeting"): 1, (A, "politeness.none"): 1, (A, "flow.unclosed"): 1, (A, "flow.no_farewell"): 1,
    (A, "flow.no_verify"): 1, (A, "offsite.phone"): 1, (BOT, "extreme.ranking"): 1, (A, "flow.off_topic"): 1,
})


@pytest.fixture
def con(make_shop):
    return make_shop(accounts=ACCOUNTS, messages=MESSAGES, orders=ORDERS)


def test_each_check_fires_where_it_should(con) -> None:
    run = run_qc(con, Settings(), load_rules())
    assert Counter((f["account"], f["rule_id"]) for f in run.findings) == EXPECTED
    by_rule = {f["rule_id"]: f for f in run.findings if f["account"] == A}
    assert by_rule["risk.complaint"]["text"] == "再不发货我要投诉"
    assert by_rule["flow.slow_first_reply"]["matched"] == "首次响应 20 秒 > 6 秒"
    assert by_rule["flow.unclosed"]["text"] == "我要给差评"
    assert by_rule["flow.no_verify"]["buyer"] == "买家三号"
    assert by_rule["extreme.ranking"]["day"] == dt.date(2026, 11, 11)
    assert by_rule["extreme.ranking"]["ts"] == dt.datetime(2026, 11, 11, 2, 1, 0)  # UTC
    assert run.messages == 16


def test_scores_reach_the_report_only_after_a_run(con) -> None:
    before = report_rows(con)[(A, D)]
    assert before["qc_score"] is None and before["qc_findings"] is None
    run_qc(con, Settings(), load_rules())
    rows = report_rows(con)
    row = rows[(A, D)]
    # 10 (极限词) + 20 (手机号) + 1 + 1 + 3 + 2 + 1 + 3 (流程与礼貌); 风险会话 and the 答非所问 candidate
    # (for review) cost nothing.
    assert row["qc_score"] == 100 - 41
    assert row["qc_findings"] == 10
    assert (row["qc_extreme_words"], row["qc_off_platform"], row["qc_flow"], row["qc_politeness"],
            row["qc_risk"], row["qc_tone"], row["qc_violations"]) == (1, 1, 6, 1, 1, 0, 0)
    assert rows[(BOT, D)]["qc_score"] == 90
    assert report_rows(con, period="all")[(A, f"{D}~{D}")]["qc_score"] == 59


def test_rerunning_replaces_the_findings_of_the_same_scope(con) -> None:
    run_qc(con, Settings(), load_rules())
    second = run_qc(con, Settings(), load_rules())
    assert con.execute("SELECT count(*), count(DISTINCT run_id) FROM qc_findings").fetchone() == (11, 1)
    assert con.execute("SELECT run_id, findings FROM qc_runs").fetchall() == [(second.run_id, 11)]
    one = run_qc(con, Settings(), load_rules(), account=A)
    runs = dict(con.execute("SELECT run_id, findings FROM qc_runs").fetchall())
    assert runs == {second.run_id: 1, one.run_id: 10}
    assert con.execute("SELECT count(*) FROM qc_findings").fetchone() == (11,)


def test_findings_are_newest_first_and_masked(con) -> None:
    run_qc(con, Settings(), load_rules())
    rows = findings(con)
    assert [r["ts"] for r in rows] == sorted((r["ts"] for r in rows), reverse=True)
    phone = next(r for r in rows if r["rule_id"] == "offsite.phone")
    assert phone["buyer"] == "买***号" and phone["text"] == "99元，有事打138****5678"
    assert "13812345678" in next(r for r in findings(con, mask=False) if r["rule_id"] == "offsite.phone")["text"]
    assert {r["account"] for r in findings(con, account=BOT)} == {BOT}
    assert findings(con, day_from=dt.date(2026, 11, 12)) == []


def test_nothing_to_inspect(con) -> None:
    with pytest.raises(NoData):
        run_qc(con, Settings(), load_rules(), account="店:无此人")


def test_a_run_for_one_account_covers_only_that_account(con) -> None:
    run_qc(con, Settings(), load_rules(), account=BOT)
    rows = report_rows(con)
    assert rows[(BOT, D)]["qc_score"] == 90 and rows[(A, D)]["qc_score"] is None
    assert con.execute("SELECT account FROM qc_run_accounts").fetchall() == [(BOT,)]
    run_qc(con, Settings(), load_rules())
    assert con.execute("SELECT count(*) FROM qc_run_accounts").fetchone() == (0,)
    assert report_rows(con)[(A, D)]["qc_score"] == 59


def test_explain_lists_the_findings_behind_a_figure(con) -> None:
    from kefu.explain import explain

    run_qc(con, Settings(), load_rules())
    exp = explain(con, Settings(), "qc_off_platform", dt.date(2026, 11, 11), account=A)
    assert exp.value == 1
    (evidence,) = exp.evidence
    row = dict(zip(evidence.columns, evidence.rows[0]))
    assert (row["rule_name"], row["matched"], row["buyer"]) == ("发送手机号", "138****5678", "买***号")
    assert len(explain(con, Settings(), "qc_findings", dt.date(2026, 11, 11), account=A).evidence[0].rows) == 10


def test_slow_replies_need_an_apology_and_promises_a_reply(make_shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        # Answered after 200 s: the next reply apologises, so it passes.
        f"买家五号|{A}|buyer|{D} 14:00:00|在吗",
        f"买家五号|{A}|agent|{D} 14:03:20|在的",
        f"买家五号|{A}|agent|{D} 14:03:30|不好意思久等了",
        # Answered after 300 s and two more replies without a word of apology: one finding.
        f"买家六号|{A}|buyer|{D} 15:00:00|有货吗",
        f"买家六号|{A}|agent|{D} 15:05:00|有",
        f"买家六号|{A}|agent|{D} 15:05:10|要什么尺码",
        # 稍等 and then 20 minutes of silence while the buyer waits; a second 稍等 and nothing after it.
        f"买家七号|{A}|buyer|{D} 16:00:00|发货了吗",
        f"买家七号|{A}|agent|{D} 16:00:05|亲，稍等，我查一下",
        f"买家七号|{A}|buyer|{D} 16:10:00|在吗",
        f"买家七号|{A}|agent|{D} 16:20:05|亲，已经发出了",
        f"买家七号|{A}|agent|{D} 16:20:10|稍等我再看看单号",
        # 马上 and the answer a minute later: kept.
        f"买家八号|{A}|buyer|{D} 17:00:00|能改地址吗",
        f"买家八号|{A}|agent|{D} 17:00:04|马上为您核实",
        f"买家八号|{A}|agent|{D} 17:01:00|可以改的亲",
    ))
    run = run_qc(con, Settings(), load_rules(), store=False)
    slow = sorted((f["buyer"], f["text"], f["matched"]) for f in run.findings
                  if f["rule_id"] == "flow.slow_no_apology")
    # 买家七号 asked 在吗 and waited 605 s for the answer.
    assert slow == sorted([("买家六号", "有", "响应 300 秒 > 180 秒，其后 2 条回复没有致歉"),
                           ("买家七号", "亲，已经发出了", "响应 605 秒 > 180 秒，其后 2 条回复没有致歉")])
    late = sorted((f["text"], f["matched"]) for f in run.findings if f["rule_id"] == "flow.no_follow_up")
    assert late == [("亲，稍等，我查一下", "答应稍后回复，20 分钟后才再回复"),
                    ("稍等我再看看单号", "答应稍后回复，之后再没有回复")]


def test_a_rule_can_change_a_checks_parameters(make_shop, tmp_path) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"买家六号|{A}|buyer|{D} 15:00:00|有货吗", f"买家六号|{A}|agent|{D} 15:05:00|有"))
    stricter = tmp_path / "stricter.toml"
    stricter.write_text('[[rule]]\nid = "flow.slow_no_apology"\nname = "慢回复未致歉"\ncategory = "流程"\n'
                        'severity = "一般"\npoints = 2\napplies_to = ["agent"]\ncheck = "slow_no_apology"\n'
                        'expect = "抱歉"\nparams = { threshold_s = 400 }\n', encoding="utf-8")
    run = run_qc(con, Settings(), load_rules([stricter]), store=False)
    assert not [f for f in run.findings if f["rule_id"] == "flow.slow_no_apology"]  # 300 s is within 400 s


def test_transfers_short_answers_and_invitations(make_shop) -> None:
    orders = ("order_id,shop,buyer,created_at,paid_at,amount,items,status\n"
              f"o1,店,买家十号,{D} 10:05:00,{D} 10:06:00,99,1,交易成功\n"
              f"o2,店,买家十一号,{D} 11:05:00,{D} 11:06:00,59,1,交易成功\n")
    evaluations = "eval_id,account,buyer,invited_at,rated_at,level\n" \
                  f"e1,{A},买家十一号,{D} 11:10:00,,\n"
    con = make_shop(accounts=ACCOUNTS, orders=orders, evaluations=evaluations, messages=message_csv(
        # Handed over with a word first: kept. Handed over cold: a finding on the notice.
        f"买家八号|{A}|buyer|{D} 09:00:00|我要退货",
        f"买家八号|{A}|agent|{D} 09:00:10|亲，退货我帮您转接售后同事",
        f"买家八号|{A}|system|{D} 09:00:20|已转接给小李",
        f"买家九号|{A}|buyer|{D} 09:30:00|我要退款",
        f"买家九号|{A}|agent|{D} 09:30:10|好的",
        f"买家九号|{A}|system|{D} 09:30:20|已转接给小李",
        # 发货 asked, 好的 answered: a candidate. 颜色 asked, 有红色 answered: it names the topic.
        f"买家十号|{A}|buyer|{D} 10:00:00|这个什么时候发货",
        f"买家十号|{A}|agent|{D} 10:00:05|好的",
        f"买家十号|{A}|buyer|{D} 10:01:00|有别的颜色吗",
        f"买家十号|{A}|agent|{D} 10:01:05|有红色",
        # A yes-or-no question answered yes, and 发票 is not shipping: neither is a candidate.
        f"买家十二号|{A}|buyer|{D} 10:30:00|这款包邮吗",
        f"买家十二号|{A}|agent|{D} 10:30:05|是的亲",
        f"买家十二号|{A}|buyer|{D} 10:31:00|可以开发票吗",
        f"买家十二号|{A}|agent|{D} 10:31:05|不能",
        # Both paid; only 买家十一号 was invited to evaluate.
        f"买家十一号|{A}|buyer|{D} 11:00:00|在吗",
        f"买家十一号|{A}|agent|{D} 11:00:05|在的亲",
    ))
    run = run_qc(con, Settings(), load_rules(), store=False)
    by_rule = {}
    for f in run.findings:
        by_rule.setdefault(f["rule_id"], []).append((f["buyer"], f["text"], f["matched"]))
    assert by_rule["flow.transfer_unexplained"] == [("买家九号", "已转接给小李", "转接前的最后一条回复没有说明转接")]
    assert by_rule["flow.off_topic"] == [("买家十号", "好的", "买家问发货，回复只有 2 个字且没有提到")]
    assert by_rule["flow.no_invite"] == [("买家十号", "有红色", "买家已付款，当天没有邀请评价")]
    assert {f["points"] for f in run.findings if f["rule_id"] == "flow.off_topic"} == {0.0}  # for review only


def test_buyer_emotion_reaches_the_report_and_ranks_the_risk_list(make_shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        # Starts calm, ends threatening: worsened.
        f"甲买家|{A}|buyer|{D} 10:00:00|在吗",
        f"甲买家|{A}|agent|{D} 10:00:03|您好亲",
        f"甲买家|{A}|buyer|{D} 10:05:00|再不发货我要投诉",
        # Starts angry, ends thankful: better.
        f"乙买家|{A}|buyer|{D} 11:00:00|你们就是骗子，我要给差评",
        f"乙买家|{A}|agent|{D} 11:00:05|非常抱歉亲，马上为您处理",
        f"乙买家|{A}|buyer|{D} 11:02:00|好的谢谢",
        # One buyer message: no course.
        f"丙买家|{A}|buyer|{D} 12:00:00|投诉",
        f"丙买家|{A}|agent|{D} 12:00:05|您好亲"))
    run = run_qc(con, Settings(), load_rules())
    by_buyer = {e["buyer"]: e for e in run.emotions}
    assert (by_buyer["甲买家"]["worsened"], by_buyer["乙买家"]["worsened"], by_buyer["丙买家"]["worsened"]) == (
        True, False, None)
    row = report_rows(con)[(A, D)]
    assert row["emotion_worsened_rate"] == 0.5
    assert row["emotion_change_avg"] == pytest.approx(
        (by_buyer["甲买家"]["change"] + by_buyer["乙买家"]["change"]) / 2)
    # The risk list puts the most upset buyer first, not the newest finding.
    risk = [f["buyer"] for f in findings(con, category="风险会话", mask=False)]
    assert risk[0] == "乙买家" and set(risk) == {"甲买家", "乙买家", "丙买家"}
    from kefu.explain import explain

    worsened, comparable = explain(con, Settings(), "emotion_worsened_rate", dt.date(2026, 11, 11), account=A).evidence
    assert [dict(zip(worsened.columns, r))["buyer"] for r in worsened.rows] == ["甲***家"]
    assert len(comparable.rows) == 2
