-- One row per exam attempt: the account, its shop-local day and time handed in, the paper and the score
-- (null while none of the paper's questions had a key).
SELECT shop, account, day, taken_at, paper_id, attempt_id, score, graded, pending
FROM exam_attempts
