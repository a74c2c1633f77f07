-- model: eval_invites
-- order: 160
-- kind: table
-- scoped: true
-- grain: ${conv}

-- The inquiry conversations (${conv}) whose buyer got an evaluation invitation that day (metrics.md §8):
-- an evaluation row of the buyer, invited on the conversation's day, by the conversation's account
-- (in the shop scope: by any account of the shop). Filtered buyers have no inquiry, so their invitations
-- never count.
SELECT ${conv_c}
FROM conversations_${scope} c
WHERE c.inquiry = 1 AND EXISTS (
    SELECT 1 FROM evaluations e
    WHERE e.shop = c.shop AND e.buyer = c.buyer AND local_day(e.invited_at) = c.day ${eval_account})
