-- Online hours of each account-day row; null when the account has no presence rows.
SELECT d.shop, d.account, d.day, o.online_hours
FROM account_days d
LEFT JOIN online_hours o ON o.account = d.account AND o.day = d.day
