-- model: credited_orders
-- order: 90
-- kind: table
-- scoped: true
-- grain: ${conv}, order_id

-- Orders credited to inquiries (${conv}). An order of the buyer is in an
-- inquiry's window when q0 <= created_at and it was created before 00:00 of the
-- inquiry day + 1 + conversion_window_days. Attribution (${attribution}) picks,
-- among the inquiries whose window holds it: last_touch the one holding the latest
-- message at or before the order, first_touch the one that began first, all_touch all.
WITH inquiries AS (
    SELECT ${conv}, q0_ts, q0_seq, last_ts, last_seq, add_days(day, ${window_days} + 1) AS window_end_day
    FROM conversations_${scope}
    WHERE inquiry = 1
),
candidates AS (
    SELECT i.*, o.order_id, o.created_at, o.paid_at, o.amount, o.items
    FROM inquiries i
    JOIN orders o ON o.shop = i.shop AND o.buyer = i.buyer
    WHERE o.created_at >= i.q0_ts AND local_day(o.created_at) < i.window_end_day
),
-- An inquiry's latest message at or before the order is its last message when the
-- order came after the talk; only orders placed while it went on search its messages.
during AS (
    SELECT order_id, ${conv}, ts, seq FROM (
        SELECT c.order_id, ${conv_c}, m.ts, m.seq,
            ROW_NUMBER() OVER (PARTITION BY c.order_id, ${conv_c} ORDER BY m.ts DESC, m.seq DESC) AS latest
        FROM candidates c
        JOIN conv_msgs_${scope} m ON ${conv_join_cm} AND m.ts <= c.created_at
        WHERE c.last_ts > c.created_at
    ) t
    WHERE latest = 1
),
touched AS (
    SELECT c.*, COALESCE(d.ts, c.last_ts) AS touch_ts, COALESCE(d.seq, c.last_seq) AS touch_seq
    FROM candidates c
    LEFT JOIN during d ON d.order_id = c.order_id AND ${conv_join_cd}
),
ranked AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY shop, order_id ORDER BY ${attribution_order}) AS credit_rank
    FROM touched
)
SELECT ${conv}, order_id, created_at, paid_at, amount, items, touch_ts,
    CASE WHEN paid_at IS NOT NULL AND local_day(paid_at) < window_end_day THEN 1 ELSE 0 END AS paid_in_window
FROM ranked
WHERE ${credit_condition}
