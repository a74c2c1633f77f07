-- model: shop_accounts
-- order: 10
-- kind: table
-- scoped: false
-- grain: shop, account

-- Every customer-service account of each shop: accounts.csv plus accounts seen in
-- the shop's messages (taken as human, no group, when not declared).
SELECT a.shop, a.account, a.kind, a."group" AS grp, a.agent_name
FROM accounts a
UNION ALL
SELECT DISTINCT m.shop, m.account, 'human' AS kind, CAST(NULL AS VARCHAR) AS grp, CAST(NULL AS VARCHAR) AS agent_name
FROM messages m
LEFT JOIN accounts a ON a.account = m.account AND a.shop = m.shop
WHERE a.account IS NULL
