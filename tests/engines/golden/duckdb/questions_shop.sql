-- questions in the shop scope. A shop's conversation with a buyer on a day that one
-- account served is that account's conversation, message for message, so its rows
-- are the account scope's; only buyer-days that several accounts served
-- (shared_days: the buyer was passed on) are computed over the shop's
-- conversations, in questions_shared.
SELECT shop, account, buyer, day, ts, seq, reply_ts, clock_start, is_first, response_s FROM questions_shared
UNION ALL
SELECT a.shop, a.account, a.buyer, a.day, a.ts, a.seq, a.reply_ts, a.clock_start, a.is_first, a.response_s
FROM questions_account a
LEFT JOIN shared_days s ON s.shop = a.shop AND s.buyer = a.buyer AND s.day = a.day
WHERE s.buyer IS NULL
