-- The conversation messages in the run's scope (non-filtered buyers; buyer, agent and bot
-- messages as the conversation rules read them), with their key and text.
SELECT c.shop, c.account, c.buyer, c.day, c.ts, c.seq, c.sender, c.is_reply, c.pos, c.pos_from_end,
    m.msg_key, coalesce(m.content, '') AS content, coalesce(m.msg_type, 'text') AS msg_type, sa.kind
FROM conv_msgs_account c
JOIN msgs m ON m.shop = c.shop AND m.seq = c.seq AND m.account = c.account AND m.buyer = c.buyer
LEFT JOIN shop_accounts sa ON sa.shop = c.shop AND sa.account = c.account
WHERE ${where}
