-- 黄金6秒: the first response of the conversation took longer than fast_first_response_s.
SELECT shop, account, buyer, day, ts, msg_key,
    printf('首次响应 %.0f 秒 > %d 秒', first_response_s, ${fast_first_response_s}) AS matched, content AS text
FROM qc_first_reply
WHERE sender IN (${senders}) AND first_response_s > ${fast_first_response_s}
