-- model: after_sales
-- order: 220
-- kind: table
-- scoped: false
-- grain: shop, day

-- Rolling after-sales figures of each shop-day, by the date each event names:
-- orders paid, refunds and complaints over D-27..D, ratings over D-179..D. Refund
-- durations are summed as whole microseconds, so the hours are the same run to run.
WITH events AS (
    SELECT shop, paid_day AS day, 1 AS paid_orders, 0 AS refunds, 0 AS disputes,
        0 AS finished, 0 AS finished_merchant, CAST(0 AS BIGINT) AS refund_us, 0 AS complaints,
        0 AS ratings, 0 AS score_sum
    FROM order_days WHERE paid_day IS NOT NULL
    UNION ALL
    SELECT shop, local_day(created_at), 0, 1, CASE WHEN disputed THEN 1 ELSE 0 END, 0, 0, 0, 0, 0, 0
    FROM refunds
    UNION ALL
    SELECT shop, local_day(finished_at), 0, 0, 0, 1,
        CASE WHEN completed_by = 'merchant' THEN 1 ELSE 0 END,
        micros_between(created_at, finished_at), 0, 0, 0
    FROM refunds WHERE finished_at IS NOT NULL
    UNION ALL
    SELECT shop, local_day(created_at), 0, 0, 0, 0, 0, 0, 1, 0, 0
    FROM complaints
    UNION ALL
    SELECT shop, local_day(rated_at), 0, 0, 0, 0, 0, 0, 0, 1, service_score
    FROM ratings
),
window_sums AS (
    SELECT d.shop, d.day,
        SUM(CASE WHEN e.day >= add_days(d.day, -27) THEN e.paid_orders ELSE 0 END) AS paid_orders_28d,
        SUM(CASE WHEN e.day >= add_days(d.day, -27) THEN e.refunds ELSE 0 END) AS refunds_28d,
        SUM(CASE WHEN e.day >= add_days(d.day, -27) THEN e.disputes ELSE 0 END) AS disputes_28d,
        SUM(CASE WHEN e.day >= add_days(d.day, -27) THEN e.finished ELSE 0 END) AS finished_28d,
        SUM(CASE WHEN e.day >= add_days(d.day, -27) THEN e.finished_merchant ELSE 0 END) AS finished_merchant_28d,
        SUM(CASE WHEN e.day >= add_days(d.day, -27) THEN e.refund_us ELSE 0 END) AS refund_us_28d,
        SUM(CASE WHEN e.day >= add_days(d.day, -27) THEN e.complaints ELSE 0 END) AS complaints_28d,
        SUM(e.ratings) AS ratings_180d,
        SUM(e.score_sum) AS score_sum_180d
    FROM shop_days d
    JOIN events e ON e.shop = d.shop AND e.day <= d.day AND e.day >= add_days(d.day, -179)
    GROUP BY d.shop, d.day
)
SELECT d.shop, d.day,
    COALESCE(w.paid_orders_28d, 0) AS paid_orders_28d, COALESCE(w.refunds_28d, 0) AS refunds_28d,
    COALESCE(w.disputes_28d, 0) AS disputes_28d, COALESCE(w.finished_28d, 0) AS finished_28d,
    COALESCE(w.finished_merchant_28d, 0) AS finished_merchant_28d,
    COALESCE(w.refund_us_28d, 0) / 3600000000.0 AS refund_hours_28d, COALESCE(w.complaints_28d, 0) AS complaints_28d,
    COALESCE(w.ratings_180d, 0) AS ratings_180d, COALESCE(w.score_sum_180d, 0) AS score_sum_180d
FROM shop_days d
LEFT JOIN window_sums w ON w.shop = d.shop AND w.day = d.day
