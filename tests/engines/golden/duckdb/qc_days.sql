-- Quality inspection per account-day covered by a QC run (qc_runs: its days and, for a run limited
-- to one account, qc_run_accounts): findings, deductions, score = 100 - deductions floored at 0, and
-- the findings of each default category. Account-days no run covered have no row (QC metrics null).
WITH covered AS (
    SELECT DISTINCT a.shop, a.account, a.day
    FROM account_days a
    JOIN qc_runs r ON a.day BETWEEN r.day_from AND r.day_to
    LEFT JOIN qc_run_accounts ra ON ra.run_id = r.run_id
    WHERE ra.account IS NULL OR ra.account = a.account
),
found AS (
    SELECT shop, account, day, count(*) AS findings, sum(points) AS deductions,
        count(*) FILTER (WHERE category = '违规词') AS violations,
        count(*) FILTER (WHERE category = '极限词') AS extreme_words,
        count(*) FILTER (WHERE category = '站外引流') AS off_platform,
        count(*) FILTER (WHERE category = '语气') AS tone,
        count(*) FILTER (WHERE category = '礼貌') AS politeness,
        count(*) FILTER (WHERE category = '流程') AS flow,
        count(*) FILTER (WHERE category = '风险会话') AS risk
    FROM qc_findings
    GROUP BY shop, account, day
)
SELECT c.shop, c.account, c.day,
    coalesce(f.findings, 0) AS findings,
    coalesce(f.deductions, 0) AS deductions,
    greatest(0.0, 100.0 - coalesce(f.deductions, 0)) AS score,
    coalesce(f.violations, 0) AS violations,
    coalesce(f.extreme_words, 0) AS extreme_words,
    coalesce(f.off_platform, 0) AS off_platform,
    coalesce(f.tone, 0) AS tone,
    coalesce(f.politeness, 0) AS politeness,
    coalesce(f.flow, 0) AS flow,
    coalesce(f.risk, 0) AS risk
FROM covered c
LEFT JOIN found f USING (shop, account, day)
