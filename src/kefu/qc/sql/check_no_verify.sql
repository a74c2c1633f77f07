-- 核实: the buyer paid an order credited to the conversation within its window, and no
-- reply confirmed the address or phone; shown on the last reply.
WITH paid AS (
    SELECT DISTINCT shop, account, buyer, day FROM credited_orders_account WHERE paid_in_window = 1
)
SELECT m.shop, m.account, m.buyer, m.day, max_by(m.ts, m.pos) AS ts, max_by(m.msg_key, m.pos) AS msg_key,
    '成交后未核对地址电话' AS matched, max_by(m.content, m.pos) AS text
FROM paid p
JOIN qc_msgs m USING (shop, account, buyer, day)
WHERE m.sender IN (${senders})
GROUP BY m.shop, m.account, m.buyer, m.day
HAVING NOT bool_or(regexp_matches(m.content, ${expect}))
