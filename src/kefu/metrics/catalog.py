"""Every KPI of the contract, declared once: id, labels, unit, and its formula over a model."""
from __future__ import annotations

from typing import Any

from kefu.metrics.metric import Metric, derived, measure, ratio

A = ("account_day",)
# Paid-conversion figures are explained by the credited orders paid in their window.
PAID_IN_WINDOW: dict[str, Any] = {"explain": "paid_in_window = 1", "explain_model": "credited_orders"}
S = ("shop_day",)
AS = ("account_day", "shop_day")

METRICS: tuple[Metric, ...] = (
    # §2 conversation metrics
    measure("inquiry_buyers", "咨询人数", "inquiring buyers", "count", AS, "conversations", "SUM(inquiry)",
            "当天给该客服（店铺）发过消息的未过滤买家数",
            "non-filtered buyers who sent at least one message on the day",
            explain="inquiry = 1"),
    measure("replied_buyers", "回复人数", "replied buyers", "count", AS, "conversations", "SUM(replied)",
            "咨询买家中，首条消息之后当天得到有效回复（人工或店小蜜）的人数",
            "inquiring buyers who got a valid reply (agent or bot) after their first message that day",
            explain="replied = 1"),
    ratio("reply_rate", "回复率", "reply rate", AS, "replied_buyers", "inquiry_buyers",
          "回复人数 ÷ 咨询人数（按人数，不按消息数）", "replied buyers / inquiring buyers (by people)"),
    derived("unreplied_buyers", "未回复人数", "unreplied buyers", "count", A, "{inquiry_buyers} - {replied_buyers}",
            "咨询人数 − 回复人数", "inquiring buyers - replied buyers",
            model="conversations", explain="inquiry = 1 AND replied = 0"),
    measure("buyer_messages", "买家消息数", "buyer messages", "count", A, "conversations", "SUM(buyer_messages)",
            "未过滤买家发给该客服的消息条数", "messages from non-filtered buyers", explain="buyer_messages > 0"),
    measure("agent_messages", "客服消息数", "agent messages", "count", A, "conversations", "SUM(agent_messages)",
            "该客服（含店小蜜）发给未过滤买家的有效回复条数，含买家发言之前的",
            "valid replies to non-filtered buyers, also those sent before the buyer wrote",
            explain="agent_messages > 0"),
    ratio("answer_ratio", "答问比", "answer ratio", A, "agent_messages", "buyer_messages",
          "客服消息数 ÷ 买家消息数", "agent messages / buyer messages", unit="ratio"),
    measure("questions", "提问次数", "questions", "count", A, "questions", "COUNT(*)",
            "买家的提问次数：连续的多条买家消息算一次提问，从第一条起计时",
            "buyer questions: a burst of consecutive buyer messages is one question, timed from its first"),
    measure("responses", "响应次数", "responses", "count", A, "questions", "COUNT(reply_ts)",
            "当天得到回复的提问次数（次日回复不算）", "questions answered on the same day",
            explain="reply_ts IS NOT NULL"),
    derived("unanswered_questions", "未响应次数", "unanswered questions", "count", A, "{questions} - {responses}",
            "提问次数 − 响应次数", "questions - responses", model="questions", explain="reply_ts IS NULL"),
    measure("avg_response_s", "平均响应时间(秒)", "average response time (s)", "seconds", A, "questions",
            "AVG(response_s)", "所有响应的响应时间的平均值", "mean response time over responses",
            additive=False, explain="reply_ts IS NOT NULL"),
    measure("median_response_s", "响应时间中位数(秒)", "median response time (s)", "seconds", A, "questions",
            "quantile_cont(response_s, 0.5)", "响应时间的中位数（偶数个时取中间两个的平均）",
            "median of the response times", additive=False, explain="reply_ts IS NOT NULL"),
    measure("p90_response_s", "响应时间P90(秒)", "P90 response time (s)", "seconds", A, "questions",
            "quantile_cont(response_s, 0.9)", "响应时间的 90 分位数（相邻秩线性插值）",
            "90th percentile of the response times, linear interpolation", additive=False,
            explain="reply_ts IS NOT NULL"),
    measure("avg_first_response_s", "平均首次响应时间(秒)", "average first response time (s)", "seconds", A,
            "conversations", "AVG(first_response_s)", "回复人数中，每位买家当天第一次提问的响应时间的平均值",
            "mean over replied buyers of their first question's response time", additive=False,
            explain="replied = 1"),
    measure("slow_responses", "慢响应次数", "slow responses", "count", A, "questions",
            "SUM(CASE WHEN response_s > ${slow_threshold_s} THEN 1 ELSE 0 END)",
            "响应时间超过响应时长界限（slow_threshold_s，默认 15 秒）的次数",
            "responses slower than slow_threshold_s", explain="response_s > ${slow_threshold_s}"),
    derived("within_threshold_rate", "15秒响应率", "within-threshold rate", "rate", A,
            "CAST({responses} - {slow_responses} AS DOUBLE) / NULLIF({responses}, 0)",
            "（响应次数 − 慢响应次数）÷ 响应次数", "(responses - slow responses) / responses"),
    measure("fast_first_responses", "黄金首响人数", "fast first responses", "count", A, "conversations",
            "SUM(CASE WHEN first_response_s <= ${fast_first_response_s} THEN 1 ELSE 0 END)",
            "首次响应时间不超过黄金响应（fast_first_response_s，默认 6 秒）的回复人数",
            "replied buyers whose first response came within fast_first_response_s",
            hidden=True, explain="first_response_s <= ${fast_first_response_s}"),
    ratio("fast_first_response_rate", "黄金6秒首响率", "fast first response rate", A,
          "fast_first_responses", "replied_buyers",
          "首次响应不超过黄金响应时间的人数 ÷ 回复人数", "replied buyers with a fast first response / replied buyers"),
    measure("unclosed_buyers", "未闭环人数", "unclosed buyers", "count", A, "conversations", "SUM(unclosed)",
            "当天与该客服的最后一条消息是买家发的咨询人数（最后一句应由店铺说）",
            "inquiring buyers who had the last word of the day", explain="unclosed = 1"),
    measure("max_concurrent", "最大同时接待人数", "max concurrent sessions", "count", A, "concurrency",
            "MAX(max_concurrent)", "同一时刻重叠的会话数的最大值（消息间隔超过 session_gap_s 切分会话）",
            "the most sessions overlapping at one instant", additive=False),
    measure("online_hours", "在线时长(小时)", "online hours", "hours", A, "account_online",
            "SUM(online_us) / 3600000000.0",
            "当天处于在线或忙碌状态的小时数（无在线状态记录的账号为空）",
            "hours of the day online or busy (null without presence rows)", additive=False),
    # §3 conversion
    measure("ordered_buyers", "询单下单人数", "ordering inquirers", "count", A, "conversion", "SUM(ordered)",
            "有订单归属到本次询单的咨询人数", "inquiring buyers with an order credited to the inquiry",
            explain_model="credited_orders"),
    measure("paid_buyers", "询单成交人数", "paying inquirers", "count", AS, "conversion", "SUM(paid)",
            "有归属订单在窗口内付款的咨询人数", "inquiring buyers with a credited order paid in the window",
            **PAID_IN_WINDOW),
    measure("inquiry_orders", "询单成交笔数", "inquiry orders", "count", A, "conversion", "SUM(paid_orders)",
            "窗口内付款的归属订单笔数", "credited orders paid in the window",
            **PAID_IN_WINDOW),
    measure("inquiry_sales", "询单成交金额", "inquiry sales", "yuan", AS, "conversion", "SUM(sales)",
            "窗口内付款的归属订单金额之和", "sum of the amounts of credited orders paid in the window",
            **PAID_IN_WINDOW),
    measure("inquiry_items", "询单成交件数", "inquiry items", "items", A, "conversion", "SUM(items)",
            "窗口内付款的归属订单件数之和", "sum of the items of credited orders paid in the window",
            **PAID_IN_WINDOW),
    ratio("order_conversion_rate", "询单→下单转化率", "inquiry-to-order rate", A, "ordered_buyers", "inquiry_buyers",
          "询单下单人数 ÷ 咨询人数", "ordering inquirers / inquiring buyers"),
    ratio("conversion_rate", "询单转化率", "conversion rate", AS, "paid_buyers", "inquiry_buyers",
          "询单成交人数 ÷ 咨询人数", "paying inquirers / inquiring buyers"),
    ratio("payment_conversion_rate", "下单→付款转化率", "order-to-payment rate", A, "paid_buyers", "ordered_buyers",
          "询单成交人数 ÷ 询单下单人数", "paying inquirers / ordering inquirers"),
    ratio("avg_order_value", "询单客单价", "average order value", A, "inquiry_sales", "paid_buyers",
          "询单成交金额 ÷ 询单成交人数", "inquiry sales / paying inquirers", unit="yuan"),
    ratio("items_per_buyer", "询单人均成交件数", "items per buyer", A, "inquiry_items", "paid_buyers",
          "询单成交件数 ÷ 询单成交人数", "inquiry items / paying inquirers", unit="items"),
    derived("lost_buyers", "询单流失人数", "lost inquirers", "count", A, "{inquiry_buyers} - {paid_buyers}",
            "咨询人数 − 询单成交人数", "inquiring buyers - paying inquirers"),
    # 培训考试: exams taken by the account (kefu exam take)
    measure("exam_score", "考试成绩", "exam score", "score", A, "exam_scores",
            "max_by(score, CASE WHEN score IS NOT NULL THEN seq END)",
            "期间内最近一次考试的得分（百分制，只计已有答案的题）；期间内没有考试为空",
            "the latest exam score in the period (out of 100, over keyed questions); null without an exam",
            additive=False),
    measure("exam_attempts", "考试次数", "exam attempts", "count", A, "exam_scores", "COUNT(*)",
            "期间内参加考试（交卷）的次数", "exams handed in during the period"),
    # §4 shop metrics
    measure("filtered_buyers", "过滤人数", "filtered buyers", "count", S, "filtered_buyers", "COUNT(*)",
            "当天有消息、被过滤（黑名单、子账号、内部账号、广告）的买家数，每人只按第一个原因计一次",
            "buyers with a message that day who are filtered, each once under the first reason"),
    measure("filtered_blocklist", "过滤:黑名单", "filtered: blocklist", "count", S, "filtered_buyers",
            "SUM(CASE WHEN reason = 'blocklist' THEN 1 ELSE 0 END)", "因在黑名单中被过滤的买家数",
            "buyers filtered as blocklisted", explain="reason = 'blocklist'"),
    measure("filtered_sub_account", "过滤:子账号", "filtered: sub-account", "count", S, "filtered_buyers",
            "SUM(CASE WHEN reason = 'sub_account' THEN 1 ELSE 0 END)", "昵称含“:”的子账号买家数",
            "buyers filtered as sub-accounts (nick contains ':')", explain="reason = 'sub_account'"),
    measure("filtered_internal", "过滤:内部账号", "filtered: internal", "count", S, "filtered_buyers",
            "SUM(CASE WHEN reason = 'internal' THEN 1 ELSE 0 END)", "昵称是本店店铺名或本店客服账号的买家数",
            "buyers whose nick is the shop or one of its accounts", explain="reason = 'internal'"),
    measure("filtered_ad", "过滤:广告", "filtered: ad", "count", S, "filtered_buyers",
            "SUM(CASE WHEN reason = 'ad' THEN 1 ELSE 0 END)", "当天发过广告（广告词＋联系方式）的买家数",
            "buyers who sent an ad (an ad word and a contact)", explain="reason = 'ad'"),
    measure("total_orders", "下单笔数", "orders", "count", S, "order_facts", "SUM(total_orders)",
            "当天创建的订单笔数", "orders created on the day"),
    measure("paid_orders", "付款笔数", "paid orders", "count", S, "order_facts", "SUM(paid_orders)",
            "当天创建的订单中已付款的笔数", "orders created on the day that have a paid time"),
    ratio("payment_rate", "支付率", "payment rate", S, "paid_orders", "total_orders",
          "付款笔数 ÷ 下单笔数", "paid orders / orders"),
    measure("total_sales", "成交金额", "sales", "yuan", S, "order_facts", "SUM(total_sales)",
            "当天付款的订单金额之和", "amount of the orders paid on the day"),
    measure("silent_sales", "静默销售", "silent sales", "yuan", S, "order_facts", "SUM(silent_sales)",
            "成交金额中，不在店铺任何询单窗口内的订单金额", "the part of sales from orders in no inquiry window"),
    measure("refunded_orders", "退款订单数", "refunded orders", "count", S, "order_facts", "SUM(refunded_orders)",
            "当天创建的订单中退款金额大于 0 的笔数（订单报表自带的退款金额列）",
            "orders created on the day with a refund amount above 0 (the order report's own refund column)"),
    measure("order_refund_amount", "订单退款金额", "order refund amount", "yuan", S, "order_facts",
            "SUM(order_refund_amount)", "当天创建的订单的退款金额之和",
            "refund amount of the orders created on the day"),
    ratio("order_refund_rate", "订单退款率", "order refund rate", S, "refunded_orders", "total_orders",
          "退款订单数 ÷ 下单笔数", "refunded orders / orders"),
    derived("inquiry_sales_share", "询单销售占比", "inquiry sales share", "rate", S,
            "1 - CAST({silent_sales} AS DOUBLE) / NULLIF({total_sales}, 0)",
            "1 − 静默销售 ÷ 成交金额", "1 - silent sales / sales"),
    measure("online_hours_total", "在线总时长(小时)", "online hours, all accounts", "hours", S, "shop_online",
            "SUM(online_us_total) / 3600000000.0", "有在线状态记录的人工账号当天在线时长之和",
            "online hours of the human accounts with presence rows", hidden=True),
    measure("presence_accounts", "有在线记录的人工账号数", "accounts with presence", "count", S, "shop_online",
            "SUM(presence_accounts)", "有在线状态记录的人工账号数", "human accounts with presence rows", hidden=True),
    ratio("avg_online_hours", "旺旺在线时长", "average online hours", S, "online_hours_total", "presence_accounts",
          "有在线状态记录的人工账号的在线时长之和 ÷ 这些账号数",
          "online hours of human accounts with presence / their number",
          unit="hours"),
)

