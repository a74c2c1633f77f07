WITH report_rows AS (
    SELECT DISTINCT t.shop AS "shop", CAST(date_trunc('week', t.day) AS DATE) AS period_start
    FROM shop_days t 
    
),
m0 AS (
    SELECT t.shop AS "shop", CAST(date_trunc('week', t.day) AS DATE) AS period_start,
        max_by(paid_orders_28d, day) AS paid_orders_28d,
        max_by(refunds_28d, day) AS refunds_28d,
        max_by(disputes_28d, day) AS disputes_28d,
        max_by(finished_merchant_28d, day) AS merchant_finished_refunds_28d,
        max_by(finished_28d, day) AS finished_refunds_28d,
        max_by(refund_hours_28d, day) AS refund_hours_28d,
        max_by(complaints_28d, day) AS complaints_28d,
        max_by(score_sum_180d, day) AS score_sum_180d,
        max_by(ratings_180d, day) AS ratings_180d
    FROM after_sales t 
    
    GROUP BY 1, 2
),
m1 AS (
    SELECT t.shop AS "shop", CAST(date_trunc('week', t.day) AS DATE) AS period_start,
        SUM(CASE WHEN inquiry = 1 THEN 1 ELSE 0 END) AS inquiry_buyers,
        SUM(CASE WHEN replied = 1 THEN 1 ELSE 0 END) AS replied_buyers
    FROM conversations_shop t 
    
    GROUP BY 1, 2
),
m2 AS (
    SELECT t.shop AS "shop", CAST(date_trunc('week', t.day) AS DATE) AS period_start,
        SUM(CASE WHEN paid = 1 THEN 1 ELSE 0 END) AS paid_buyers,
        SUM(sales) AS inquiry_sales
    FROM conversion_shop t 
    
    GROUP BY 1, 2
),
m3 AS (
    SELECT t.shop AS "shop", CAST(date_trunc('week', t.day) AS DATE) AS period_start,
        COUNT(*) AS eval_invited_buyers
    FROM eval_invites_shop t 
    
    GROUP BY 1, 2
),
m4 AS (
    SELECT t.shop AS "shop", CAST(date_trunc('week', t.day) AS DATE) AS period_start,
        COUNT(*) AS eval_ratings,
        SUM(CASE WHEN level >= 4 THEN 1 ELSE 0 END) AS eval_satisfied,
        SUM(CASE WHEN level <= 2 THEN 1 ELSE 0 END) AS eval_dissatisfied
    FROM eval_ratings t 
    
    GROUP BY 1, 2
),
m5 AS (
    SELECT t.shop AS "shop", CAST(date_trunc('week', t.day) AS DATE) AS period_start,
        COUNT(*) AS filtered_buyers,
        SUM(CASE WHEN reason = 'blocklist' THEN 1 ELSE 0 END) AS filtered_blocklist,
        SUM(CASE WHEN reason = 'sub_account' THEN 1 ELSE 0 END) AS filtered_sub_account,
        SUM(CASE WHEN reason = 'internal' THEN 1 ELSE 0 END) AS filtered_internal,
        SUM(CASE WHEN reason = 'ad' THEN 1 ELSE 0 END) AS filtered_ad
    FROM filtered_buyers t 
    
    GROUP BY 1, 2
),
m6 AS (
    SELECT t.shop AS "shop", CAST(date_trunc('week', t.day) AS DATE) AS period_start,
        SUM(total_orders) AS total_orders,
        SUM(paid_orders) AS paid_orders,
        SUM(total_sales) AS total_sales,
        SUM(silent_sales) AS silent_sales,
        SUM(refunded_orders) AS refunded_orders,
        SUM(order_refund_amount) AS order_refund_amount
    FROM order_facts t 
    
    GROUP BY 1, 2
),
m7 AS (
    SELECT t.shop AS "shop", CAST(date_trunc('week', t.day) AS DATE) AS period_start,
        SUM(CASE WHEN (is_question) AND (tod_s >= 0 AND tod_s < 86400) AND (NOT to_bot) AND (COALESCE(reply_sender, '') <> 'bot') THEN 1 ELSE 0 END) AS platform_rounds,
        SUM(CASE WHEN (is_question) AND (tod_s >= 0 AND tod_s < 86400) AND (NOT to_bot) AND (COALESCE(reply_sender, '') <> 'bot') AND reply_ts IS NOT NULL THEN 1 ELSE 0 END) AS platform_answered,
        SUM(CASE WHEN (is_question) AND (tod_s >= 0 AND tod_s < 86400) AND (NOT to_bot) AND (COALESCE(reply_sender, '') <> 'bot') AND response_s <= 180 THEN 1 ELSE 0 END) AS platform_fast_rounds,
        SUM(CASE WHEN (is_question) AND (tod_s >= 0 AND tod_s < 86400) AND (NOT to_bot) AND (COALESCE(reply_sender, '') <> 'bot') AND (reply_ts IS NOT NULL OR FALSE) THEN CASE WHEN reply_ts IS NOT NULL THEN response_s ELSE 0 END ELSE 0 END) AS platform_response_s,
        SUM(CASE WHEN (is_question) AND (tod_s >= 0 AND tod_s < 86400) AND (NOT to_bot) AND (COALESCE(reply_sender, '') <> 'bot') AND (reply_ts IS NOT NULL OR FALSE) THEN 1 ELSE 0 END) AS platform_timed_rounds
    FROM platform_rounds_shop t 
    
    GROUP BY 1, 2
),
m8 AS (
    SELECT t.shop AS "shop", CAST(date_trunc('week', t.day) AS DATE) AS period_start,
        SUM(online_us_total) / 3600000000.0 AS online_hours_total,
        SUM(presence_accounts) AS presence_accounts
    FROM shop_online t 
    
    GROUP BY 1, 2
)
SELECT "shop", period_start,
    COALESCE(m1.inquiry_buyers, 0) AS inquiry_buyers,
    COALESCE(m1.replied_buyers, 0) AS replied_buyers,
    CAST((COALESCE(m1.replied_buyers, 0)) AS DOUBLE) / NULLIF((COALESCE(m1.inquiry_buyers, 0)), 0) AS reply_rate,
    COALESCE(m2.paid_buyers, 0) AS paid_buyers,
    CAST((COALESCE(m2.paid_buyers, 0)) AS DOUBLE) / NULLIF((COALESCE(m1.inquiry_buyers, 0)), 0) AS conversion_rate,
    COALESCE(m2.inquiry_sales, 0) AS inquiry_sales,
    COALESCE(m5.filtered_buyers, 0) AS filtered_buyers,
    COALESCE(m5.filtered_blocklist, 0) AS filtered_blocklist,
    COALESCE(m5.filtered_sub_account, 0) AS filtered_sub_account,
    COALESCE(m5.filtered_internal, 0) AS filtered_internal,
    COALESCE(m5.filtered_ad, 0) AS filtered_ad,
    COALESCE(m6.total_orders, 0) AS total_orders,
    COALESCE(m6.paid_orders, 0) AS paid_orders,
    CAST((COALESCE(m6.paid_orders, 0)) AS DOUBLE) / NULLIF((COALESCE(m6.total_orders, 0)), 0) AS payment_rate,
    COALESCE(m6.total_sales, 0) AS total_sales,
    COALESCE(m6.silent_sales, 0) AS silent_sales,
    1 - CAST((COALESCE(m6.silent_sales, 0)) AS DOUBLE) / NULLIF((COALESCE(m6.total_sales, 0)), 0) AS inquiry_sales_share,
    CAST((COALESCE(m8.online_hours_total, 0)) AS DOUBLE) / NULLIF((COALESCE(m8.presence_accounts, 0)), 0) AS avg_online_hours,
    m0.paid_orders_28d AS paid_orders_28d,
    m0.refunds_28d AS refunds_28d,
    CAST((m0.refunds_28d) AS DOUBLE) / NULLIF((m0.paid_orders_28d), 0) AS refund_rate_28d,
    m0.disputes_28d AS disputes_28d,
    CAST((m0.disputes_28d) AS DOUBLE) / NULLIF((m0.paid_orders_28d), 0) AS dispute_rate_28d,
    CAST((m0.merchant_finished_refunds_28d) AS DOUBLE) / NULLIF((m0.finished_refunds_28d), 0) AS self_completion_rate_28d,
    CAST((m0.refund_hours_28d) AS DOUBLE) / NULLIF((m0.finished_refunds_28d), 0) AS avg_refund_hours_28d,
    m0.complaints_28d AS complaints_28d,
    CAST((m0.complaints_28d) AS DOUBLE) / NULLIF((m0.paid_orders_28d), 0) AS complaint_rate_28d,
    CAST((m0.score_sum_180d) AS DOUBLE) / NULLIF((m0.ratings_180d), 0) AS dsr_service_180d,
    COALESCE(m6.refunded_orders, 0) AS refunded_orders,
    COALESCE(m6.order_refund_amount, 0) AS order_refund_amount,
    CAST((COALESCE(m6.refunded_orders, 0)) AS DOUBLE) / NULLIF((COALESCE(m6.total_orders, 0)), 0) AS order_refund_rate,
    COALESCE(m7.platform_rounds, 0) AS platform_rounds,
    COALESCE(m7.platform_answered, 0) AS platform_answered,
    COALESCE(m7.platform_fast_rounds, 0) AS platform_fast_rounds,
    CAST((COALESCE(m7.platform_fast_rounds, 0)) AS DOUBLE) / NULLIF((COALESCE(m7.platform_rounds, 0)), 0) AS platform_fast_rate,
    CAST((COALESCE(m7.platform_response_s, 0)) AS DOUBLE) / NULLIF((COALESCE(m7.platform_timed_rounds, 0)), 0) AS platform_avg_response_s,
    COALESCE(m3.eval_invited_buyers, 0) AS eval_invited_buyers,
    CAST((COALESCE(m3.eval_invited_buyers, 0)) AS DOUBLE) / NULLIF((COALESCE(m1.inquiry_buyers, 0)), 0) AS eval_invite_rate,
    COALESCE(m4.eval_ratings, 0) AS eval_ratings,
    COALESCE(m4.eval_satisfied, 0) AS eval_satisfied,
    COALESCE(m4.eval_dissatisfied, 0) AS eval_dissatisfied,
    CAST((COALESCE(m4.eval_satisfied, 0)) AS DOUBLE) / NULLIF((COALESCE(m4.eval_ratings, 0)), 0) AS satisfaction_rate,
    CAST((COALESCE(m4.eval_dissatisfied, 0)) AS DOUBLE) / NULLIF((COALESCE(m4.eval_ratings, 0)), 0) AS dissatisfaction_rate
FROM report_rows
LEFT JOIN m0 USING ("shop", period_start)
LEFT JOIN m1 USING ("shop", period_start)
LEFT JOIN m2 USING ("shop", period_start)
LEFT JOIN m3 USING ("shop", period_start)
LEFT JOIN m4 USING ("shop", period_start)
LEFT JOIN m5 USING ("shop", period_start)
LEFT JOIN m6 USING ("shop", period_start)
LEFT JOIN m7 USING ("shop", period_start)
LEFT JOIN m8 USING ("shop", period_start)
ORDER BY "shop", period_start
