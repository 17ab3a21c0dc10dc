-- customer_window: one row per customer for the report window
-- [$window_start, $last_month]. Flows are summed over the window; stocks
-- (receivables, expected-credit-loss allowance) are those at the window's end.
-- History columns (first and last purchase, months with purchases) look at all
-- of customer_month, which never extends past the report period. The trend
-- columns compare revenue and orders of the last $trend_months months with the
-- $trend_months before them. Only customers in the hash buckets
-- [$bucket_from, $bucket_to) of customer_month: aggregate.customer_window runs
-- the query over a few bucket ranges when there are millions of customers, and
-- orders the combined result itself.
WITH history AS (
    SELECT customer_id,
           min(month) FILTER (WHERE orders > 0) AS first_purchase_month,
           max(month) FILTER (WHERE orders > 0) AS last_purchase_month,
           count(*) FILTER (WHERE orders > 0) AS months_with_purchases,
           sum(orders) AS lifetime_orders,
           msum(revenue) AS lifetime_revenue,
           msum(gross_sales) AS lifetime_gross_sales,
           msum(CASE WHEN month > $last_month - to_months($trend_months) THEN revenue END) AS revenue_recent,
           msum(CASE WHEN month <= $last_month - to_months($trend_months)
                                  AND month > $last_month - to_months(2 * $trend_months) THEN revenue END) AS revenue_prior,
           sum(orders) FILTER (WHERE month > $last_month - to_months($trend_months)) AS orders_recent,
           sum(orders) FILTER (WHERE month <= $last_month - to_months($trend_months)
                                 AND month > $last_month - to_months(2 * $trend_months)) AS orders_prior
    FROM customer_month
    WHERE month <= $last_month AND bucket >= $bucket_from AND bucket < $bucket_to
    GROUP BY customer_id
),
win AS (
    SELECT customer_id,
           msum(revenue) AS revenue,
           msum(gross_sales) AS gross_sales,
           msum(cogs) AS cogs,
           msum(discount) AS discount,
           msum(channel_fee) AS channel_fee,
           sum(orders) AS orders,
           msum(cost_to_serve) AS cost_to_serve,
           sum(service_events) AS service_events,
           msum(carrying_cost) AS carrying_cost,
           msum(CASE WHEN month = $last_month THEN open_receivables ELSE 0 END) AS open_receivables,
           msum(CASE WHEN month = $last_month THEN overdue_receivables ELSE 0 END) AS overdue_receivables,
           msum(CASE WHEN month = $last_month THEN overdue_90_receivables ELSE 0 END) AS overdue_90_receivables,
           msum(CASE WHEN month = $last_month THEN ecl_allowance ELSE 0 END) AS expected_credit_loss,
           count(*) FILTER (WHERE orders > 0) AS active_months
    FROM customer_month
    WHERE month >= $window_start AND month <= $last_month AND bucket >= $bucket_from AND bucket < $bucket_to
    GROUP BY customer_id
)
SELECT h.customer_id,
       coalesce(w.revenue, 0) AS revenue,
       coalesce(w.gross_sales, 0) AS gross_sales,
       w.cogs AS cogs,
       coalesce(w.discount, 0) AS discount,
       coalesce(w.channel_fee, 0) AS channel_fee,
       coalesce(w.orders, 0) AS orders,
       coalesce(w.cost_to_serve, 0) AS cost_to_serve,
       coalesce(w.service_events, 0) AS service_events,
       coalesce(w.carrying_cost, 0) AS carrying_cost,
       coalesce(w.expected_credit_loss, 0) AS expected_credit_loss,
       coalesce(w.open_receivables, 0) AS open_receivables,
       coalesce(w.overdue_receivables, 0) AS overdue_receivables,
       coalesce(w.overdue_90_receivables, 0) AS overdue_90_receivables,
       coalesce(w.active_months, 0) AS active_months,
       h.first_purchase_month,
       h.last_purchase_month,
       h.months_with_purchases,
       h.lifetime_orders,
       h.lifetime_revenue,
       h.lifetime_gross_sales,
       coalesce(h.revenue_recent, 0) AS revenue_recent,
       coalesce(h.revenue_prior, 0) AS revenue_prior,
       coalesce(h.orders_recent, 0) AS orders_recent,
       coalesce(h.orders_prior, 0) AS orders_prior,
       w.customer_id IS NOT NULL AS in_window
FROM history AS h
LEFT JOIN win AS w USING (customer_id)
