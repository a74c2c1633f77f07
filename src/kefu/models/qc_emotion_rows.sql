-- model: qc_emotion_rows
-- order: 260
-- kind: table
-- scoped: false

-- The buyer's emotion over each conversation of the account-days a QC run covered, as the evidence behind
-- the emotion metrics: scores from -1 (very negative) to 1, the time of the lowest buyer message (its text
-- stays in the messages, with the rest of the conversation).
SELECT e.shop, e.account, e.day, e.buyer, e.low_ts AS msg_ts, e.buyer_messages, e.start_score, e.end_score,
    e.low_score, e.change, e.worsened
FROM qc_emotions e
JOIN qc_days d ON d.shop = e.shop AND d.account = e.account AND d.day = e.day
