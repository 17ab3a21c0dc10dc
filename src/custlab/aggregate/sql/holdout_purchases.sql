-- holdout_purchases: purchase days per customer after $calibration_end up to
-- $period_end (same-day purchases merged, net revenue > 0), for customers who
-- had bought by $calibration_end. Checks the purchase model out of sample.
-- Reads purchase_days (sql/purchase_days.sql), not the raw transactions. One
-- aggregation: a customer is known by the calibration end when its first
-- purchase day is on or before it (a DISTINCT of the known customers joined
-- back to their days took 1.6x as long at ten million customers).
SELECT customer_id,
       count(*) FILTER (WHERE date > $calibration_end) AS holdout_purchases
FROM purchase_days
WHERE date <= $period_end
GROUP BY customer_id
HAVING min(date) <= $calibration_end
ORDER BY customer_id
