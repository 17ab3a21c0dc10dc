-- holdout_purchases: purchase days per customer after $calibration_end up to
-- $period_end (same-day purchases merged, net revenue > 0), for customers who
-- had bought by $calibration_end. Checks the purchase model out of sample.
-- Reads purchase_days (sql/purchase_days.sql), not the raw transactions.
WITH days AS (
    SELECT customer_id, date
    FROM purchase_days
    WHERE date <= $period_end
),
known AS (
    SELECT DISTINCT customer_id FROM days WHERE date <= $calibration_end
)
SELECT k.customer_id, count(d.date) AS holdout_purchases
FROM known AS k
LEFT JOIN days AS d ON d.customer_id = k.customer_id AND d.date > $calibration_end
GROUP BY k.customer_id
ORDER BY k.customer_id