# §7 platform rules: the rounds of platform_rounds that the platform settings count, and their timing.
_ROUND = "SUM(CASE WHEN ${platform_counted}"
_TIMED = "${platform_counted} AND (reply_ts IS NOT NULL OR ${platform_unanswered_timed})"
METRICS += (
    measure("platform_rounds", "平台口径咨询轮次", "platform rounds", "count", AS, "platform_rounds",
            f"{_ROUND} THEN 1 ELSE 0 END)",
            "按平台口径设置计入的咨询轮次（时段、轮次单位、人工回复、每会话首轮）",
            "rounds the platform settings count (hours, unit, human replies, first round only)",
            explain="${platform_counted}"),
    measure("platform_answered", "平台口径已响应轮次", "platform answered rounds", "count", AS, "platform_rounds",
            f"{_ROUND} AND reply_ts IS NOT NULL THEN 1 ELSE 0 END)", "计入的轮次中当天得到回复的",
            "counted rounds answered on the day", explain="${platform_counted} AND reply_ts IS NOT NULL"),
    measure("platform_fast_rounds", "平台口径及时响应轮次", "platform fast rounds", "count", AS, "platform_rounds",
            f"{_ROUND} AND response_s <= ${{platform_threshold_s}} THEN 1 ELSE 0 END)",
            "已响应轮次中响应时间（封顶前）不超过 platform_threshold_s 秒的",
            "answered rounds whose response time before capping is at most platform_threshold_s",
            explain="${platform_counted} AND response_s <= ${platform_threshold_s}"),
    ratio("platform_fast_rate", "平台口径N秒响应率", "platform N-second response rate", AS, "platform_fast_rounds",
          "platform_rounds", "及时响应轮次 ÷ 咨询轮次（未响应的轮次算在分母里）",
          "fast rounds / rounds (unanswered rounds count in the denominator)"),
    measure("platform_response_s", "平台口径响应总秒数", "platform response seconds", "seconds", AS,
            "platform_rounds",
            f"{_ROUND} AND reply_ts IS NOT NULL THEN ${{platform_capped_s}} "
            "WHEN ${platform_counted} THEN ${platform_unanswered_s} ELSE 0 END)",
            "已响应轮次的（封顶后）响应时间之和；platform_unanswered 为 cap 时每个未响应轮次另加 platform_cap_s 秒",
            "sum of the (capped) response times, plus platform_cap_s per unanswered round when unanswered is cap",
            hidden=True, explain=_TIMED),
    measure("platform_timed_rounds", "平台口径计时轮次", "platform timed rounds", "count", AS, "platform_rounds",
            f"{_ROUND} AND (reply_ts IS NOT NULL OR ${{platform_unanswered_timed}}) THEN 1 ELSE 0 END)",
            "已响应轮次，platform_unanswered 为 cap 时加上未响应轮次",
            "answered rounds, plus the unanswered ones when unanswered is cap", hidden=True, explain=_TIMED),
    ratio("platform_avg_response_s", "平台口径平均响应时长(秒)", "platform average response time (s)", AS,
          "platform_response_s", "platform_timed_rounds", "平台口径响应总秒数 ÷ 计时轮次",
          "platform response seconds / timed rounds", unit="seconds"),
)

