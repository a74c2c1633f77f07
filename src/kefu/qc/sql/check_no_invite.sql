-- 未邀评: an inquiry whose buyer paid an order credited to it (conversion) with no evaluation invitation on
-- the conversation's day (metrics.md §8, eval_invites), in the shops whose evaluations are imported at all
-- (without that export kefu cannot tell an invitation from none). The finding sits on the last reply.
WITH rated_shops AS (
    SELECT DISTINCT shop FROM evaluations
)
SELECT l.shop, l.account, l.buyer, l.day, l.ts, l.msg_key, '买家已付款，当天没有邀请评价' AS matched,
    l.content AS text
FROM conversion_account v
JOIN rated_shops USING (shop)
JOIN qc_last_reply l USING (shop, account, buyer, day)
LEFT JOIN eval_invites_account e USING (shop, account, buyer, day)
WHERE v.paid = 1 AND e.buyer IS NULL AND l.sender IN (${senders}) AND l.kind IN (${kinds})
