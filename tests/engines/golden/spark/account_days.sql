/* The days an account has a row: it had an inquiry or sent a valid reply, or it took an exam. */
SELECT
  shop,
  account,
  day
FROM conversations_account
GROUP BY
  shop,
  account,
  day
HAVING
  SUM(inquiry) > 0 OR SUM(agent_messages) > 0
UNION
SELECT
  shop,
  account,
  day
FROM exam_scores
