-- purchase_days: one row per customer and day with positive net revenue (a
-- day of returns only is not a purchase), its net revenue in value. The RFM
-- summaries of every period read this instead of the raw transactions.
SELECT customer_id, date, msum(revenue) AS value
FROM tx_in
GROUP BY customer_id, date
HAVING msum(revenue) > 0
