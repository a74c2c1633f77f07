-- model: qc_finding_rows
-- order: 250
-- kind: table
-- scoped: false

-- The stored QC findings of the account-days a QC run covered, as the evidence behind the QC metrics.
-- Phone numbers in what a rule matched are masked here: explanations never show them. Only the findings
-- the QC metrics count are shown (see qc_days: dismissed ones never, pending ones unless qc_confirmed_only).
SELECT f.shop, f.account, f.day, f.buyer, f.ts AS msg_ts, f.rule_name, f.category, f.severity, f.points,
    regexp_replace(f.matched, '(1[3-9][0-9])[0-9]{4}([0-9]{4})', '\1****\2', 'g') AS matched
FROM qc_findings f
JOIN qc_days d ON d.shop = f.shop AND d.account = f.account AND d.day = f.day
LEFT JOIN qc_reviews r ON r.finding_id = f.finding_id
WHERE ${qc_counted}
