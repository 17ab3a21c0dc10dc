-- customer_rfm: frequency, recency, T (in weeks measured in days) and monetary
-- value per customer, in lifetimes' semantics, from transactions up to
-- $period_end. Purchases on the same day are merged; a day counts as a purchase
-- when its net revenue is positive (a day of returns is not a purchase).
-- monetary_value is the mean net revenue of the repeat purchase days.
-- Reads purchase_days (sql/purchase_days.sql), built once per analysis, so the
-- raw transactions are not read again for every period.
WITH days AS (
    SELECT customer_id, date, value
    FROM purchase_days
    WHERE date <= $period_end
),
per_customer AS (
    SELECT customer_id,
           min(date) AS first_day,
           max(date) AS last_day,
           count(*) AS purchase_days,
           msum(value) AS total_value,
           arg_min(value, date) AS first_value
    FROM days
    GROUP BY customer_id
)
SELECT customer_id,
       CAST(purchase_days - 1 AS DOUBLE) AS frequency,
       date_diff('day', first_day, last_day) / 7.0 AS recency,
       date_diff('day', first_day, CAST($period_end AS DATE)) / 7.0 AS "T",
       CASE WHEN purchase_days > 1 THEN (total_value - first_value) / (purchase_days - 1) ELSE 0.0 END
           AS monetary_value
FROM per_customer
ORDER BY customer_id
