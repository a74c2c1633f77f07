-- One row per question: a buyer message whose previous message in the conversation
-- is not the buyer's (a burst is one question, timed from its first message). Its
-- response is the first valid reply after it on the same day. When the account has
-- presence rows and was offline at the question, the clock starts at its next
-- online interval, or at the reply when that comes later or never.
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
clocked AS (
    SELECT q.*,
        CASE
            WHEN q.reply_ts IS NULL THEN NULL
            WHEN wp.account IS NULL THEN q.ts
            WHEN cur.start IS NOT NULL AND q.ts < cur."end" THEN q.ts
            WHEN nxt.start IS NOT NULL AND nxt.start <= q.reply_ts THEN nxt.start
            ELSE q.reply_ts
        END AS clock_start
    FROM q
    LEFT JOIN with_presence wp ON wp.account = q.account
    ASOF LEFT JOIN online cur ON cur.account = q.account AND q.ts >= cur.start
    ASOF LEFT JOIN online nxt ON nxt.account = q.account AND q.ts < nxt.start
)
SELECT shop, account, buyer, day, ts, seq, reply_ts, clock_start, question_no,
    question_no = 1 AS is_first,
    seconds_between(clock_start, reply_ts) AS response_s
FROM clocked