# §8 satisfaction: invitations of the inquiry buyers, and the evaluations rated on the day (all of them).
METRICS += (
    measure("eval_invited_buyers", "邀评人数", "invited buyers", "count", AS, "eval_invites", "COUNT(*)",
            "当天的咨询买家中，当天被该客服（店铺）邀请评价的人数",
            "inquiring buyers of the day whom the account (shop) invited to evaluate that day"),
    ratio("eval_invite_rate", "邀评率", "invitation rate", AS, "eval_invited_buyers", "inquiry_buyers",
          "邀评人数 ÷ 咨询人数", "invited buyers / inquiring buyers"),
    measure("eval_ratings", "评价数", "evaluations", "count", AS, "eval_ratings", "COUNT(*)",
            "评价时间在当天的服务评价数（不做买家过滤）", "service evaluations rated on the day (no buyer filter)"),
    measure("eval_satisfied", "满意数", "satisfied", "count", AS, "eval_ratings",
            "SUM(CASE WHEN level >= 4 THEN 1 ELSE 0 END)", "评价中“满意”或“非常满意”（4、5 级）的条数",
            "evaluations of level 4 or 5", explain="level >= 4"),
    measure("eval_dissatisfied", "不满意数", "dissatisfied", "count", AS, "eval_ratings",
            "SUM(CASE WHEN level <= 2 THEN 1 ELSE 0 END)", "评价中“不满意”或“很不满意”（1、2 级）的条数",
            "evaluations of level 1 or 2", explain="level <= 2"),
    ratio("satisfaction_rate", "满意率", "satisfaction rate", AS, "eval_satisfied", "eval_ratings",
          "满意数 ÷ 评价数", "satisfied / evaluations"),
    ratio("dissatisfaction_rate", "不满意率", "dissatisfaction rate", AS, "eval_dissatisfied", "eval_ratings",
          "不满意数 ÷ 评价数", "dissatisfied / evaluations"),
)

