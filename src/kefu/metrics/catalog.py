"""Every KPI of the contract, declared once: id, labels, unit, and its aggregate over a model.

The declaration order is the report's column order in each grain (the contract's order); a metric that
sits elsewhere in one grain says so with `place_after`. Hidden helper measures are left out of reports.
"""
from __future__ import annotations

from collections.abc import Callable

from kefu.metrics.metric import (
    Metric,
    Rows,
    avg_of,
    count_rows,
    derived,
    latest_of,
    max_of,
    measure,
    quantile_of,
    ratio,
    sum_of,
)

A = ("account_day",)
S = ("shop_day",)
AS = ("account_day", "shop_day")
# Paid-conversion figures are explained by the credited orders paid in their window.
PAID_IN_WINDOW = Rows("credited_orders", "paid_in_window = 1")
ANSWERED = "reply_ts IS NOT NULL"

METRICS: tuple[Metric, ...] = (
    # §2 conversation metrics
    measure(id="inquiry_buyers", zh="咨询人数", en="inquiring buyers", unit="count", grains=AS,
            model="conversations", agg=count_rows("inquiry = 1"),
            def_zh="当天给该客服（店铺）发过消息的未过滤买家数",
            def_en="non-filtered buyers who sent at least one message on the day"),
    measure(id="replied_buyers", zh="回复人数", en="replied buyers", unit="count", grains=AS,
            model="conversations", agg=count_rows("replied = 1"),
            def_zh="咨询买家中，首条消息之后当天得到有效回复（人工或店小蜜）的人数",
            def_en="inquiring buyers who got a valid reply (agent or bot) after their first message that day"),
    ratio(id="reply_rate", zh="回复率", en="reply rate", grains=AS, num="replied_buyers", den="inquiry_buyers",
          def_zh="回复人数 ÷ 咨询人数（按人数，不按消息数）", def_en="replied buyers / inquiring buyers (by people)"),
    derived(id="unreplied_buyers", zh="未回复人数", en="unreplied buyers", unit="count", grains=A,
            formula="{inquiry_buyers} - {replied_buyers}", rows=Rows("conversations", "inquiry = 1 AND replied = 0"),
            def_zh="咨询人数 − 回复人数", def_en="inquiring buyers - replied buyers"),
    measure(id="buyer_messages", zh="买家消息数", en="buyer messages", unit="count", grains=A,
            model="conversations", agg=sum_of("buyer_messages", where="buyer_messages > 0"),
            def_zh="未过滤买家发给该客服的消息条数", def_en="messages from non-filtered buyers"),
    measure(id="agent_messages", zh="客服消息数", en="agent messages", unit="count", grains=A,
            model="conversations", agg=sum_of("agent_messages", where="agent_messages > 0"),
            def_zh="该客服（含店小蜜）发给未过滤买家的有效回复条数，含买家发言之前的",
            def_en="valid replies to non-filtered buyers, also those sent before the buyer wrote"),
    ratio(id="answer_ratio", zh="答问比", en="answer ratio", grains=A, num="agent_messages", den="buyer_messages",
          def_zh="客服消息数 ÷ 买家消息数", def_en="agent messages / buyer messages", unit="ratio"),
    measure(id="questions", zh="提问次数", en="questions", unit="count", grains=A, model="questions",
            agg=count_rows(), def_zh="买家的提问次数：连续的多条买家消息算一次提问，从第一条起计时",
            def_en="buyer questions: a burst of consecutive buyer messages is one question, timed from its first"),
    measure(id="responses", zh="响应次数", en="responses", unit="count", grains=A, model="questions",
            agg=count_rows(ANSWERED),
            def_zh="当天得到回复的提问次数（次日回复不算）", def_en="questions answered on the same day"),
    derived(id="unanswered_questions", zh="未响应次数", en="unanswered questions", unit="count", grains=A,
            formula="{questions} - {responses}", rows=Rows("questions", "reply_ts IS NULL"),
            def_zh="提问次数 − 响应次数", def_en="questions - responses"),
    measure(id="avg_response_s", zh="平均响应时间(秒)", en="average response time (s)", unit="seconds", grains=A,
            model="questions", agg=avg_of("response_s", where=ANSWERED), additive=False,
            def_zh="所有响应的响应时间的平均值", def_en="mean response time over responses"),
    measure(id="median_response_s", zh="响应时间中位数(秒)", en="median response time (s)", unit="seconds",
            grains=A, model="questions", agg=quantile_of("response_s", 0.5, where=ANSWERED), additive=False,
            def_zh="响应时间的中位数（偶数个时取中间两个的平均）", def_en="median of the response times"),
    measure(id="p90_response_s", zh="响应时间P90(秒)", en="P90 response time (s)", unit="seconds", grains=A,
            model="questions", agg=quantile_of("response_s", 0.9, where=ANSWERED), additive=False,
            def_zh="响应时间的 90 分位数（相邻秩线性插值）",
            def_en="90th percentile of the response times, linear interpolation"),
    measure(id="avg_first_response_s", zh="平均首次响应时间(秒)", en="average first response time (s)",
            unit="seconds", grains=A, model="conversations", agg=avg_of("first_response_s", where="replied = 1"),
            additive=False, def_zh="回复人数中，每位买家当天第一次提问的响应时间的平均值",
            def_en="mean over replied buyers of their first question's response time"),
    measure(id="slow_responses", zh="慢响应次数", en="slow responses", unit="count", grains=A, model="questions",
            agg=count_rows("response_s > ${slow_threshold_s}"),
            def_zh="响应时间超过响应时长界限（slow_threshold_s，默认 15 秒）的次数",
            def_en="responses slower than slow_threshold_s"),
    derived(id="within_threshold_rate", zh="15秒响应率", en="within-threshold rate", unit="rate", grains=A,
            formula="CAST({responses} - {slow_responses} AS DOUBLE) / NULLIF({responses}, 0)",
            def_zh="（响应次数 − 慢响应次数）÷ 响应次数", def_en="(responses - slow responses) / responses"),
    measure(id="fast_first_responses", zh="黄金首响人数", en="fast first responses", unit="count", grains=A,
            model="conversations", agg=count_rows("first_response_s <= ${fast_first_response_s}"), hidden=True,
            def_zh="首次响应时间不超过黄金响应（fast_first_response_s，默认 6 秒）的回复人数",
            def_en="replied buyers whose first response came within fast_first_response_s"),
    ratio(id="fast_first_response_rate", zh="黄金6秒首响率", en="fast first response rate", grains=A,
          num="fast_first_responses", den="replied_buyers", def_zh="首次响应不超过黄金响应时间的人数 ÷ 回复人数",
          def_en="replied buyers with a fast first response / replied buyers"),
    measure(id="unclosed_buyers", zh="未闭环人数", en="unclosed buyers", unit="count", grains=A,
            model="conversations", agg=count_rows("unclosed = 1"),
            def_zh="当天与该客服的最后一条消息是买家发的咨询人数（最后一句应由店铺说）",
            def_en="inquiring buyers who had the last word of the day"),
    measure(id="max_concurrent", zh="最大同时接待人数", en="max concurrent sessions", unit="count", grains=A,
            model="concurrency", agg=max_of("max_concurrent"), additive=False,
            def_zh="同一时刻重叠的会话数的最大值（消息间隔超过 session_gap_s 切分会话）",
            def_en="the most sessions overlapping at one instant"),
    measure(id="online_hours", zh="在线时长(小时)", en="online hours", unit="hours", grains=A,
            model="account_online", agg=sum_of("online_us", per=3600000000.0), additive=False,
            def_zh="当天处于在线或忙碌状态的小时数（无在线状态记录的账号为空）",
            def_en="hours of the day online or busy (null without presence rows)"),
    # §3 conversion
    measure(id="ordered_buyers", zh="询单下单人数", en="ordering inquirers", unit="count", grains=A,
            model="conversion", agg=count_rows("ordered = 1"), rows=Rows("credited_orders"),
            def_zh="有订单归属到本次询单的咨询人数", def_en="inquiring buyers with an order credited to the inquiry"),
    measure(id="paid_buyers", zh="询单成交人数", en="paying inquirers", unit="count", grains=AS,
            model="conversion", agg=count_rows("paid = 1"), rows=PAID_IN_WINDOW,
            def_zh="有归属订单在窗口内付款的咨询人数",
            def_en="inquiring buyers with a credited order paid in the window"),
    measure(id="inquiry_orders", zh="询单成交笔数", en="inquiry orders", unit="count", grains=A,
            model="conversion", agg=sum_of("paid_orders"), rows=PAID_IN_WINDOW,
            def_zh="窗口内付款的归属订单笔数", def_en="credited orders paid in the window"),
    measure(id="inquiry_sales", zh="询单成交金额", en="inquiry sales", unit="yuan", grains=AS,
            model="conversion", agg=sum_of("sales"), rows=PAID_IN_WINDOW,
            def_zh="窗口内付款的归属订单金额之和", def_en="sum of the amounts of credited orders paid in the window"),
    measure(id="inquiry_items", zh="询单成交件数", en="inquiry items", unit="items", grains=A,
            model="conversion", agg=sum_of("items"), rows=PAID_IN_WINDOW,
            def_zh="窗口内付款的归属订单件数之和", def_en="sum of the items of credited orders paid in the window"),
    ratio(id="order_conversion_rate", zh="询单→下单转化率", en="inquiry-to-order rate", grains=A,
          num="ordered_buyers", den="inquiry_buyers",
          def_zh="询单下单人数 ÷ 咨询人数", def_en="ordering inquirers / inquiring buyers"),
    # The shop's columns (metrics.md §4) put the rate beside its paying buyers.
    ratio(id="conversion_rate", zh="询单转化率", en="conversion rate", grains=AS, num="paid_buyers",
          den="inquiry_buyers", place_after={"shop_day": "paid_buyers"},
          def_zh="询单成交人数 ÷ 咨询人数", def_en="paying inquirers / inquiring buyers"),
    ratio(id="payment_conversion_rate", zh="下单→付款转化率", en="order-to-payment rate", grains=A,
          num="paid_buyers", den="ordered_buyers",
          def_zh="询单成交人数 ÷ 询单下单人数", def_en="paying inquirers / ordering inquirers"),
    ratio(id="avg_order_value", zh="询单客单价", en="average order value", grains=A, num="inquiry_sales",
          den="paid_buyers", def_zh="询单成交金额 ÷ 询单成交人数", def_en="inquiry sales / paying inquirers",
          unit="yuan"),
    ratio(id="items_per_buyer", zh="询单人均成交件数", en="items per buyer", grains=A, num="inquiry_items",
          den="paid_buyers", def_zh="询单成交件数 ÷ 询单成交人数", def_en="inquiry items / paying inquirers",
          unit="items"),
    derived(id="lost_buyers", zh="询单流失人数", en="lost inquirers", unit="count", grains=A,
            formula="{inquiry_buyers} - {paid_buyers}",
            def_zh="咨询人数 − 询单成交人数", def_en="inquiring buyers - paying inquirers"),
)


