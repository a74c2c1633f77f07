/* Orders with the natural days they were created and paid, and whether they lie */
/* in the window of no inquiry of the shop on any day (silent: 静默下单). Order ids */
/* are a shop's own: two shops may both have order 1001. */
WITH windowed AS (
  SELECT DISTINCT
    o.shop,
    o.order_id
  FROM orders AS o
  JOIN conversations_shop AS i
    ON i.shop = o.shop AND i.buyer = o.buyer AND i.inquiry = 1
  WHERE
    o.created_at >= i.q0_ts
    AND CAST(FROM_UTC_TIMESTAMP(CAST(o.created_at AS TIMESTAMP), 'Asia/Shanghai') AS DATE) < DATE_ADD(i.day, 1 + 1)
)
SELECT
  o.order_id,
  o.shop,
  o.buyer,
  o.created_at,
  o.paid_at,
  o.amount,
  o.items,
  COALESCE(o.refund_amount, 0) AS refund_amount,
  CAST(FROM_UTC_TIMESTAMP(CAST(o.created_at AS TIMESTAMP), 'Asia/Shanghai') AS DATE) AS created_day,
  CAST(FROM_UTC_TIMESTAMP(CAST(o.paid_at AS TIMESTAMP), 'Asia/Shanghai') AS DATE) AS paid_day,
  w.order_id IS NULL AS silent
FROM orders AS o
LEFT JOIN windowed AS w
  ON w.shop = o.shop AND w.order_id = o.order_id
