-- cohorts: for each acquisition cohort (month of first purchase) and each month
-- since acquisition, how many of the cohort's customers bought. Reads
-- customer_month, so it never looks past the report period. A customer has one
-- row per month there, so count(*) counts customers (a DISTINCT count cost
-- three times as much at ten million customers).
WITH firsts AS (
    SELECT customer_id, min(month) AS cohort
    FROM customer_month
    WHERE orders > 0
    GROUP BY customer_id
)
SELECT f.cohort,
       date_diff('month', f.cohort, m.month) AS months_since,
       count(*) AS active
FROM customer_month AS m
JOIN firsts AS f USING (customer_id)
WHERE m.orders > 0
GROUP BY ALL
ORDER BY f.cohort, months_since
