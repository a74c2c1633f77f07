-- model: shop_days
-- order: 200
-- kind: table
-- scoped: false
-- grain: shop, day

-- The days a shop has a row: at least one message, or one order created or paid.
SELECT DISTINCT shop, day FROM (
    SELECT shop, day FROM msgs
    UNION ALL
    SELECT shop, created_day AS day FROM order_days
    UNION ALL
    SELECT shop, paid_day AS day FROM order_days WHERE paid_day IS NOT NULL
) d
