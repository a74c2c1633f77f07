-- conv_msgs in the shop scope. A shop's conversation with a buyer on a day that one
-- account served is that account's conversation, message for message, so its rows
-- are the account scope's; only buyer-days that several accounts served
-- (shared_days: the buyer was passed on) are computed over the shop's
-- conversations, in conv_msgs_shared.
SELECT shop, account, buyer, day, sender, ts, seq, is_reply, pos, pos_from_end, buyer_msg_no, prev_sender, prev_ts, next_ts, next_reply_ts FROM conv_msgs_shared
UNION ALL
SELECT a.shop, a.account, a.buyer, a.day, a.sender, a.ts, a.seq, a.is_reply, a.pos, a.pos_from_end, a.buyer_msg_no, a.prev_sender, a.prev_ts, a.next_ts, a.next_reply_ts
FROM conv_msgs_account a
LEFT JOIN shared_days s ON s.shop = a.shop AND s.buyer = a.buyer AND s.day = a.day
WHERE s.buyer IS NULL
