-- model: concurrency
-- order: 120
-- kind: table
-- scoped: false
-- grain: shop, account, day

-- Most sessions (models/sessions.sql) of an account overlapping at one instant on a
-- day. Sessions that touch overlap, so at one instant every start is counted before
-- any end.
WITH events AS (
    SELECT shop, account, day, start_ts AS t, 0 AS edge, 1 AS delta FROM sessions
    UNION ALL
    SELECT shop, account, day, end_ts AS t, 1 AS edge, -1 AS delta FROM sessions
),
running AS (
    SELECT shop, account, day,
        SUM(delta) OVER (PARTITION BY shop, account, day ORDER BY t, edge
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS open_sessions
    FROM events
)
SELECT shop, account, day, MAX(open_sessions) AS max_concurrent
FROM running GROUP BY shop, account, day
