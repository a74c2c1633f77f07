WITH report_rows AS (
  SELECT DISTINCT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start
  FROM account_days AS t
), m0 AS (
  SELECT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start,
    SUM(online_us) / 3600000000.0 AS online_hours
  FROM account_online AS t
  GROUP BY
    1,
    2,
    3
), m1 AS (
  SELECT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start,
    MAX(max_concurrent) AS max_concurrent
  FROM concurrency AS t
  GROUP BY
    1,
    2,
    3
), m2 AS (
  SELECT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start,
    SUM(CASE WHEN inquiry = 1 THEN 1 ELSE 0 END) AS inquiry_buyers,
    SUM(CASE WHEN replied = 1 THEN 1 ELSE 0 END) AS replied_buyers,
    SUM(CASE WHEN buyer_messages > 0 THEN buyer_messages ELSE 0 END) AS buyer_messages,
    SUM(CASE WHEN agent_messages > 0 THEN agent_messages ELSE 0 END) AS agent_messages,
    AVG(CASE WHEN replied = 1 THEN first_response_s END) AS avg_first_response_s,
    SUM(CASE WHEN first_response_s <= 6 THEN 1 ELSE 0 END) AS fast_first_responses,
    SUM(CASE WHEN unclosed = 1 THEN 1 ELSE 0 END) AS unclosed_buyers
  FROM conversations_account AS t
  GROUP BY
    1,
    2,
    3
), m3 AS (
  SELECT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start,
    SUM(CASE WHEN ordered = 1 THEN 1 ELSE 0 END) AS ordered_buyers,
    SUM(CASE WHEN paid = 1 THEN 1 ELSE 0 END) AS paid_buyers,
    SUM(paid_orders) AS inquiry_orders,
    SUM(sales) AS inquiry_sales,
    SUM(items) AS inquiry_items
  FROM conversion_account AS t
  GROUP BY
    1,
    2,
    3
), m4 AS (
  SELECT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start,
    COUNT(*) AS eval_invited_buyers
  FROM eval_invites_account AS t
  GROUP BY
    1,
    2,
    3
), m5 AS (
  SELECT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start,
    COUNT(*) AS eval_ratings,
    SUM(CASE WHEN level >= 4 THEN 1 ELSE 0 END) AS eval_satisfied,
    SUM(CASE WHEN level <= 2 THEN 1 ELSE 0 END) AS eval_dissatisfied
  FROM eval_ratings AS t
  GROUP BY
    1,
    2,
    3
), m6 AS (
  SELECT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start,
    MAX_BY(score, CASE WHEN NOT score IS NULL THEN seq END) AS exam_score,
    COUNT(*) AS exam_attempts
  FROM exam_scores AS t
  GROUP BY
    1,
    2,
    3
), m7 AS (
  SELECT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start,
    SUM(
      CASE
        WHEN (
          is_question
        )
        AND (
          tod_s >= 0 AND tod_s < 86400
        )
        AND (
          NOT to_bot
        )
        AND (
          COALESCE(reply_sender, '') <> 'bot'
        )
        THEN 1
        ELSE 0
      END
    ) AS platform_rounds,
    SUM(
      CASE
        WHEN (
          is_question
        )
        AND (
          tod_s >= 0 AND tod_s < 86400
        )
        AND (
          NOT to_bot
        )
        AND (
          COALESCE(reply_sender, '') <> 'bot'
        )
        AND NOT reply_ts IS NULL
        THEN 1
        ELSE 0
      END
    ) AS platform_answered,
    SUM(
      CASE
        WHEN (
          is_question
        )
        AND (
          tod_s >= 0 AND tod_s < 86400
        )
        AND (
          NOT to_bot
        )
        AND (
          COALESCE(reply_sender, '') <> 'bot'
        )
        AND response_s <= 180
        THEN 1
        ELSE 0
      END
    ) AS platform_fast_rounds,
    SUM(
      CASE
        WHEN (
          is_question
        )
        AND (
          tod_s >= 0 AND tod_s < 86400
        )
        AND (
          NOT to_bot
        )
        AND (
          COALESCE(reply_sender, '') <> 'bot'
        )
        AND (
          NOT reply_ts IS NULL OR FALSE
        )
        THEN CASE WHEN NOT reply_ts IS NULL THEN response_s ELSE 0 END
        ELSE 0
      END
    ) AS platform_response_s,
    SUM(
      CASE
        WHEN (
          is_question
        )
        AND (
          tod_s >= 0 AND tod_s < 86400
        )
        AND (
          NOT to_bot
        )
        AND (
          COALESCE(reply_sender, '') <> 'bot'
        )
        AND (
          NOT reply_ts IS NULL OR FALSE
        )
        THEN 1
        ELSE 0
      END
    ) AS platform_timed_rounds
  FROM platform_rounds_account AS t
  GROUP BY
    1,
    2,
    3
), m8 AS (
  SELECT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start,
    AVG(score) AS qc_score,
    SUM(findings) AS qc_findings,
    SUM(violations) AS qc_violations,
    SUM(extreme_words) AS qc_extreme_words,
    SUM(off_platform) AS qc_off_platform,
    SUM(tone) AS qc_tone,
    SUM(politeness) AS qc_politeness,
    SUM(flow) AS qc_flow,
    SUM(risk) AS qc_risk,
    SUM(emotion_worsened) AS emotion_worsened,
    SUM(emotion_conversations) AS emotion_conversations,
    SUM(emotion_change_sum) AS emotion_change_sum
  FROM qc_days AS t
  GROUP BY
    1,
    2,
    3
), m9 AS (
  SELECT
    t.shop AS `shop`,
    t.account AS `account`,
    t.day AS period_start,
    COUNT(*) AS questions,
    SUM(CASE WHEN NOT reply_ts IS NULL THEN 1 ELSE 0 END) AS responses,
    AVG(CASE WHEN NOT reply_ts IS NULL THEN response_s END) AS avg_response_s,
    PERCENTILE(CASE WHEN NOT reply_ts IS NULL THEN response_s END, 0.5) AS median_response_s,
    PERCENTILE(CASE WHEN NOT reply_ts IS NULL THEN response_s END, 0.9) AS p90_response_s,
    SUM(CASE WHEN response_s > 15 THEN 1 ELSE 0 END) AS slow_responses
  FROM questions_account AS t
  GROUP BY
    1,
    2,
    3
)
SELECT
  `shop`,
  `account`,
  period_start,
  COALESCE(m2.inquiry_buyers, 0) AS inquiry_buyers,
  COALESCE(m2.replied_buyers, 0) AS replied_buyers,
  CAST((
    COALESCE(m2.replied_buyers, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m2.inquiry_buyers, 0)
  ), 0) AS reply_rate,
  (
    COALESCE(m2.inquiry_buyers, 0)
  ) - (
    COALESCE(m2.replied_buyers, 0)
  ) AS unreplied_buyers,
  COALESCE(m2.buyer_messages, 0) AS buyer_messages,
  COALESCE(m2.agent_messages, 0) AS agent_messages,
  CAST((
    COALESCE(m2.agent_messages, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m2.buyer_messages, 0)
  ), 0) AS answer_ratio,
  COALESCE(m9.questions, 0) AS questions,
  COALESCE(m9.responses, 0) AS responses,
  (
    COALESCE(m9.questions, 0)
  ) - (
    COALESCE(m9.responses, 0)
  ) AS unanswered_questions,
  m9.avg_response_s AS avg_response_s,
  m9.median_response_s AS median_response_s,
  m9.p90_response_s AS p90_response_s,
  m2.avg_first_response_s AS avg_first_response_s,
  COALESCE(m9.slow_responses, 0) AS slow_responses,
  CAST((
    COALESCE(m9.responses, 0)
  ) - (
    COALESCE(m9.slow_responses, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m9.responses, 0)
  ), 0) AS within_threshold_rate,
  CAST((
    COALESCE(m2.fast_first_responses, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m2.replied_buyers, 0)
  ), 0) AS fast_first_response_rate,
  COALESCE(m2.unclosed_buyers, 0) AS unclosed_buyers,
  m1.max_concurrent AS max_concurrent,
  m0.online_hours AS online_hours,
  COALESCE(m3.ordered_buyers, 0) AS ordered_buyers,
  COALESCE(m3.paid_buyers, 0) AS paid_buyers,
  COALESCE(m3.inquiry_orders, 0) AS inquiry_orders,
  COALESCE(m3.inquiry_sales, 0) AS inquiry_sales,
  COALESCE(m3.inquiry_items, 0) AS inquiry_items,
  CAST((
    COALESCE(m3.ordered_buyers, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m2.inquiry_buyers, 0)
  ), 0) AS order_conversion_rate,
  CAST((
    COALESCE(m3.paid_buyers, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m2.inquiry_buyers, 0)
  ), 0) AS conversion_rate,
  CAST((
    COALESCE(m3.paid_buyers, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m3.ordered_buyers, 0)
  ), 0) AS payment_conversion_rate,
  CAST((
    COALESCE(m3.inquiry_sales, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m3.paid_buyers, 0)
  ), 0) AS avg_order_value,
  CAST((
    COALESCE(m3.inquiry_items, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m3.paid_buyers, 0)
  ), 0) AS items_per_buyer,
  (
    COALESCE(m2.inquiry_buyers, 0)
  ) - (
    COALESCE(m3.paid_buyers, 0)
  ) AS lost_buyers,
  m8.qc_score AS qc_score,
  m8.qc_findings AS qc_findings,
  m8.qc_violations AS qc_violations,
  m8.qc_extreme_words AS qc_extreme_words,
  m8.qc_off_platform AS qc_off_platform,
  m8.qc_tone AS qc_tone,
  m8.qc_politeness AS qc_politeness,
  m8.qc_flow AS qc_flow,
  m8.qc_risk AS qc_risk,
  CAST((
    m8.emotion_worsened
  ) AS DOUBLE) / NULLIF((
    m8.emotion_conversations
  ), 0) AS emotion_worsened_rate,
  CAST((
    m8.emotion_change_sum
  ) AS DOUBLE) / NULLIF((
    m8.emotion_conversations
  ), 0) AS emotion_change_avg,
  m6.exam_score AS exam_score,
  COALESCE(m6.exam_attempts, 0) AS exam_attempts,
  COALESCE(m7.platform_rounds, 0) AS platform_rounds,
  COALESCE(m7.platform_answered, 0) AS platform_answered,
  COALESCE(m7.platform_fast_rounds, 0) AS platform_fast_rounds,
  CAST((
    COALESCE(m7.platform_fast_rounds, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m7.platform_rounds, 0)
  ), 0) AS platform_fast_rate,
  CAST((
    COALESCE(m7.platform_response_s, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m7.platform_timed_rounds, 0)
  ), 0) AS platform_avg_response_s,
  COALESCE(m4.eval_invited_buyers, 0) AS eval_invited_buyers,
  CAST((
    COALESCE(m4.eval_invited_buyers, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m2.inquiry_buyers, 0)
  ), 0) AS eval_invite_rate,
  COALESCE(m5.eval_ratings, 0) AS eval_ratings,
  COALESCE(m5.eval_satisfied, 0) AS eval_satisfied,
  COALESCE(m5.eval_dissatisfied, 0) AS eval_dissatisfied,
  CAST((
    COALESCE(m5.eval_satisfied, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m5.eval_ratings, 0)
  ), 0) AS satisfaction_rate,
  CAST((
    COALESCE(m5.eval_dissatisfied, 0)
  ) AS DOUBLE) / NULLIF((
    COALESCE(m5.eval_ratings, 0)
  ), 0) AS dissatisfaction_rate
FROM report_rows
LEFT JOIN m0
  USING (`shop`, `account`, period_start)
LEFT JOIN m1
  USING (`shop`, `account`, period_start)
LEFT JOIN m2
  USING (`shop`, `account`, period_start)
LEFT JOIN m3
  USING (`shop`, `account`, period_start)
LEFT JOIN m4
  USING (`shop`, `account`, period_start)
LEFT JOIN m5
  USING (`shop`, `account`, period_start)
LEFT JOIN m6
  USING (`shop`, `account`, period_start)
LEFT JOIN m7
  USING (`shop`, `account`, period_start)
LEFT JOIN m8
  USING (`shop`, `account`, period_start)
LEFT JOIN m9
  USING (`shop`, `account`, period_start)
ORDER BY
  `shop` NULLS LAST,
  `account` NULLS LAST,
  period_start NULLS LAST
