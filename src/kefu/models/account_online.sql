-- model: account_online
-- order: 180
-- kind: table
-- scoped: false
-- grain: shop, account, day

-- Online time of each account-day row: 0 on a day without online time; null when the
-- account has no presence rows at all.
WITH with_presence AS (
    SELECT DISTINCT account FROM presence
)
SELECT d.shop, d.account, d.day,
    CASE WHEN w.account IS NOT NULL THEN COALESCE(o.online_us, 0) END AS online_us,
    CASE WHEN w.account IS NOT NULL THEN COALESCE(o.online_us, 0) / 3600000000.0 END AS online_hours
FROM account_days d
LEFT JOIN with_presence w ON w.account = d.account
LEFT JOIN online_hours o ON o.account = d.account AND o.day = d.day
