-- model: order_days
-- order: 190
-- kind: table
-- scoped: false
-- grain: shop, order_id

-- Orders with the natural days they were created and paid, and whether they lie
-- in the window of no inquiry of the shop on any day (silent: 静默下单). Order ids
-- are a shop's own: two shops may both have order 1001.
WITH windowed AS (
    SELECT DISTINCT o.shop, o.order_id
    FROM orders o
    JOIN conversations_shop i ON i.shop = o.shop AND i.buyer = o.buyer AND i.inquiry = 1
    WHERE o.created_at >= i.q0_ts AND local_day(o.created_at) < add_days(i.day, ${window_days} + 1)
)
SELECT o.order_id, o.shop, o.buyer, o.created_at, o.paid_at, o.amount, o.items,
    COALESCE(o.refund_amount, 0) AS refund_amount,
    local_day(o.created_at) AS created_day,
    local_day(o.paid_at) AS paid_day,
    w.order_id IS NULL AS silent
FROM orders o
LEFT JOIN windowed w ON w.shop = o.shop AND w.order_id = o.order_id