def _qc_count(id_: str, category: str, en: str, column: str) -> Metric:
    """Findings of one QC category on the account-days a QC run covered (null elsewhere)."""
    return measure(id=id_, zh=f"质检:{category}", en=f"QC findings: {en}", unit="count", grains=A,
                   model="qc_days", agg=sum_of(column), additive=False,
                   rows=Rows("qc_finding_rows", f"category = '{category}'"),
                   def_zh=f"质检发现中类别为“{category}”的条数（未质检的日子为空）",
                   def_en=f"QC findings of category {category} (null on days no QC run covered)")


def _qc_emotion(id_: str, zh: str, en: str, unit: str, def_zh: str, def_en: str, where: str) -> Metric:
    """A hidden part of the buyer-emotion rates, explained by the conversations' emotion courses."""
    return measure(id=id_, zh=zh, en=en, unit=unit, grains=A, model="qc_days", agg=sum_of(id_), additive=False,
                   hidden=True, rows=Rows("qc_emotion_rows", where), def_zh=def_zh, def_en=def_en)


# Quality inspection (质检): computed from the findings `kefu qc run` stores.
METRICS += (
    measure(id="qc_score", zh="质检得分", en="QC score", unit="score", grains=A, model="qc_days",
            agg=avg_of("score"), additive=False, rows=Rows("qc_finding_rows"),
            def_zh="100 − 当天质检扣分之和（最低 0）；多日汇总取各天得分的平均；没有质检运行覆盖的日子为空",
            def_en="100 - the day's QC deductions (floored at 0); a period takes the mean of its days; "
                   "null on days no QC run covered"),
    measure(id="qc_findings", zh="质检发现数", en="QC findings", unit="count", grains=A, model="qc_days",
            agg=sum_of("findings"), additive=False, rows=Rows("qc_finding_rows"),
            def_zh="质检规则在该客服当天的会话中发现的问题条数（未质检的日子为空）",
            def_en="findings of the QC rules in the account's conversations (null on days no QC run covered)"),
    _qc_count("qc_violations", "违规词", "platform violations", "violations"),
    _qc_count("qc_extreme_words", "极限词", "extreme words", "extreme_words"),
    _qc_count("qc_off_platform", "站外引流", "off-platform contact", "off_platform"),
    _qc_count("qc_tone", "语气", "tone", "tone"),
    _qc_count("qc_politeness", "礼貌", "politeness", "politeness"),
    _qc_count("qc_flow", "流程", "flow", "flow"),
    _qc_count("qc_risk", "风险会话", "risk conversations", "risk"),
    _qc_emotion("emotion_conversations", "情绪可比会话数", "conversations with an emotion course", "count",
                "质检覆盖的会话中买家发了两条及以上消息的会话数（未质检的日子为空）",
                "conversations with two buyer messages or more (null on days no QC run covered)",
                "change IS NOT NULL"),
    _qc_emotion("emotion_worsened", "情绪恶化会话数", "conversations the buyer ended more negative", "count",
                "买家最后一条消息比第一条更负面的会话数",
                "conversations whose last buyer message is more negative than the first", "worsened"),
    _qc_emotion("emotion_change_sum", "情绪变化之和", "sum of emotion changes", "score",
                "各会话买家情绪（末条 − 首条，−1 至 1）之和",
                "sum over conversations of the buyer's last minus first message emotion (-1 to 1)",
                "change IS NOT NULL"),
    ratio(id="emotion_worsened_rate", zh="情绪恶化率", en="emotion worsened rate", grains=A, num="emotion_worsened",
          den="emotion_conversations", def_zh="情绪恶化会话数 ÷ 情绪可比会话数（买家发了两条及以上消息的会话）",
          def_en="conversations the buyer ended more negative / conversations with two buyer messages or more"),
    ratio(id="emotion_change_avg", zh="情绪变化均值", en="mean emotion change", grains=A, num="emotion_change_sum",
          den="emotion_conversations", def_zh="各会话买家情绪变化（末条 − 首条，−1 至 1）的平均；正数为变好",
          def_en="mean of the buyer's last minus first message emotion (-1 to 1); positive is better",
          unit="score"),
    # 培训考试: exams taken by the account (kefu exam take)
    measure(id="exam_score", zh="考试成绩", en="exam score", unit="score", grains=A, model="exam_scores",
            agg=latest_of("score", by="seq", where="score IS NOT NULL"), additive=False,
            def_zh="期间内最近一次考试的得分（百分制，只计已有答案的题）；期间内没有考试为空",
            def_en="the latest exam score in the period (out of 100, over keyed questions); null without an exam"),
    measure(id="exam_attempts", zh="考试次数", en="exam attempts", unit="count", grains=A, model="exam_scores",
            agg=count_rows(), def_zh="期间内参加考试（交卷）的次数", def_en="exams handed in during the period"),
)


