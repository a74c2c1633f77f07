-- model: questions
-- order: 60
-- kind: table
-- scoped: true
-- grain: ${conv}, seq
-- reused: true

-- One row per question: a buyer message whose previous message in the conversation
-- is not the buyer's (a burst is one question, timed from its first message). Its
-- response is the first valid reply after it on the same day. When the account has
-- presence rows and was offline at the question (no online or busy interval holds
-- it), the clock starts at its next online interval, or at the reply when that
-- comes later or never. Both come from one time line per account and day of its
-- questions and the online intervals overlapping the day, an interval starting at
-- the question's instant first: the latest end among intervals started so far says
-- whether one holds the question, and the earliest later start is the next one. A
-- reply is on the question's day, so no interval beyond the day matters; window
-- functions over small account-days stand in for an interval join.
WITH q AS (
    SELECT shop, account, buyer, day, ts, seq, next_reply_ts AS reply_ts, buyer_msg_no = 1 AS is_first
    FROM conv_msgs_${scope}
    WHERE sender = 'buyer' AND (prev_sender IS NULL OR prev_sender <> 'buyer')
),
with_presence AS (
    SELECT DISTINCT account FROM presence
),
online_days AS (
    SELECT p.account, c.day, p.start, p."end"
    FROM presence p
    JOIN calendar c ON p.start < c.day_end AND p."end" > c.day_start
    WHERE p.status IN ('online', 'busy')
),
timeline AS (
    SELECT shop, account, buyer, day, ts, seq, reply_ts, is_first,
        ts AS t, 1 AS kind, CAST(NULL AS TIMESTAMP) AS online_end
    FROM q
    UNION ALL
    SELECT NULL, account, NULL, day, NULL, NULL, NULL, NULL, start, 0, "end"
    FROM online_days
),
marked AS (
    SELECT *,
        MAX(online_end) OVER (PARTITION BY account, day ORDER BY t, kind
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS online_until,
        MIN(CASE WHEN kind = 0 THEN t END) OVER (PARTITION BY account, day ORDER BY t, kind
            ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_start
    FROM timeline
),
clocked AS (
    SELECT m.shop, m.account, m.buyer, m.day, m.ts, m.seq, m.reply_ts, m.is_first,
        CASE
            WHEN m.reply_ts IS NULL THEN NULL
            WHEN wp.account IS NULL THEN m.ts
            WHEN m.online_until > m.ts THEN m.ts
            WHEN m.next_start IS NOT NULL AND m.next_start <= m.reply_ts THEN m.next_start
            ELSE m.reply_ts
        END AS clock_start
    FROM marked m
    LEFT JOIN with_presence wp ON wp.account = m.account
    WHERE m.kind = 1
)
SELECT shop, account, buyer, day, ts, seq, reply_ts, clock_start, is_first,
    seconds_between(clock_start, reply_ts) AS response_s
FROM clocked
