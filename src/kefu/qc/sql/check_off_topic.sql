-- 答非所问（待复核）: a buyer message that asks about a product attribute (the topics below: size, colour,
-- shipping, material, price, stock) answered by the agent's next reply that touches none of the topics asked
-- and is shorter than ${max_chars} characters ("好的", "嗯" to 这个什么时候发货). A yes-or-no question (no 什么/几/
-- 哪/怎么…) may be answered by a plain yes, no or wait (the rule's expect: 是的, 好的, 没有, 稍等…). One finding per
-- reply, for a manager to review: the words alone cannot tell a curt answer from a wrong one.
WITH topics(topic, pattern) AS (VALUES
    ('尺码', '尺码|码数|尺寸|大小|多大|几码|[0-9SMLX]+码|偏大|偏小|身高|体重|斤'),
    ('颜色', '颜色|色|款式'),
    ('发货', '发货|什么时候发|几号发|寄出|寄到|快递|物流|到货|几天到|送到|运单|快递单'),
    ('材质', '材质|面料|成分|纯棉|棉|料子|质量'),
    ('价格', '价格|多少钱|价|便宜|优惠|折|券|包邮'),
    ('库存', '库存|有货|现货|缺货|补货')
),
asked AS (
    SELECT m.shop, m.account, m.buyer, m.day, m.pos, t.topic, t.pattern,
        regexp_matches(m.content, '什么|多少|几|哪|怎么|如何|多久|多大|啥|为啥|为什么') AS open_question,
        (SELECT min(n.pos) FROM qc_msgs n
         WHERE n.shop = m.shop AND n.account = m.account AND n.buyer = m.buyer AND n.day = m.day
             AND n.is_reply AND n.pos > m.pos) AS reply_pos
    FROM qc_msgs m JOIN topics t ON regexp_matches(m.content, t.pattern)
    WHERE m.sender = 'buyer' AND m.kind IN (${kinds})
)
SELECT r.shop, r.account, r.buyer, r.day, r.ts, r.msg_key,
    printf('买家问%s，回复只有 %d 个字且没有提到', string_agg(DISTINCT a.topic, '、' ORDER BY a.topic),
           length(trim(r.content))) AS matched,
    r.content AS text
FROM asked a
JOIN qc_msgs r ON r.shop = a.shop AND r.account = a.account AND r.buyer = a.buyer AND r.day = a.day
    AND r.pos = a.reply_pos
WHERE r.sender IN (${senders}) AND length(trim(r.content)) < ${max_chars}
GROUP BY r.shop, r.account, r.buyer, r.day, r.ts, r.msg_key, r.content
HAVING NOT bool_or(regexp_matches(r.content, a.pattern))
    AND (bool_or(a.open_question) OR NOT regexp_matches(trim(r.content), ${expect}))