_SNAPSHOT = "按日期所指的近 {n} 天（含当天）；多日汇总取期末当天的值"
_SNAPSHOT_EN = "over the {n} days ending on the day; a period takes its last day's value"


def _rolling(id_: str, zh: str, en: str, column: str, def_zh: str, def_en: str, n: int = 28,
             hidden: bool = False) -> Metric:
    """A rolling after-sales count, taken as of the last day of a period."""
    return measure(id_, zh, en, "count", S, "after_sales", f"max_by({column}, day)",
                   def_zh + "；" + _SNAPSHOT.format(n=n), def_en + "; " + _SNAPSHOT_EN.format(n=n),
                   additive=False, hidden=hidden)


METRICS += (
    _rolling("paid_orders_28d", "近28天成交笔数", "paid orders, 28 days", "paid_orders_28d",
             "付款时间在近 28 天内的订单笔数", "orders paid in the window"),
    _rolling("refunds_28d", "退款笔数", "refunds, 28 days", "refunds_28d",
             "申请时间在近 28 天内的退款笔数", "refunds created in the window"),
    ratio("refund_rate_28d", "退款率", "refund rate", S, "refunds_28d", "paid_orders_28d",
          "近 28 天退款笔数 ÷ 近 28 天成交笔数", "refunds / paid orders over 28 days"),
    _rolling("disputes_28d", "退款纠纷笔数", "disputes, 28 days", "disputes_28d",
             "近 28 天退款中有纠纷（小二介入）的笔数", "refunds of the window that were disputed"),
    ratio("dispute_rate_28d", "退款纠纷率", "dispute rate", S, "disputes_28d", "paid_orders_28d",
          "近 28 天退款纠纷笔数 ÷ 近 28 天成交笔数", "disputes / paid orders over 28 days"),
    _rolling("finished_refunds_28d", "完结退款笔数", "finished refunds, 28 days", "finished_28d",
             "完结时间在近 28 天内的退款笔数", "refunds finished in the window", hidden=True),
    _rolling("merchant_finished_refunds_28d", "商家自主完结笔数", "merchant-finished refunds, 28 days",
             "finished_merchant_28d", "近 28 天完结且由商家自主完结的退款笔数",
             "refunds finished in the window by the merchant", hidden=True),
    ratio("self_completion_rate_28d", "退款自主完结率", "self-completion rate", S,
          "merchant_finished_refunds_28d", "finished_refunds_28d",
          "近 28 天完结的退款中商家自主完结的比例", "refunds finished by the merchant / refunds finished, 28 days"),
    measure("refund_hours_28d", "退款完结总时长(小时)", "refund hours, 28 days", "hours", S, "after_sales",
            "max_by(refund_hours_28d, day)", "近 28 天完结的退款的完结时长之和",
            "sum of finish times of refunds finished in the window", additive=False, hidden=True),
    ratio("avg_refund_hours_28d", "退款完结时长(小时)", "average refund hours", S, "refund_hours_28d",
          "finished_refunds_28d", "近 28 天完结的退款，从申请到完结的平均小时数",
          "mean hours from request to finish of refunds finished in 28 days", unit="hours"),
    _rolling("complaints_28d", "投诉笔数", "complaints, 28 days", "complaints_28d",
             "创建时间在近 28 天内的投诉笔数", "complaints created in the window"),
    ratio("complaint_rate_28d", "投诉率", "complaint rate", S, "complaints_28d", "paid_orders_28d",
          "近 28 天投诉笔数 ÷ 近 28 天成交笔数", "complaints / paid orders over 28 days"),
    _rolling("ratings_180d", "近180天评价数", "ratings, 180 days", "ratings_180d",
             "评价时间在近 180 天内的评价数", "ratings in the window", n=180, hidden=True),
    _rolling("score_sum_180d", "近180天服务分之和", "service score sum, 180 days", "score_sum_180d",
             "近 180 天评价的服务态度分之和", "sum of service scores in the window", n=180, hidden=True),
    ratio("dsr_service_180d", "DSR服务态度", "DSR service", S, "score_sum_180d", "ratings_180d",
          "近 180 天评价的服务态度平均分", "mean service score of ratings in 180 days", unit="score"),
)