def _filtered(id_: str, zh: str, en: str, reason: str, def_zh: str, def_en: str) -> Metric:
    """The buyers of the day filtered for one reason."""
    return measure(id=id_, zh=zh, en=en, unit="count", grains=S, model="filtered_buyers",
                   agg=count_rows(f"reason = '{reason}'"), def_zh=def_zh, def_en=def_en)


def _orders(id_: str, zh: str, en: str, unit: str, def_zh: str, def_en: str, column: str | None = None) -> Metric:
    """A sum over the shop-day order figures."""
    return measure(id=id_, zh=zh, en=en, unit=unit, grains=S, model="order_facts", agg=sum_of(column or id_),
                   def_zh=def_zh, def_en=def_en)


# §4 shop metrics
METRICS += (
    measure(id="filtered_buyers", zh="过滤人数", en="filtered buyers", unit="count", grains=S,
            model="filtered_buyers", agg=count_rows(),
            def_zh="当天有消息、被过滤（黑名单、子账号、内部账号、广告）的买家数，每人只按第一个原因计一次",
            def_en="buyers with a message that day who are filtered, each once under the first reason"),
    _filtered("filtered_blocklist", "过滤:黑名单", "filtered: blocklist", "blocklist",
              "因在黑名单中被过滤的买家数", "buyers filtered as blocklisted"),
    _filtered("filtered_sub_account", "过滤:子账号", "filtered: sub-account", "sub_account",
              "昵称含“:”的子账号买家数", "buyers filtered as sub-accounts (nick contains ':')"),
    _filtered("filtered_internal", "过滤:内部账号", "filtered: internal", "internal",
              "昵称是本店店铺名或本店客服账号的买家数", "buyers whose nick is the shop or one of its accounts"),
    _filtered("filtered_ad", "过滤:广告", "filtered: ad", "ad",
              "当天发过广告（广告词＋联系方式）的买家数", "buyers who sent an ad (an ad word and a contact)"),
    _orders("total_orders", "下单笔数", "orders", "count", "当天创建的订单笔数", "orders created on the day"),
    _orders("paid_orders", "付款笔数", "paid orders", "count",
            "当天创建的订单中已付款的笔数", "orders created on the day that have a paid time"),
    ratio(id="payment_rate", zh="支付率", en="payment rate", grains=S, num="paid_orders", den="total_orders",
          def_zh="付款笔数 ÷ 下单笔数", def_en="paid orders / orders"),
    _orders("total_sales", "成交金额", "sales", "yuan",
            "当天付款的订单金额之和", "amount of the orders paid on the day"),
    _orders("silent_sales", "静默销售", "silent sales", "yuan",
            "成交金额中，不在店铺任何询单窗口内的订单金额", "the part of sales from orders in no inquiry window"),
    derived(id="inquiry_sales_share", zh="询单销售占比", en="inquiry sales share", unit="rate", grains=S,
            formula="1 - CAST({silent_sales} AS DOUBLE) / NULLIF({total_sales}, 0)",
            def_zh="1 − 静默销售 ÷ 成交金额", def_en="1 - silent sales / sales"),
    measure(id="online_hours_total", zh="在线总时长(小时)", en="online hours, all accounts", unit="hours",
            grains=S, model="shop_online", agg=sum_of("online_us_total", per=3600000000.0), hidden=True,
            def_zh="有在线状态记录的人工账号当天在线时长之和",
            def_en="online hours of the human accounts with presence rows"),
    measure(id="presence_accounts", zh="有在线记录的人工账号数", en="accounts with presence", unit="count",
            grains=S, model="shop_online", agg=sum_of("presence_accounts"), hidden=True,
            def_zh="有在线状态记录的人工账号数", def_en="human accounts with presence rows"),
    ratio(id="avg_online_hours", zh="旺旺在线时长", en="average online hours", grains=S, num="online_hours_total",
          den="presence_accounts", def_zh="有在线状态记录的人工账号的在线时长之和 ÷ 这些账号数",
          def_en="online hours of human accounts with presence / their number", unit="hours"),
)

