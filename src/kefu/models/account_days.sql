-- model: account_days
-- order: 170
-- kind: table
-- scoped: false
-- grain: shop, account, day

-- The days an account has a row: it had an inquiry or sent a valid reply, it took an exam, or one of its
-- evaluations was rated (metrics.md §8; its chat counts are then 0).
SELECT shop, account, day
FROM conversations_account
GROUP BY shop, account, day
HAVING SUM(inquiry) > 0 OR SUM(agent_messages) > 0
UNION
SELECT shop, account, day FROM exam_scores
UNION
SELECT shop, account, day FROM eval_ratings