def _qc_count(id_: str, category: str, en: str, column: str) -> Metric:
    """Findings of one QC category on the account-days a QC run covered (null elsewhere)."""
    return measure(id_, f"质检:{category}", f"QC findings: {en}", "count", A, "qc_days", f"SUM({column})",
                   f"质检发现中类别为“{category}”的条数（未质检的日子为空）",
                   f"QC findings of category {category} (null on days no QC run covered)",
                   additive=False, explain=f"category = '{category}'", explain_model="qc_finding_rows")


# Quality inspection (质检): computed from the findings `kefu qc run` stores.
METRICS += (
    measure("qc_score", "质检得分", "QC score", "score", A, "qc_days", "AVG(score)",
            "100 − 当天质检扣分之和（最低 0）；多日汇总取各天得分的平均；没有质检运行覆盖的日子为空",
            "100 - the day's QC deductions (floored at 0); a period takes the mean of its days; "
            "null on days no QC run covered", additive=False, explain_model="qc_finding_rows"),
    measure("qc_findings", "质检发现数", "QC findings", "count", A, "qc_days", "SUM(findings)",
            "质检规则在该客服当天的会话中发现的问题条数（未质检的日子为空）",
            "findings of the QC rules in the account's conversations (null on days no QC run covered)",
            additive=False, explain_model="qc_finding_rows"),
    _qc_count("qc_violations", "违规词", "platform violations", "violations"),
    _qc_count("qc_extreme_words", "极限词", "extreme words", "extreme_words"),
    _qc_count("qc_off_platform", "站外引流", "off-platform contact", "off_platform"),
    _qc_count("qc_tone", "语气", "tone", "tone"),
    _qc_count("qc_politeness", "礼貌", "politeness", "politeness"),
    _qc_count("qc_flow", "流程", "flow", "flow"),
    _qc_count("qc_risk", "风险会话", "risk conversations", "risk"),
    measure("emotion_conversations", "情绪可比会话数", "conversations with an emotion course", "count", A, "qc_days",
            "SUM(emotion_conversations)", "质检覆盖的会话中买家发了两条及以上消息的会话数（未质检的日子为空）",
            "conversations with two buyer messages or more (null on days no QC run covered)",
            additive=False, hidden=True, explain_model="qc_emotion_rows", explain="change IS NOT NULL"),
    measure("emotion_worsened", "情绪恶化会话数", "conversations the buyer ended more negative", "count", A,
            "qc_days", "SUM(emotion_worsened)", "买家最后一条消息比第一条更负面的会话数",
            "conversations whose last buyer message is more negative than the first",
            additive=False, hidden=True, explain_model="qc_emotion_rows", explain="worsened"),
    measure("emotion_change_sum", "情绪变化之和", "sum of emotion changes", "score", A, "qc_days",
            "SUM(emotion_change_sum)", "各会话买家情绪（末条 − 首条，−1 至 1）之和",
            "sum over conversations of the buyer's last minus first message emotion (-1 to 1)",
            additive=False, hidden=True, explain_model="qc_emotion_rows", explain="change IS NOT NULL"),
    ratio("emotion_worsened_rate", "情绪恶化率", "emotion worsened rate", A, "emotion_worsened",
          "emotion_conversations", "情绪恶化会话数 ÷ 情绪可比会话数（买家发了两条及以上消息的会话）",
          "conversations the buyer ended more negative / conversations with two buyer messages or more"),
    ratio("emotion_change_avg", "情绪变化均值", "mean emotion change", A, "emotion_change_sum",
          "emotion_conversations", "各会话买家情绪变化（末条 − 首条，−1 至 1）的平均；正数为变好",
          "mean of the buyer's last minus first message emotion (-1 to 1); positive is better", unit="score"),
)

