-- territory: per customer with an assigned region, the revenue of the window
-- delivered outside that region (transactions carrying another region).
SELECT t.customer_id,
       sum(t.revenue) AS revenue_with_region,
       sum(t.revenue) FILTER (WHERE t.region <> c.region) AS revenue_outside_territory
FROM tx_region AS t
JOIN customers AS c USING (customer_id)
WHERE c.region IS NOT NULL AND t.region IS NOT NULL
  AND t.date >= $window_start AND t.date <= $period_end AND t.revenue > 0
GROUP BY t.customer_id
ORDER BY t.customer_id
