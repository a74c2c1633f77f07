-- One row per question: a buyer message whose previous message in the conversation
-- is not the buyer's (a burst is one question, timed from its first message). Its
-- response is the first valid reply after it on the same day. When the account has
-- presence rows and was offline at the question, the clock starts at its next
-- online interval, or at the reply when that comes later or never. The interval a
-- question falls in (latest online start at or before it) and the next one (earliest
-- start after it) come from one time line per account of questions and interval
-- starts, an interval starting at the question's instant first: window functions
-- stand in for an as-of join, which not every engine has.
WITH q AS (
    SELECT shop, account, buyer, day, ts, seq, next_reply_ts AS reply_ts,
        ROW_NUMBER() OVER (PARTITION BY ${conv} ORDER BY ts, seq) AS question_no
    FROM conv_msgs_${scope}
    WHERE sender = 'buyer' AND (prev_sender IS NULL OR prev_sender <> 'buyer')
),
online AS (
    SELECT account, start, "end" FROM presence WHERE status IN ('online', 'busy')
),
with_presence AS (
    SELECT DISTINCT account FROM presence
),
timeline AS (
    SELECT shop, account, buyer, day, ts, seq, reply_ts, question_no, ts AS t, 1 AS kind
    FROM q
    UNION ALL
    SELECT NULL, account, NULL, NULL, NULL, NULL, NULL, NULL, start, 0
    FROM online
),
marked AS (
    SELECT *,
        MAX(CASE WHEN kind = 0 THEN t END) OVER (PARTITION BY account ORDER BY t, kind
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cur_start,
        MIN(CASE WHEN kind = 0 THEN t END) OVER (PARTITION BY account ORDER BY t, kind
            ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_start
    FROM timeline
),
clocked AS (
    SELECT m.shop, m.account, m.buyer, m.day, m.ts, m.seq, m.reply_ts, m.question_no,
        CASE
            WHEN m.reply_ts IS NULL THEN NULL
            WHEN wp.account IS NULL THEN m.ts
            WHEN cur.start IS NOT NULL AND m.ts < cur."end" THEN m.ts
            WHEN m.next_start IS NOT NULL AND m.next_start <= m.reply_ts THEN m.next_start
            ELSE m.reply_ts
        END AS clock_start
    FROM marked m
    LEFT JOIN with_presence wp ON wp.account = m.account
    LEFT JOIN online cur ON cur.account = m.account AND cur.start = m.cur_start
    WHERE m.kind = 1
)
SELECT shop, account, buyer, day, ts, seq, reply_ts, clock_start, question_no,
    question_no = 1 AS is_first,
    seconds_between(clock_start, reply_ts) AS response_s
FROM clocked
