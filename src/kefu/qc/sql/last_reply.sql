-- Each conversation's last valid reply with words in it: a closing emoji after the goodbye
-- (the seeds: the last word should be the shop's, even if only an emoji) does not hide the goodbye.
SELECT * EXCLUDE (n) FROM (
    SELECT m.*, ROW_NUMBER() OVER (PARTITION BY m.shop, m.account, m.buyer, m.day ORDER BY m.pos DESC) AS n
    FROM qc_msgs m
    WHERE m.is_reply AND m.msg_type <> 'emoji' AND NOT regexp_matches(m.content, '^\s*(\[[^\[\]]{1,6}\]\s*)*$$')
)
WHERE n = 1
