-- One row per buyer message of each conversation (shop, account, buyer, day) of non-filtered buyers
-- (metrics.md §7): whether it begins a question (the first of a burst), whether it is
-- the conversation's first buyer message, its shop-local time of day in whole seconds,
-- whether it was sent to a bot account, and its first valid reply on the day (agent or
-- bot) with that reply's sender. The platform settings choose and time the rounds from
-- these columns when a report is made, so the stored rows do not depend on them.
-- The first reply after a message is found by one window over the conversation, not
-- by joining the messages to themselves: its time is conv_msgs' next_reply_ts (the
-- messages are in time order), and its sender rides in the low bit of the smallest
-- following reply position (pos * 2, plus 1 for a bot).
WITH marked AS (
    SELECT m.*,
        MIN(CASE WHEN m.sender <> 'buyer' THEN m.pos * 2 + CASE WHEN m.sender = 'bot' THEN 1 ELSE 0 END END) OVER (
            PARTITION BY m.shop, m.account, m.buyer, m.day ORDER BY m.pos
            ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS reply_code
    FROM conv_msgs_account m
)
SELECT m.shop, m.account, m.buyer, m.day, m.ts, m.seq,
    m.prev_sender IS NULL OR m.prev_sender <> 'buyer' AS is_question,
    m.buyer_msg_no = 1 AS is_first,
    COALESCE(a.kind = 'bot', FALSE) AS to_bot,
    hour(local_time(m.ts)) * 3600 + minute(local_time(m.ts)) * 60 + second(local_time(m.ts)) AS tod_s,
    m.next_reply_ts AS reply_ts,
    CASE m.reply_code % 2 WHEN 1 THEN 'bot' WHEN 0 THEN 'agent' END AS reply_sender,
    seconds_between(m.ts, m.next_reply_ts) AS response_s
FROM marked m
LEFT JOIN shop_accounts a ON a.shop = m.shop AND a.account = m.account
WHERE m.sender = 'buyer'
