-- retention: of the customers who bought in the window before the report window
-- ([$previous_start, $window_start)), how many bought again in the report window
-- ([$window_start, $last_month]).
WITH previous AS (
    SELECT DISTINCT customer_id FROM customer_month
    WHERE orders > 0 AND month >= $previous_start AND month < $window_start
),
current AS (
    SELECT DISTINCT customer_id FROM customer_month
    WHERE orders > 0 AND month >= $window_start AND month <= $last_month
)
SELECT (SELECT count(*) FROM previous) AS previous_customers,
       (SELECT count(*) FROM previous JOIN current USING (customer_id)) AS retained_customers
