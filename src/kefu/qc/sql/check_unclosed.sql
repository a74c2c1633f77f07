-- 未闭环: the buyer had the last word (the conversations model's `unclosed`, as unclosed_buyers).
SELECT m.shop, m.account, m.buyer, m.day, m.ts, m.msg_key, '买家最后发言，会话未闭环' AS matched, m.content AS text
FROM conversations_account c
JOIN qc_msgs m USING (shop, account, buyer, day)
WHERE c.unclosed = 1 AND m.pos_from_end = 1 AND m.kind IN (${kinds})
