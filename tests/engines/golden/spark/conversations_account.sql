/* One row per conversation (shop, account, buyer, day): who wrote, whether the buyer got a */
/* valid reply after their first message, who had the last word and when, the first response. */
WITH agg AS (
  SELECT
    shop,
    account,
    buyer,
    day,
    MAX(CASE WHEN sender = 'buyer' THEN 1 ELSE 0 END) AS inquiry,
    SUM(CASE WHEN sender = 'buyer' THEN 1 ELSE 0 END) AS buyer_messages,
    SUM(CASE WHEN is_reply THEN 1 ELSE 0 END) AS agent_messages,
    MAX(CASE WHEN pos_from_end = 1 AND sender = 'buyer' THEN 1 ELSE 0 END) AS last_word_buyer,
    MAX(CASE WHEN pos_from_end = 1 THEN ts END) AS last_ts,
    MAX(CASE WHEN pos_from_end = 1 THEN seq END) AS last_seq
  FROM conv_msgs_account
  GROUP BY
    shop,
    account,
    buyer,
    day
)
SELECT
  a.*,
  q.ts AS q0_ts,
  q.seq AS q0_seq,
  CASE WHEN NOT q.reply_ts IS NULL THEN 1 ELSE 0 END AS replied,
  a.inquiry * a.last_word_buyer AS unclosed,
  q.response_s AS first_response_s
FROM agg AS a
LEFT JOIN (
  SELECT
    *
  FROM questions_account
  WHERE
    is_first
) AS q
  USING (shop, account, buyer, day)
