-- model: shared_days
-- order: 50
-- kind: table
-- scoped: false
-- grain: shop, buyer, day

-- The buyer-days that several accounts of a shop served (the buyer was passed on):
-- the only days on which a shop's conversation is not one account's conversation.
SELECT shop, buyer, day FROM conv_msgs_account WHERE pos = 1
GROUP BY shop, buyer, day HAVING COUNT(*) > 1
