/* Quality inspection per account-day covered by a QC run (qc_runs: its days and, for a run limited */
/* to one account, qc_run_accounts): findings, deductions, score = 100 - deductions floored at 0, and */
/* the findings of each default category. Account-days no run covered have no row (QC metrics null). */
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
    shop,
    account,
    day,
    COUNT(*) AS findings,
    SUM(points) AS deductions,
    COUNT(*) FILTER(WHERE
      category = '违规词') AS violations,
    COUNT(*) FILTER(WHERE
      category = '极限词') AS extreme_words,
    COUNT(*) FILTER(WHERE
      category = '站外引流') AS off_platform,
    COUNT(*) FILTER(WHERE
      category = '语气') AS tone,
    COUNT(*) FILTER(WHERE
      category = '礼貌') AS politeness,
    COUNT(*) FILTER(WHERE
      category = '流程') AS flow,
    COUNT(*) FILTER(WHERE
      category = '风险会话') AS risk
  FROM qc_findings
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
  COALESCE(f.risk, 0) AS risk
FROM covered AS c
LEFT JOIN found AS f
  USING (shop, account, day)
