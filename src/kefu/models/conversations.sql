-- model: conversations
-- order: 70
-- kind: table
-- scoped: true
-- grain: ${conv}
-- reused: true

-- One row per conversation (${conv}): who wrote, whether the buyer got a
-- valid reply after their first message, who had the last word and when, the first response.
-- A conversation's last message carries its counts (its position, and how many of the
-- messages up to it are the buyer's), so no aggregation over the messages is needed.
WITH last_msg AS (
    SELECT ${conv},
        CASE WHEN buyer_msg_no > 0 THEN 1 ELSE 0 END AS inquiry,
        buyer_msg_no AS buyer_messages,
        pos - buyer_msg_no AS agent_messages,
        CASE WHEN sender = 'buyer' THEN 1 ELSE 0 END AS last_word_buyer,
        ts AS last_ts,
        seq AS last_seq
    FROM conv_msgs_${scope}
    WHERE pos_from_end = 1
)
SELECT a.*,
    q.ts AS q0_ts,
    q.seq AS q0_seq,
    CASE WHEN q.reply_ts IS NOT NULL THEN 1 ELSE 0 END AS replied,
    a.inquiry * a.last_word_buyer AS unclosed,
    q.response_s AS first_response_s
FROM last_msg a
LEFT JOIN (SELECT * FROM questions_${scope} WHERE is_first) q USING (${conv})
