/* The messages of each conversation (shop, buyer, day) of non-filtered buyers that */
/* the conversation rules read: buyer, agent and bot (auto and system are skipped), */
/* numbered in message order (ts, then source order), with their neighbours' sender */
/* and times. Every window shares one partition and order, so the engine sorts the */
/* messages once; the position from the end comes from the partition's size rather */
/* than from a second, descending sort. The shared scope numbers only the buyer-days */
/* that several accounts served (shared_days). */
WITH kept AS (
  SELECT
    m.shop,
    m.account,
    m.buyer,
    m.day,
    m.sender,
    m.ts,
    m.seq
  FROM msgs AS m
  LEFT JOIN filtered_buyers AS f
    ON f.shop = m.shop AND f.day = m.day AND f.buyer = m.buyer
  WHERE
    f.buyer IS NULL AND m.sender IN ('buyer', 'agent', 'bot')
)
SELECT
  m.shop,
  m.account,
  m.buyer,
  m.day,
  m.sender,
  m.ts,
  m.seq,
  m.sender <> 'buyer' AS is_reply,
  ROW_NUMBER() OVER (PARTITION BY m.shop, m.buyer, m.day ORDER BY m.ts NULLS LAST, m.seq NULLS LAST) AS pos,
  COUNT(*) OVER (PARTITION BY m.shop, m.buyer, m.day) + 1 - ROW_NUMBER() OVER (PARTITION BY m.shop, m.buyer, m.day ORDER BY m.ts NULLS LAST, m.seq NULLS LAST) AS pos_from_end,
  SUM(CASE WHEN m.sender = 'buyer' THEN 1 ELSE 0 END) OVER (
    PARTITION BY m.shop, m.buyer, m.day
    ORDER BY m.ts NULLS LAST, m.seq NULLS LAST
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  ) AS buyer_msg_no,
  LAG(m.sender) OVER (PARTITION BY m.shop, m.buyer, m.day ORDER BY m.ts NULLS LAST, m.seq NULLS LAST) AS prev_sender,
  LAG(m.ts) OVER (PARTITION BY m.shop, m.buyer, m.day ORDER BY m.ts NULLS LAST, m.seq NULLS LAST) AS prev_ts,
  LEAD(m.ts) OVER (PARTITION BY m.shop, m.buyer, m.day ORDER BY m.ts NULLS LAST, m.seq NULLS LAST) AS next_ts,
  MIN(CASE WHEN m.sender <> 'buyer' THEN m.ts END) OVER (
    PARTITION BY m.shop, m.buyer, m.day
    ORDER BY m.ts NULLS LAST, m.seq NULLS LAST
    ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
  ) AS next_reply_ts
FROM kept AS m