_SNAPSHOT = "按日期所指的近 {n} 天（含当天）；多日汇总取期末当天的值"
_SNAPSHOT_EN = "over the {n} days ending on the day; a period takes its last day's value"


def _rolling(id_: str, zh: str, en: str, column: str, def_zh: str, def_en: str, n: int = 28,
             hidden: bool = False, unit: str = "count") -> Metric:
    """A rolling after-sales figure, taken as of the last day of a period."""
    return measure(id=id_, zh=zh, en=en, unit=unit, grains=S, model="after_sales", agg=latest_of(column, by="day"),
                   def_zh=def_zh + "；" + _SNAPSHOT.format(n=n), def_en=def_en + "; " + _SNAPSHOT_EN.format(n=n),
                   additive=False, hidden=hidden)


def _over_28d(id_: str, zh: str, en: str, num: str, def_zh: str, def_en: str) -> Metric:
    """A rate of the 28-day window over the orders paid in it."""
    return ratio(id=id_, zh=zh, en=en, grains=S, num=num, den="paid_orders_28d", def_zh=def_zh, def_en=def_en)


METRICS += (
    _rolling("paid_orders_28d", "近28天成交笔数", "paid orders, 28 days", "paid_orders_28d",
             "付款时间在近 28 天内的订单笔数", "orders paid in the window"),
    _rolling("refunds_28d", "退款笔数", "refunds, 28 days", "refunds_28d",
             "申请时间在近 28 天内的退款笔数", "refunds created in the window"),
    _over_28d("refund_rate_28d", "退款率", "refund rate", "refunds_28d",
              "近 28 天退款笔数 ÷ 近 28 天成交笔数", "refunds / paid orders over 28 days"),
    _rolling("disputes_28d", "退款纠纷笔数", "disputes, 28 days", "disputes_28d",
             "近 28 天退款中有纠纷（小二介入）的笔数", "refunds of the window that were disputed"),
    _over_28d("dispute_rate_28d", "退款纠纷率", "dispute rate", "disputes_28d",
              "近 28 天退款纠纷笔数 ÷ 近 28 天成交笔数", "disputes / paid orders over 28 days"),
    _rolling("finished_refunds_28d", "完结退款笔数", "finished refunds, 28 days", "finished_28d",
             "完结时间在近 28 天内的退款笔数", "refunds finished in the window", hidden=True),
    _rolling("merchant_finished_refunds_28d", "商家自主完结笔数", "merchant-finished refunds, 28 days",
             "finished_merchant_28d", "近 28 天完结且由商家自主完结的退款笔数",
             "refunds finished in the window by the merchant", hidden=True),
    ratio(id="self_completion_rate_28d", zh="退款自主完结率", en="self-completion rate", grains=S,
          num="merchant_finished_refunds_28d", den="finished_refunds_28d",
          def_zh="近 28 天完结的退款中商家自主完结的比例",
          def_en="refunds finished by the merchant / refunds finished, 28 days"),
    measure(id="refund_hours_28d", zh="退款完结总时长(小时)", en="refund hours, 28 days", unit="hours", grains=S,
            model="after_sales", agg=latest_of("refund_hours_28d", by="day"), additive=False, hidden=True,
            def_zh="近 28 天完结的退款的完结时长之和", def_en="sum of finish times of refunds finished in the window"),
    ratio(id="avg_refund_hours_28d", zh="退款完结时长(小时)", en="average refund hours", grains=S,
          num="refund_hours_28d", den="finished_refunds_28d", def_zh="近 28 天完结的退款，从申请到完结的平均小时数",
          def_en="mean hours from request to finish of refunds finished in 28 days", unit="hours"),
    _rolling("complaints_28d", "投诉笔数", "complaints, 28 days", "complaints_28d",
             "创建时间在近 28 天内的投诉笔数", "complaints created in the window"),
    _over_28d("complaint_rate_28d", "投诉率", "complaint rate", "complaints_28d",
              "近 28 天投诉笔数 ÷ 近 28 天成交笔数", "complaints / paid orders over 28 days"),
    _rolling("ratings_180d", "近180天评价数", "ratings, 180 days", "ratings_180d",
             "评价时间在近 180 天内的评价数", "ratings in the window", n=180, hidden=True),
    _rolling("score_sum_180d", "近180天服务分之和", "service score sum, 180 days", "score_sum_180d",
             "近 180 天评价的服务态度分之和", "sum of service scores in the window", n=180, hidden=True),
    ratio(id="dsr_service_180d", zh="DSR服务态度", en="DSR service", grains=S, num="score_sum_180d",
          den="ratings_180d", def_zh="近 180 天评价的服务态度平均分",
          def_en="mean service score of ratings in 180 days", unit="score"),
    # metrics.md §4 lists these after avg_online_hours; they follow the columns of the spec's examples instead,
    # whose expected rows were written before them.
    _orders("refunded_orders", "退款订单数", "refunded orders", "count",
            "当天创建的订单中退款金额大于 0 的笔数（订单报表自带的退款金额列）",
            "orders created on the day with a refund amount above 0 (the order report's own refund column)"),
    _orders("order_refund_amount", "订单退款金额", "order refund amount", "yuan",
            "当天创建的订单的退款金额之和", "refund amount of the orders created on the day"),
    ratio(id="order_refund_rate", zh="订单退款率", en="order refund rate", grains=S, num="refunded_orders",
          den="total_orders", def_zh="退款订单数 ÷ 下单笔数", def_en="refunded orders / orders"),
)

