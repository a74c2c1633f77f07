-- model: filtered_buyers
-- order: 30
-- kind: table
-- scoped: false
-- grain: shop, day, buyer

-- Buyers left out of the statistics of a shop-day, one row each, under the first
-- reason in the order blocklist, sub_account, internal, ad (metrics.md §1).
WITH internal_names AS (
    SELECT DISTINCT shop, shop AS name FROM msgs
    UNION
    SELECT shop, account AS name FROM shop_accounts
),
ad_buyers AS (
    SELECT DISTINCT shop, day, buyer FROM msgs
    WHERE sender = 'buyer' AND content IS NOT NULL AND ${ad_condition}
),
-- Only buyer-days that some reason names are looked at: listing every buyer-day of
-- the messages first would cost a pass over all of them for the few left out. Every
-- row here has a reason, so one that is no other is an ad.
day_buyers AS (
    SELECT DISTINCT m.shop, m.day, m.buyer
    FROM msgs m
    LEFT JOIN blocklist b ON b.shop = m.shop AND b.buyer = m.buyer
    LEFT JOIN internal_names i ON i.shop = m.shop AND i.name = m.buyer
    WHERE b.buyer IS NOT NULL OR i.name IS NOT NULL OR strpos(m.buyer, ':') > 0
    UNION
    SELECT shop, day, buyer FROM ad_buyers
)
SELECT d.shop, d.day, d.buyer,
    CASE
        WHEN b.buyer IS NOT NULL THEN 'blocklist'
        WHEN strpos(d.buyer, ':') > 0 THEN 'sub_account'
        WHEN i.name IS NOT NULL THEN 'internal'
        ELSE 'ad'
    END AS reason
FROM day_buyers d
LEFT JOIN blocklist b ON b.shop = d.shop AND b.buyer = d.buyer
LEFT JOIN internal_names i ON i.shop = d.shop AND i.name = d.buyer
