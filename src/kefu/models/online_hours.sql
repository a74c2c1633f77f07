-- model: online_hours
-- order: 130
-- kind: table
-- scoped: false
-- grain: account, day

-- Online time of each natural day an account with presence rows was online or busy,
-- as whole microseconds (exact, so every sum over days and accounts is the same run to
-- run) and as hours. Only days with such time have a row: account_online and
-- shop_online read 0 for the other days of an account that has presence rows, so the
-- rows do not depend on which days the calendar holds.
WITH overlap AS (
    SELECT p.account, c.day,
        SUM(micros_between(GREATEST(p.start, c.day_start), LEAST(p."end", c.day_end))) AS online_us
    FROM presence p
    JOIN calendar c ON p.start < c.day_end AND p."end" > c.day_start
    WHERE p.status IN ('online', 'busy')
    GROUP BY p.account, c.day
)
SELECT account, day, online_us, online_us / 3600000000.0 AS online_hours
FROM overlap