# §7 platform rules: the rounds of platform_rounds that the platform settings count, and their timing.
# Like §8 after them, they are newer than the spec's examples and follow the examples' columns.
_COUNTED = "${platform_counted}"
_TIMED = "${platform_counted} AND (reply_ts IS NOT NULL OR ${platform_unanswered_timed})"


def _rounds(id_: str, zh: str, en: str, where: str, def_zh: str, def_en: str, hidden: bool = False) -> Metric:
    """The platform rounds meeting a condition."""
    return measure(id=id_, zh=zh, en=en, unit="count", grains=AS, model="platform_rounds", agg=count_rows(where),
                   hidden=hidden, def_zh=def_zh, def_en=def_en)


METRICS += (
    _rounds("platform_rounds", "平台口径咨询轮次", "platform rounds", _COUNTED,
            "按平台口径设置计入的咨询轮次（时段、轮次单位、人工回复、每会话首轮）",
            "rounds the platform settings count (hours, unit, human replies, first round only)"),
    _rounds("platform_answered", "平台口径已响应轮次", "platform answered rounds", f"{_COUNTED} AND {ANSWERED}",
            "计入的轮次中当天得到回复的", "counted rounds answered on the day"),
    _rounds("platform_fast_rounds", "平台口径及时响应轮次", "platform fast rounds",
            f"{_COUNTED} AND response_s <= ${{platform_threshold_s}}",
            "已响应轮次中响应时间（封顶前）不超过 platform_threshold_s 秒的",
            "answered rounds whose response time before capping is at most platform_threshold_s"),
    ratio(id="platform_fast_rate", zh="平台口径N秒响应率", en="platform N-second response rate", grains=AS,
          num="platform_fast_rounds", den="platform_rounds", def_zh="及时响应轮次 ÷ 咨询轮次（未响应的轮次算在分母里）",
          def_en="fast rounds / rounds (unanswered rounds count in the denominator)"),
    measure(id="platform_response_s", zh="平台口径响应总秒数", en="platform response seconds", unit="seconds",
            grains=AS, model="platform_rounds", hidden=True,
            agg=sum_of(f"CASE WHEN {ANSWERED} THEN ${{platform_capped_s}} ELSE ${{platform_unanswered_s}} END",
                       where=_TIMED),
            def_zh="已响应轮次的（封顶后）响应时间之和；"
                   "platform_unanswered 为 cap 时每个未响应轮次另加 platform_cap_s 秒",
            def_en="sum of the (capped) response times, "
                   "plus platform_cap_s per unanswered round when unanswered is cap"),
    _rounds("platform_timed_rounds", "平台口径计时轮次", "platform timed rounds", _TIMED,
            "已响应轮次，platform_unanswered 为 cap 时加上未响应轮次",
            "answered rounds, plus the unanswered ones when unanswered is cap", hidden=True),
    ratio(id="platform_avg_response_s", zh="平台口径平均响应时长(秒)", en="platform average response time (s)",
          grains=AS, num="platform_response_s", den="platform_timed_rounds",
          def_zh="平台口径响应总秒数 ÷ 计时轮次", def_en="platform response seconds / timed rounds", unit="seconds"),
)

