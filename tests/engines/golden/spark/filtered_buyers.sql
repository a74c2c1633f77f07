/* Buyers left out of the statistics of a shop-day, one row each, under the first */
/* reason in the order blocklist, sub_account, internal, ad (metrics.md §1). */
WITH internal_names AS (
  SELECT DISTINCT
    shop,
    shop AS name
  FROM msgs
  UNION
  SELECT
    shop,
    account AS name
  FROM shop_accounts
), ad_buyers AS (
  SELECT DISTINCT
    shop,
    day,
    buyer
  FROM msgs
  WHERE
    sender = 'buyer'
    AND NOT content IS NULL
    AND (
      content RLIKE '刷单|兼职|日结|招聘|代运营|推广合作|引流|返利|贷款|加群'
      AND content RLIKE '(?s)([Hh][Tt][Tt][Pp][Ss]?://|[Ww][Ww][Ww]\\.)|[0-9]{6,}|(微信|[Vv][Xx]|[Vv]信|[Qq][Qq]|[Qq]群).{0,3}[A-Za-z0-9]'
    )
), day_buyers /* Only buyer-days that some reason names are looked at: listing every buyer-day of */ /* the messages first would cost a pass over all of them for the few left out. Every */ /* row here has a reason, so one that is no other is an ad. */ AS (
  SELECT DISTINCT
    m.shop,
    m.day,
    m.buyer
  FROM msgs AS m
  LEFT JOIN blocklist AS b
    ON b.shop = m.shop AND b.buyer = m.buyer
  LEFT JOIN internal_names AS i
    ON i.shop = m.shop AND i.name = m.buyer
  WHERE
    NOT b.buyer IS NULL OR NOT i.name IS NULL OR LOCATE(':', m.buyer) > 0
  UNION
  SELECT
    shop,
    day,
    buyer
  FROM ad_buyers
)
SELECT
  d.shop,
  d.day,
  d.buyer,
  CASE
    WHEN NOT b.buyer IS NULL
    THEN 'blocklist'
    WHEN LOCATE(':', d.buyer) > 0
    THEN 'sub_account'
    WHEN NOT i.name IS NULL
    THEN 'internal'
    ELSE 'ad'
  END AS reason
FROM day_buyers AS d
LEFT JOIN blocklist AS b
  ON b.shop = d.shop AND b.buyer = d.buyer
LEFT JOIN internal_names AS i
  ON i.shop = d.shop AND i.name = d.buyer
