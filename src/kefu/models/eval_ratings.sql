-- model: eval_ratings
-- order: 150
-- kind: table
-- scoped: false
-- grain: shop, eval_key

-- One row per rated evaluation (metrics.md §8), on the shop-local day it was rated. The filters of §1
-- do not apply to ratings: every rated row counts, for its account and the evaluation's shop.
SELECT shop, account, local_day(rated_at) AS day, buyer, rated_at, eval_key, level
FROM evaluations
WHERE rated_at IS NOT NULL