# §8 satisfaction: invitations of the inquiry buyers, and the evaluations rated on the day (all of them).
METRICS += (
    measure(id="eval_invited_buyers", zh="邀评人数", en="invited buyers", unit="count", grains=AS,
            model="eval_invites", agg=count_rows(), def_zh="当天的咨询买家中，当天被该客服（店铺）邀请评价的人数",
            def_en="inquiring buyers of the day whom the account (shop) invited to evaluate that day"),
    ratio(id="eval_invite_rate", zh="邀评率", en="invitation rate", grains=AS, num="eval_invited_buyers",
          den="inquiry_buyers", def_zh="邀评人数 ÷ 咨询人数", def_en="invited buyers / inquiring buyers"),
    measure(id="eval_ratings", zh="评价数", en="evaluations", unit="count", grains=AS, model="eval_ratings",
            agg=count_rows(), def_zh="评价时间在当天的服务评价数（不做买家过滤）",
            def_en="service evaluations rated on the day (no buyer filter)"),
    measure(id="eval_satisfied", zh="满意数", en="satisfied", unit="count", grains=AS, model="eval_ratings",
            agg=count_rows("level >= 4"), def_zh="评价中“满意”或“非常满意”（4、5 级）的条数",
            def_en="evaluations of level 4 or 5"),
    measure(id="eval_dissatisfied", zh="不满意数", en="dissatisfied", unit="count", grains=AS, model="eval_ratings",
            agg=count_rows("level <= 2"), def_zh="评价中“不满意”或“很不满意”（1、2 级）的条数",
            def_en="evaluations of level 1 or 2"),
    ratio(id="satisfaction_rate", zh="满意率", en="satisfaction rate", grains=AS, num="eval_satisfied",
          den="eval_ratings", def_zh="满意数 ÷ 评价数", def_en="satisfied / evaluations"),
    ratio(id="dissatisfaction_rate", zh="不满意率", en="dissatisfaction rate", grains=AS, num="eval_dissatisfied",
          den="eval_ratings", def_zh="不满意数 ÷ 评价数", def_en="dissatisfied / evaluations"),
)

METRICS_BY_ID: dict[tuple[str, str], Metric] = {(g, m.id): m for m in METRICS for g in m.grains}


def _column_order(grain: str) -> tuple[str, ...]:
    """The shown metrics of a grain: declaration order, each `place_after` moved behind its neighbour."""
    shown = [m for m in METRICS if grain in m.grains and not m.hidden]
    order = [m.id for m in shown if grain not in m.place_after]
    for m in shown:
        if grain in m.place_after:
            order.insert(order.index(m.place_after[grain]) + 1, m.id)
    return tuple(order)


GRAIN_ORDER: dict[str, tuple[str, ...]] = {g: _column_order(g) for g in ("account_day", "shop_day")}


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


def walk(m: Metric, grain: str, stop: Callable[[Metric], bool] = lambda x: x.kind == "measure") -> list[Metric]:
    """The metrics behind m, depth first without repeats, followed down to those `stop` accepts (m itself too)."""
    if stop(m):
        return [m]
    out: list[Metric] = []
    for ref in m.references():
        for inner in walk(METRICS_BY_ID[(grain, ref)], grain, stop):
            if inner not in out:
                out.append(inner)
    return out
