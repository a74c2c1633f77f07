-- platform_rounds in the shop scope. A shop's conversation with a buyer on a day that one
-- account served is that account's conversation, message for message, so its rows
-- are the account scope's; only buyer-days that several accounts served
-- (shared_days: the buyer was passed on) are computed over the shop's
-- conversations, in platform_rounds_shared.
SELECT shop, account, buyer, day, ts, seq, is_question, is_first, to_bot, tod_s, reply_ts, reply_sender, response_s FROM platform_rounds_shared
UNION ALL
SELECT a.shop, a.account, a.buyer, a.day, a.ts, a.seq, a.is_question, a.is_first, a.to_bot, a.tod_s, a.reply_ts, a.reply_sender, a.response_s
FROM platform_rounds_account a
LEFT JOIN shared_days s ON s.shop = a.shop AND s.buyer = a.buyer AND s.day = a.day
WHERE s.buyer IS NULL
