-- customer_month: one row per customer and calendar month, the facts every
-- analysis starts from. Reads the canonical input views tx_in, service_in, receivables_in
-- (absent inputs are empty views) and the view calendar (month, month_end: one
-- row per month, see aggregate.calendar_months). Orders count distinct
-- orders with positive revenue: a return or credit note is not an order;
-- gross_sales is revenue before returns. Flows (revenue, costs,
-- carrying cost) are summed over the month; stocks (open and overdue
-- receivables, expected-credit-loss allowance) are taken at the month end.
-- Parameters: $first_month, $last_month (DATE, first days of months),
-- $cost_of_capital, $ecl_current, $ecl_1_30, $ecl_31_60, $ecl_61_90, $ecl_over_90,
-- and $bucket_from, $bucket_to: only customers in the hash buckets
-- [$bucket_from, $bucket_to). DuckDB runs it over a few bucket ranges when
-- there are millions of customers (aggregate.build_customer_month), Spark once
-- over all buckets.
-- This is the step that reads every raw row, so it also runs on Spark
-- (custlab.spark): it keeps to SQL both engines read alike plus custlab's
-- macros (msum, days_between, customer_bucket; see custlab.dialects).
WITH sales AS (
    SELECT customer_id,
           CAST(date_trunc('month', date) AS DATE) AS month,
           msum(revenue) AS revenue,
           coalesce(msum(CASE WHEN revenue > 0 THEN revenue END), 0) AS gross_sales,
           msum(cost) AS cogs,
           msum(discount) AS discount,
           msum(channel_fee) AS channel_fee,
           count(DISTINCT coalesce(order_id, CAST(date AS STRING))) FILTER (WHERE revenue > 0) AS orders,
           count(*) AS lines
    FROM tx_in
    WHERE date >= $first_month AND date < CAST($last_month AS DATE) + INTERVAL 1 MONTH
      AND customer_bucket(customer_id) >= $bucket_from AND customer_bucket(customer_id) < $bucket_to
    GROUP BY ALL
),
serv AS (
    SELECT customer_id,
           CAST(date_trunc('month', date) AS DATE) AS month,
           msum(cost) AS cost_to_serve,
           count(*) AS service_events
    FROM service_in
    WHERE date >= $first_month AND date < CAST($last_month AS DATE) + INTERVAL 1 MONTH
      AND customer_bucket(customer_id) >= $bucket_from AND customer_bucket(customer_id) < $bucket_to
    GROUP BY ALL
),
invoice_month AS (
    SELECT r.customer_id,
           c.month,
           r.amount,
           -- days the invoice is open inside the month: [issued, paid) within [month, month_end]
           greatest(0, days_between(greatest(r.issued, c.month),
                                    least(coalesce(r.paid, c.month_end + 1), c.month_end + 1))) AS open_days,
           (r.paid IS NULL OR r.paid > c.month_end) AS open_at_end,
           days_between(r.due, c.month_end) AS days_past_due
    FROM receivables_in AS r
    JOIN calendar AS c
      ON r.issued <= c.month_end AND coalesce(r.paid, DATE '9999-12-31') > c.month
    WHERE customer_bucket(r.customer_id) >= $bucket_from AND customer_bucket(r.customer_id) < $bucket_to
),
credit AS (
    SELECT customer_id,
           month,
           msum(amount * $cost_of_capital * open_days / 365.0) AS carrying_cost,
           msum(CASE WHEN open_at_end THEN amount ELSE 0 END) AS open_receivables,
           msum(CASE WHEN open_at_end AND days_past_due > 0 THEN amount ELSE 0 END) AS overdue_receivables,
           msum(CASE WHEN open_at_end AND days_past_due > 90 THEN amount ELSE 0 END) AS overdue_90_receivables,
           msum(CASE WHEN NOT open_at_end THEN 0
                    WHEN days_past_due <= 0 THEN amount * $ecl_current
                    WHEN days_past_due <= 30 THEN amount * $ecl_1_30
                    WHEN days_past_due <= 60 THEN amount * $ecl_31_60
                    WHEN days_past_due <= 90 THEN amount * $ecl_61_90
                    ELSE amount * $ecl_over_90 END) AS ecl_allowance
    FROM invoice_month
    GROUP BY ALL
),
facts AS (
    -- each part gives at most one row per customer and month: stack the parts and
    -- fold them (one aggregation, cheaper than a union of keys and three joins)
    SELECT customer_id, month, revenue, gross_sales, cogs, discount, channel_fee, orders, lines,
           CAST(NULL AS DOUBLE) AS cost_to_serve, CAST(NULL AS BIGINT) AS service_events,
           CAST(NULL AS DOUBLE) AS carrying_cost, CAST(NULL AS DOUBLE) AS open_receivables,
           CAST(NULL AS DOUBLE) AS overdue_receivables, CAST(NULL AS DOUBLE) AS overdue_90_receivables,
           CAST(NULL AS DOUBLE) AS ecl_allowance
    FROM sales
    UNION ALL
    SELECT customer_id, month, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           cost_to_serve, service_events, NULL, NULL, NULL, NULL, NULL
    FROM serv
    UNION ALL
    SELECT customer_id, month, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           carrying_cost, open_receivables, overdue_receivables, overdue_90_receivables, ecl_allowance
    FROM credit
)
-- No ORDER BY: every reader groups or orders for itself, and sorting ten
-- million rows is a sixth of the step.
SELECT customer_id,
       month,
       coalesce(max(revenue), 0) AS revenue,
       coalesce(max(gross_sales), 0) AS gross_sales,
       max(cogs) AS cogs,
       coalesce(max(discount), 0) AS discount,
       coalesce(max(channel_fee), 0) AS channel_fee,
       coalesce(max(orders), 0) AS orders,
       coalesce(max(lines), 0) AS lines,
       coalesce(max(cost_to_serve), 0) AS cost_to_serve,
       coalesce(max(service_events), 0) AS service_events,
       coalesce(max(carrying_cost), 0) AS carrying_cost,
       coalesce(max(open_receivables), 0) AS open_receivables,
       coalesce(max(overdue_receivables), 0) AS overdue_receivables,
       coalesce(max(overdue_90_receivables), 0) AS overdue_90_receivables,
       coalesce(max(ecl_allowance), 0) AS ecl_allowance
FROM facts
GROUP BY customer_id, month
