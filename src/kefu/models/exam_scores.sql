-- model: exam_scores
-- order: 140
-- kind: table
-- scoped: false
-- grain: attempt_id

-- One row per exam attempt: the account, its shop-local day and time handed in, the paper and the score
-- (null while none of the paper's questions had a key). seq orders an account's attempts by day, then by
-- the time they were entered, so "latest" follows the exam day even for paper exams entered afterwards.
SELECT shop, account, day, taken_at, paper_id, attempt_id, score, graded, pending,
       row_number() OVER (PARTITION BY shop, account ORDER BY day, taken_at, attempt_id) AS seq
FROM exam_attempts
