-- 转接未说明: the account handed the conversation over (a system notice 已转接给…/转交至…/A --> B, the
-- transfer notices ingest/markers.toml reads; "…转接给您" is the receiving side's notice) while its own
-- last reply before the notice did not tell the buyer (expect: 转接/同事/专员/稍等…), or it had said nothing.
WITH convs AS (
    SELECT DISTINCT shop, account, buyer, day FROM qc_msgs WHERE kind IN (${kinds})
),
notices AS (
    SELECT m.shop, m.account, m.buyer, m.day, m.ts, m.seq, m.msg_key, m.content
    FROM msgs m SEMI JOIN convs USING (shop, account, buyer, day)
    WHERE m.sender = 'system' AND regexp_matches(m.content, '(转接|转交)\s*(给|至)|-->')
        AND NOT regexp_matches(m.content, '(转接|转交)\s*(给|至)\s*您')
),
told AS (
    SELECT n.*, (SELECT arg_max(q.content, q.pos) FROM qc_msgs q
                 WHERE q.shop = n.shop AND q.account = n.account AND q.buyer = n.buyer AND q.day = n.day
                     AND q.is_reply AND q.sender IN (${senders})
                     AND (q.ts < n.ts OR (q.ts = n.ts AND q.seq < n.seq))) AS said
    FROM notices n
)
SELECT shop, account, buyer, day, ts, msg_key,
    CASE WHEN said IS NULL THEN '转接前没有向买家说明' ELSE '转接前的最后一条回复没有说明转接' END AS matched,
    content AS text
FROM told
WHERE said IS NULL OR NOT regexp_matches(said, ${expect})