METRICS_BY_ID: dict[tuple[str, str], Metric] = {(g, m.id): m for m in METRICS for g in m.grains}

# The output order of each grain's columns (the contract's order).
# The §7 figures follow the columns of the spec's examples, whose expected rows were written before them.
PLATFORM_ORDER = ("platform_rounds", "platform_answered", "platform_fast_rounds", "platform_fast_rate",
                  "platform_avg_response_s")
SATISFACTION_ORDER = ("eval_invited_buyers", "eval_invite_rate", "eval_ratings", "eval_satisfied",
                      "eval_dissatisfied", "satisfaction_rate", "dissatisfaction_rate")
LATER_ORDER = PLATFORM_ORDER + SATISFACTION_ORDER
"""The columns added after the spec's examples were written: they follow the examples' columns."""
ACCOUNT_DAY_ORDER: tuple[str, ...] = (
    "inquiry_buyers", "replied_buyers", "reply_rate", "unreplied_buyers", "buyer_messages", "agent_messages",
    "answer_ratio", "questions", "responses", "unanswered_questions", "avg_response_s", "median_response_s",
    "p90_response_s", "avg_first_response_s", "slow_responses", "within_threshold_rate",
    "fast_first_response_rate", "unclosed_buyers", "max_concurrent", "online_hours", "ordered_buyers",
    "paid_buyers", "inquiry_orders", "inquiry_sales", "inquiry_items", "order_conversion_rate",
    "conversion_rate", "payment_conversion_rate", "avg_order_value", "items_per_buyer", "lost_buyers",
    "qc_score", "qc_findings", "qc_violations", "qc_extreme_words", "qc_off_platform", "qc_tone", "qc_politeness",
    "qc_flow", "qc_risk", "emotion_worsened_rate", "emotion_change_avg",
    "exam_score", "exam_attempts",
    *LATER_ORDER,
)
SHOP_DAY_ORDER: tuple[str, ...] = (
    "inquiry_buyers", "replied_buyers", "reply_rate", "paid_buyers", "conversion_rate", "inquiry_sales",
    "filtered_buyers", "filtered_blocklist", "filtered_sub_account", "filtered_internal", "filtered_ad",
    "total_orders", "paid_orders", "payment_rate", "total_sales", "silent_sales", "inquiry_sales_share",
    "avg_online_hours", "paid_orders_28d", "refunds_28d", "refund_rate_28d", "disputes_28d",
    "dispute_rate_28d", "self_completion_rate_28d", "avg_refund_hours_28d", "complaints_28d",
    "complaint_rate_28d", "dsr_service_180d",
    # metrics.md §4 lists these after avg_online_hours; they follow the columns of the spec's examples instead,
    # whose expected rows were written before them.
    "refunded_orders", "order_refund_amount", "order_refund_rate",
    *LATER_ORDER,
)
GRAIN_ORDER: dict[str, tuple[str, ...]] = {"account_day": ACCOUNT_DAY_ORDER, "shop_day": SHOP_DAY_ORDER}


def metrics_of(grain: str, include_hidden: bool = False) -> list[Metric]:
    """The metrics of a grain in output order (hidden helper measures last, when asked)."""
    shown = [METRICS_BY_ID[(grain, i)] for i in GRAIN_ORDER[grain]]
    if not include_hidden:
        return shown
    return shown + [m for m in METRICS if grain in m.grains and m.hidden]


def metric(id_: str, grain: str | None = None) -> Metric:
    """The metric with this id (in a grain when given); KeyError when unknown."""
    for g in ([grain] if grain else ["account_day", "shop_day"]):
        if (g, id_) in METRICS_BY_ID:
            return METRICS_BY_ID[(g, id_)]
    raise KeyError(id_)
