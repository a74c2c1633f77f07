/* Hours of each natural day an account with presence rows was online or busy; */
/* 0 on a day without such an interval. Accounts without presence rows have no row. */
WITH with_presence AS (
  SELECT DISTINCT
    account
  FROM presence
), overlap AS (
  SELECT
    p.account,
    c.day,
    SUM(
      CAST(UNIX_MICROS(LEAST(p.`end`, c.day_end)) - UNIX_MICROS(GREATEST(p.start, c.day_start)) AS DOUBLE) / 1000000.0
    ) AS online_s
  FROM presence AS p
  JOIN calendar AS c
    ON p.start < c.day_end AND p.`end` > c.day_start
  WHERE
    p.status IN ('online', 'busy')
  GROUP BY
    p.account,
    c.day
)
SELECT
  w.account,
  c.day,
  COALESCE(o.online_s, 0) / 3600.0 AS online_hours
FROM with_presence AS w
CROSS JOIN calendar AS c
LEFT JOIN overlap AS o
  ON o.account = w.account AND o.day = c.day
