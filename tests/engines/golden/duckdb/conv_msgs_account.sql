-- The messages of each conversation (shop, account, buyer, day) of non-filtered buyers that
-- the conversation rules read: buyer, agent and bot (auto and system are skipped),
-- numbered in message order (ts, then source order).
SELECT m.shop, m.account, m.buyer, m.day, m.sender, m.ts, m.seq,
    m.sender <> 'buyer' AS is_reply,
    ROW_NUMBER() OVER (PARTITION BY m.shop, m.account, m.buyer, m.day ORDER BY m.ts, m.seq) AS pos,
    ROW_NUMBER() OVER (PARTITION BY m.shop, m.account, m.buyer, m.day ORDER BY m.ts DESC, m.seq DESC) AS pos_from_end,
    LAG(m.sender) OVER (PARTITION BY m.shop, m.account, m.buyer, m.day ORDER BY m.ts, m.seq) AS prev_sender,
    MIN(CASE WHEN m.sender <> 'buyer' THEN m.ts END) OVER (
        PARTITION BY m.shop, m.account, m.buyer, m.day ORDER BY m.ts, m.seq
        ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_reply_ts
FROM msgs m
LEFT JOIN filtered_buyers f ON f.shop = m.shop AND f.day = m.day AND f.buyer = m.buyer
WHERE f.buyer IS NULL AND m.sender IN ('buyer', 'agent', 'bot')
