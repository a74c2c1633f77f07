-- 道别: the shop had the last word, but its last reply neither thanks nor says goodbye
-- (a conversation the buyer ended is the 未闭环 check's finding, not this one's).
SELECT r.shop, r.account, r.buyer, r.day, r.ts, r.msg_key, '最后一条回复未道别' AS matched, r.content AS text
FROM qc_last_reply r
JOIN conversations_account c USING (shop, account, buyer, day)
WHERE c.unclosed = 0 AND r.sender IN (${senders}) AND NOT regexp_matches(r.content, ${expect})
