-- model: sessions
-- order: 110
-- kind: table
-- scoped: false
-- grain: shop, account, buyer, day, start_ts

-- One row per session of each account's conversation (shop, account, buyer, day): the
-- conversation is cut wherever two consecutive messages are more than session_gap_s
-- apart, so a session starts at a message with no such neighbour before it and ends at
-- the first message from there with none after it (the same message when it stands
-- alone). Max concurrency and staffing read these spans.
WITH edges AS (
    SELECT shop, account, buyer, day, ts, pos,
        prev_ts IS NULL OR seconds_between(prev_ts, ts) > ${session_gap_s} AS opens,
        next_ts IS NULL OR seconds_between(ts, next_ts) > ${session_gap_s} AS closes
    FROM conv_msgs_account
),
bounds AS (
    SELECT shop, account, buyer, day, opens, ts AS start_ts,
        CASE WHEN closes THEN ts
            ELSE LEAD(ts) OVER (PARTITION BY shop, account, buyer, day ORDER BY pos) END AS end_ts
    FROM edges
    WHERE opens OR closes
)
SELECT shop, account, buyer, day, start_ts, end_ts
FROM bounds
WHERE opens
