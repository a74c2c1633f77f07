-- model: qc_days
-- order: 240
-- kind: table
-- scoped: false
-- grain: shop, account, day

-- Quality inspection per account-day covered by a QC run (qc_runs: its days and, for a run limited
-- to one account, qc_run_accounts): findings, deductions, score = 100 - deductions floored at 0, and
-- the findings of each default category. Account-days no run covered have no row (QC metrics null).
-- A finding a manager dismissed (qc_reviews) is a false alarm and never counts; with qc_confirmed_only
-- only the confirmed ones do (${qc_counted}). The buyer's emotion (qc_emotions): the conversations with
-- a course (two buyer messages or more), those that ended more negative than they began, the sum of changes.
WITH covered AS (
    SELECT DISTINCT a.shop, a.account, a.day
    FROM account_days a
    JOIN qc_runs r ON a.day BETWEEN r.day_from AND r.day_to
    LEFT JOIN qc_run_accounts ra ON ra.run_id = r.run_id
    WHERE ra.account IS NULL OR ra.account = a.account
),
found AS (
    SELECT f.shop, f.account, f.day, count(*) AS findings, sum(f.points) AS deductions,
        count(*) FILTER (WHERE f.category = '违规词') AS violations,
        count(*) FILTER (WHERE f.category = '极限词') AS extreme_words,
        count(*) FILTER (WHERE f.category = '站外引流') AS off_platform,
        count(*) FILTER (WHERE f.category = '语气') AS tone,
        count(*) FILTER (WHERE f.category = '礼貌') AS politeness,
        count(*) FILTER (WHERE f.category = '流程') AS flow,
        count(*) FILTER (WHERE f.category = '风险会话') AS risk
    FROM qc_findings f
    LEFT JOIN qc_reviews r USING (finding_id)
    WHERE ${qc_counted}
    GROUP BY f.shop, f.account, f.day
),
felt AS (
    SELECT shop, account, day, count(change) AS emotion_conversations,
        count(*) FILTER (WHERE worsened) AS emotion_worsened, sum(change) AS emotion_change_sum
    FROM qc_emotions
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
    coalesce(f.risk, 0) AS risk,
    coalesce(e.emotion_conversations, 0) AS emotion_conversations,
    coalesce(e.emotion_worsened, 0) AS emotion_worsened,
    coalesce(e.emotion_change_sum, 0) AS emotion_change_sum
FROM covered c
LEFT JOIN found f USING (shop, account, day)
LEFT JOIN felt e USING (shop, account, day)
