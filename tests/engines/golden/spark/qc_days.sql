/* Quality inspection per account-day covered by a QC run (qc_runs: its days and, for a run limited */
/* to one account, qc_run_accounts): findings, deductions, score = 100 - deductions floored at 0, and */
/* the findings of each default category. Account-days no run covered have no row (QC metrics null). */
/* A finding a manager dismissed (qc_reviews) is a false alarm and never counts; with qc_confirmed_only */
/* only the confirmed ones do (r.decision IS DISTINCT FROM 'dismissed'). The buyer's emotion (qc_emotions): the conversations with */
/* a course (two buyer messages or more), those that ended more negative than they began, the sum of changes. */
WITH covered AS (
  SELECT DISTINCT
    a.shop,
    a.account,
    a.day
  FROM account_days AS a
  JOIN qc_runs AS r
    ON a.day BETWEEN r.day_from AND r.day_to
  LEFT JOIN qc_run_accounts AS ra
    ON ra.run_id = r.run_id
  WHERE
    ra.account IS NULL OR ra.account = a.account
), found AS (
  SELECT
    f.shop,
    f.account,
    f.day,
    COUNT(*) AS findings,
    SUM(f.points) AS deductions,
    COUNT(*) FILTER(WHERE
      f.category = '违规词') AS violations,
    COUNT(*) FILTER(WHERE
      f.category = '极限词') AS extreme_words,
    COUNT(*) FILTER(WHERE
      f.category = '站外引流') AS off_platform,
    COUNT(*) FILTER(WHERE
      f.category = '语气') AS tone,
    COUNT(*) FILTER(WHERE
      f.category = '礼貌') AS politeness,
    COUNT(*) FILTER(WHERE
      f.category = '流程') AS flow,
    COUNT(*) FILTER(WHERE
      f.category = '风险会话') AS risk
  FROM qc_findings AS f
  LEFT JOIN qc_reviews AS r
    USING (finding_id)
  WHERE
    r.decision IS DISTINCT FROM 'dismissed'
  GROUP BY
    f.shop,
    f.account,
    f.day
), felt AS (
  SELECT
    shop,
    account,
    day,
    COUNT(change) AS emotion_conversations,
    COUNT(*) FILTER(WHERE
      worsened) AS emotion_worsened,
    SUM(change) AS emotion_change_sum
  FROM qc_emotions
  GROUP BY
    shop,
    account,
    day
)
SELECT
  c.shop,
  c.account,
  c.day,
  COALESCE(f.findings, 0) AS findings,
  COALESCE(f.deductions, 0) AS deductions,
  GREATEST(0.0, 100.0 - COALESCE(f.deductions, 0)) AS score,
  COALESCE(f.violations, 0) AS violations,
  COALESCE(f.extreme_words, 0) AS extreme_words,
  COALESCE(f.off_platform, 0) AS off_platform,
  COALESCE(f.tone, 0) AS tone,
  COALESCE(f.politeness, 0) AS politeness,
  COALESCE(f.flow, 0) AS flow,
  COALESCE(f.risk, 0) AS risk,
  COALESCE(e.emotion_conversations, 0) AS emotion_conversations,
  COALESCE(e.emotion_worsened, 0) AS emotion_worsened,
  COALESCE(e.emotion_change_sum, 0) AS emotion_change_sum
FROM covered AS c
LEFT JOIN found AS f
  USING (shop, account, day)
LEFT JOIN felt AS e
  USING (shop, account, day)
