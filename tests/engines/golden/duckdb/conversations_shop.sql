-- conversations in the shop scope. A shop's conversation with a buyer on a day that one
-- account served is that account's conversation, message for message, so its rows
-- are the account scope's; only buyer-days that several accounts served
-- (shared_days: the buyer was passed on) are computed over the shop's
-- conversations, in conversations_shared.
SELECT shop, buyer, day, inquiry, buyer_messages, agent_messages, last_word_buyer, last_ts, last_seq, q0_ts, q0_seq, replied, unclosed, first_response_s FROM conversations_shared
UNION ALL
SELECT a.shop, a.buyer, a.day, a.inquiry, a.buyer_messages, a.agent_messages, a.last_word_buyer, a.last_ts, a.last_seq, a.q0_ts, a.q0_seq, a.replied, a.unclosed, a.first_response_s
FROM conversations_account a
LEFT JOIN shared_days s ON s.shop = a.shop AND s.buyer = a.buyer AND s.day = a.day
WHERE s.buyer IS NULL
