-- model: order_facts
-- order: 210
-- kind: table
-- scoped: false
-- grain: shop, day

-- Per shop and day: orders created (of them paid, and refunded by the order report's
-- own refund column), sales paid that day and the silent part of them.
SELECT shop, day,
    SUM(created) AS total_orders, SUM(created_paid) AS paid_orders,
    SUM(paid_amount) AS total_sales, SUM(silent_amount) AS silent_sales,
    SUM(refunded) AS refunded_orders, SUM(refund_amount) AS order_refund_amount
FROM (
    SELECT shop, created_day AS day, 1 AS created,
        CASE WHEN paid_at IS NOT NULL THEN 1 ELSE 0 END AS created_paid,
        0 AS paid_amount, 0 AS silent_amount,
        CASE WHEN refund_amount > 0 THEN 1 ELSE 0 END AS refunded, refund_amount
    FROM order_days
    UNION ALL
    SELECT shop, paid_day AS day, 0 AS created, 0 AS created_paid,
        amount AS paid_amount, CASE WHEN silent THEN amount ELSE 0 END AS silent_amount,
        0 AS refunded, 0 AS refund_amount
    FROM order_days WHERE paid_day IS NOT NULL
) f
GROUP BY shop, day
