-- Most sessions of an account overlapping at one instant on a day. A conversation
-- is cut into sessions wherever two consecutive messages are more than
-- session_gap_s apart: a session starts at a message with no such neighbour before
-- it and ends at one with none after it. Sessions that touch overlap, so at one
-- instant every start is counted before any end.
WITH events AS (
    SELECT shop, account, day, ts AS t, 0 AS edge, 1 AS delta
    FROM conv_msgs_account
    WHERE prev_ts IS NULL OR seconds_between(prev_ts, ts) > ${session_gap_s}
    UNION ALL
    SELECT shop, account, day, ts AS t, 1 AS edge, -1 AS delta
    FROM conv_msgs_account
    WHERE next_ts IS NULL OR seconds_between(ts, next_ts) > ${session_gap_s}
),
running AS (
    SELECT shop, account, day,
        SUM(delta) OVER (PARTITION BY shop, account, day ORDER BY t, edge
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS open_sessions
    FROM events
)
SELECT shop, account, day, MAX(open_sessions) AS max_concurrent
FROM running GROUP BY shop, account, day
