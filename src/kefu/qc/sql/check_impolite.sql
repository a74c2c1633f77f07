-- 礼貌: none of the replies in the conversation uses a polite word; shown on the last reply.
SELECT shop, account, buyer, day, max_by(ts, pos) AS ts, max_by(msg_key, pos) AS msg_key,
    '整段会话未使用礼貌用语' AS matched, max_by(content, pos) AS text
FROM qc_msgs
WHERE sender IN (${senders})
GROUP BY shop, account, buyer, day
HAVING NOT bool_or(regexp_matches(content, ${expect}))
