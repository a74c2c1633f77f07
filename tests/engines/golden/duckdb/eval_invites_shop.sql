-- The inquiry conversations (shop, buyer, day) whose buyer got an evaluation invitation that day (metrics.md §8):
-- an evaluation row of the buyer, invited on the conversation's day, by the conversation's account
-- (in the shop scope: by any account of the shop). Filtered buyers have no inquiry, so their invitations
-- never count.
SELECT c.shop, c.buyer, c.day
FROM conversations_shop c
WHERE c.inquiry = 1 AND EXISTS (
    SELECT 1 FROM evaluations e
    WHERE e.shop = c.shop AND e.buyer = c.buyer AND local_day(e.invited_at) = c.day )
