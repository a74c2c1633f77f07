-- Each conversation's first valid reply after the buyer's first question, with the
-- first response time the KPIs use (conversations.first_response_s).
SELECT * EXCLUDE (n) FROM (
    SELECT m.*, c.first_response_s,
        ROW_NUMBER() OVER (PARTITION BY m.shop, m.account, m.buyer, m.day ORDER BY m.pos) AS n
    FROM conversations_account c
    JOIN qc_msgs m USING (shop, account, buyer, day)
    WHERE m.is_reply AND (m.ts > c.q0_ts OR (m.ts = c.q0_ts AND m.seq > c.q0_seq))
)
WHERE n = 1
