-- 漏跟进: the agent promised to come back (expect: 稍等/马上/我查一下…) and then sent nothing for
-- ${wait_min} minutes while the buyer waited, or never replied again that day.
WITH promised AS (
    SELECT m.*, (SELECT min(n.ts) FROM qc_msgs n
                 WHERE n.shop = m.shop AND n.account = m.account AND n.buyer = m.buyer AND n.day = m.day
                     AND n.is_reply AND n.pos > m.pos) AS next_reply
    FROM qc_msgs m
    WHERE m.is_reply AND m.sender IN (${senders}) AND m.kind IN (${kinds}) AND regexp_matches(m.content, ${expect})
)
SELECT shop, account, buyer, day, ts, msg_key,
    CASE WHEN next_reply IS NULL THEN '答应稍后回复，之后再没有回复'
         ELSE printf('答应稍后回复，%.0f 分钟后才再回复', date_diff('second', ts, next_reply) / 60.0) END AS matched,
    content AS text
FROM promised
WHERE next_reply IS NULL OR date_diff('second', ts, next_reply) > ${wait_min} * 60
