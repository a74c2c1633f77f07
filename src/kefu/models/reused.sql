-- ${model} in the shop scope. A shop's conversation with a buyer on a day that one
-- account served is that account's conversation, message for message, so its rows
-- are the account scope's; only buyer-days that several accounts served
-- (shared_days: the buyer was passed on) are computed over the shop's
-- conversations, in ${model}_shared.
SELECT ${columns} FROM ${model}_shared
UNION ALL
SELECT ${columns_a}
FROM ${model}_account a
LEFT JOIN shared_days s ON s.shop = a.shop AND s.buyer = a.buyer AND s.day = a.day
WHERE s.buyer IS NULL
