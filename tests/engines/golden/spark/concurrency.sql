/* Most sessions of an account overlapping at one instant on a day. A conversation */
/* is cut into sessions wherever two consecutive messages are more than */
/* session_gap_s apart; sessions that touch overlap, so at one instant every start */
/* is counted before any end. */
WITH gaps AS (
  SELECT
    shop,
    account,
    buyer,
    day,
    ts,
    seq,
    CASE
      WHEN CAST(UNIX_MICROS(ts) - UNIX_MICROS(LAG(ts) OVER w) AS DOUBLE) / 1000000.0 > 600
      THEN 1
      ELSE 0
    END AS new_session
  FROM conv_msgs_account
  WINDOW w AS (PARTITION BY shop, account, buyer, day ORDER BY ts NULLS LAST, seq NULLS LAST)
), numbered AS (
  SELECT
    shop,
    account,
    buyer,
    day,
    ts,
    SUM(new_session) OVER (
      PARTITION BY shop, account, buyer, day
      ORDER BY ts NULLS LAST, seq NULLS LAST
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS session_no
  FROM gaps
), sessions AS (
  SELECT
    shop,
    account,
    day,
    MIN(ts) AS s,
    MAX(ts) AS e
  FROM numbered
  GROUP BY
    shop,
    account,
    buyer,
    day,
    session_no
), events AS (
  SELECT
    shop,
    account,
    day,
    s AS t,
    0 AS edge,
    1 AS delta
  FROM sessions
  UNION ALL
  SELECT
    shop,
    account,
    day,
    e AS t,
    1 AS edge,
    -1 AS delta
  FROM sessions
), running AS (
  SELECT
    shop,
    account,
    day,
    SUM(delta) OVER (
      PARTITION BY shop, account, day
      ORDER BY t NULLS LAST, edge NULLS LAST
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS open_sessions
  FROM events
)
SELECT
  shop,
  account,
  day,
  MAX(open_sessions) AS max_concurrent
FROM running
GROUP BY
  shop,
  account,
  day
