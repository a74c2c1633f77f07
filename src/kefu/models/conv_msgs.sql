-- model: conv_msgs
-- order: 40
-- kind: table
-- scoped: true
-- grain: ${conv}, seq
-- reused: true

-- The messages of each conversation (${conv}) of non-filtered buyers that
-- the conversation rules read: buyer, agent and bot (auto and system are skipped),
-- numbered in message order (ts, then source order), with their neighbours' sender
-- and times. Every window shares one partition and order, so the engine sorts the
-- messages once; the position from the end comes from the partition's size rather
-- than from a second, descending sort. The shared scope numbers only the buyer-days
-- that several accounts served (shared_days).
WITH kept AS (
    SELECT m.shop, m.account, m.buyer, m.day, m.sender, m.ts, m.seq
    FROM msgs m
    LEFT JOIN filtered_buyers f ON f.shop = m.shop AND f.day = m.day AND f.buyer = m.buyer
    WHERE f.buyer IS NULL AND m.sender IN ('buyer', 'agent', 'bot')
)
SELECT m.shop, m.account, m.buyer, m.day, m.sender, m.ts, m.seq,
    m.sender <> 'buyer' AS is_reply,
    ROW_NUMBER() OVER (PARTITION BY ${conv_m} ORDER BY m.ts, m.seq) AS pos,
    COUNT(*) OVER (PARTITION BY ${conv_m}) + 1
        - ROW_NUMBER() OVER (PARTITION BY ${conv_m} ORDER BY m.ts, m.seq) AS pos_from_end,
    SUM(CASE WHEN m.sender = 'buyer' THEN 1 ELSE 0 END) OVER (
        PARTITION BY ${conv_m} ORDER BY m.ts, m.seq
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS buyer_msg_no,
    LAG(m.sender) OVER (PARTITION BY ${conv_m} ORDER BY m.ts, m.seq) AS prev_sender,
    LAG(m.ts) OVER (PARTITION BY ${conv_m} ORDER BY m.ts, m.seq) AS prev_ts,
    LEAD(m.ts) OVER (PARTITION BY ${conv_m} ORDER BY m.ts, m.seq) AS next_ts,
    MIN(CASE WHEN m.sender <> 'buyer' THEN m.ts END) OVER (
        PARTITION BY ${conv_m} ORDER BY m.ts, m.seq
        ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_reply_ts
FROM ${conv_input} m
