-- model: shop_online
-- order: 230
-- kind: table
-- scoped: false
-- grain: shop, day

-- Per shop-day: online time summed over the shop's human accounts that have presence
-- rows (whole microseconds, and hours), and the number of such accounts.
WITH human AS (
    SELECT DISTINCT h.shop, h.account
    FROM shop_accounts h
    SEMI JOIN presence p ON p.account = h.account
    WHERE h.kind = 'human'
)
SELECT d.shop, d.day, SUM(COALESCE(o.online_us, 0)) AS online_us_total,
    SUM(COALESCE(o.online_us, 0)) / 3600000000.0 AS online_hours_total, COUNT(*) AS presence_accounts
FROM shop_days d
JOIN human h ON h.shop = d.shop
LEFT JOIN online_hours o ON o.account = h.account AND o.day = d.day
GROUP BY d.shop, d.day
