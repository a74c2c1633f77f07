-- model: conversion
-- order: 100
-- kind: table
-- scoped: true
-- grain: ${conv}

-- Conversion of each inquiry (${conv}): whether it got an order, a paid order,
-- and the paid orders' count, amount and items.
SELECT ${conv},
    1 AS ordered,
    MAX(paid_in_window) AS paid,
    SUM(paid_in_window) AS paid_orders,
    SUM(CASE WHEN paid_in_window = 1 THEN amount ELSE 0 END) AS sales,
    SUM(CASE WHEN paid_in_window = 1 THEN items ELSE 0 END) AS items
FROM credited_orders_${scope}
GROUP BY ${conv}
