/* Messages with the shop-local natural day of their instant. */
SELECT
  shop,
  account,
  buyer,
  sender,
  ts,
  seq,
  content,
  msg_type,
  CAST(FROM_UTC_TIMESTAMP(CAST(ts AS TIMESTAMP), 'Asia/Shanghai') AS DATE) AS day,
  msg_key
FROM messages
