-- 打招呼: the first reply of the conversation does not greet.
SELECT shop, account, buyer, day, ts, msg_key, '首条回复未问候' AS matched, content AS text
FROM qc_first_reply
WHERE sender IN (${senders}) AND NOT regexp_matches(content, ${expect})
