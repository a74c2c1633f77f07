/* The inquiry conversations (shop, account, buyer, day) whose buyer got an evaluation invitation that day (metrics.md §8): */
/* an evaluation row of the buyer, invited on the conversation's day, by the conversation's account */
/* (in the shop scope: by any account of the shop). Filtered buyers have no inquiry, so their invitations */
/* never count. */
SELECT
  c.shop,
  c.account,
  c.buyer,
  c.day
FROM conversations_account AS c
WHERE
  c.inquiry = 1
  AND EXISTS(
    SELECT
      1
    FROM evaluations AS e
    WHERE
      e.shop = c.shop
      AND e.buyer = c.buyer
      AND CAST(FROM_UTC_TIMESTAMP(CAST(e.invited_at AS TIMESTAMP), 'Asia/Shanghai') AS DATE) = c.day
      AND e.account = c.account
  )
