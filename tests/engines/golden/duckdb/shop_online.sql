-- Per shop-day: online hours summed over the shop's human accounts that have
-- presence rows, and the number of such accounts.
WITH human AS (
    SELECT DISTINCT shop, account FROM shop_accounts WHERE kind = 'human'
)
SELECT d.shop, d.day, SUM(o.online_hours) AS online_hours_total, COUNT(o.account) AS presence_accounts
FROM shop_days d
JOIN human h ON h.shop = d.shop
JOIN online_hours o ON o.account = h.account AND o.day = d.day
GROUP BY d.shop, d.day
