-- 慢回复未致歉: a reply that answered a question slower than ${threshold_s} s (the questions model's
-- response_s, as the KPIs time it), with no apology (expect) in it or the agent's next replies (${within} in all).
WITH replies AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY shop, account, buyer, day ORDER BY pos) AS k
    FROM qc_msgs WHERE is_reply AND sender IN (${senders}) AND kind IN (${kinds})
),
slow AS (
    SELECT r.shop, r.account, r.buyer, r.day, r.k, max(q.response_s) AS response_s
    FROM questions_account q
    JOIN replies r ON r.shop = q.shop AND r.account = q.account AND r.buyer = q.buyer AND r.day = q.day
        AND r.ts = q.reply_ts
    WHERE q.response_s > ${threshold_s}
    GROUP BY ALL
)
SELECT r.shop, r.account, r.buyer, r.day, r.ts, r.msg_key,
    printf('响应 %.0f 秒 > %.0f 秒，其后 %.0f 条回复没有致歉', s.response_s, ${threshold_s}, ${within}) AS matched,
    r.content AS text
FROM slow s JOIN replies r USING (shop, account, buyer, day, k)
WHERE NOT EXISTS (
    SELECT 1 FROM replies n
    WHERE n.shop = r.shop AND n.account = r.account AND n.buyer = r.buyer AND n.day = r.day
        AND n.k BETWEEN r.k AND r.k + ${within} - 1 AND regexp_matches(n.content, ${expect})
)
