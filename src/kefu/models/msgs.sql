-- model: msgs
-- order: 20
-- kind: view
-- scoped: false
-- grain: shop, msg_key

-- Messages with the shop-local natural day of their instant.
SELECT shop, account, buyer, sender, ts, seq, content, msg_type, local_day(ts) AS day, msg_key
FROM messages
