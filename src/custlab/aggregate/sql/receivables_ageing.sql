-- receivables_ageing: per customer, open receivables at $period_end by days past
-- due (current, 1-30, 31-60, 61-90, over 90), and the amount invoiced in the
-- window [$window_start, $period_end] (credit sales, for DSO).
WITH open_items AS (
    SELECT customer_id,
           amount,
           date_diff('day', due, CAST($period_end AS DATE)) AS days_past_due
    FROM receivables_in
    WHERE issued <= $period_end AND (paid IS NULL OR paid > $period_end)
),
ageing AS (
    SELECT customer_id,
           msum(CASE WHEN days_past_due <= 0 THEN amount END) AS ar_current,
           msum(CASE WHEN days_past_due BETWEEN 1 AND 30 THEN amount END) AS ar_1_30,
           msum(CASE WHEN days_past_due BETWEEN 31 AND 60 THEN amount END) AS ar_31_60,
           msum(CASE WHEN days_past_due BETWEEN 61 AND 90 THEN amount END) AS ar_61_90,
           msum(CASE WHEN days_past_due > 90 THEN amount END) AS ar_over_90
    FROM open_items
    GROUP BY customer_id
),
invoiced AS (
    SELECT customer_id, msum(amount) AS credit_sales
    FROM receivables_in
    WHERE issued >= $window_start AND issued <= $period_end
    GROUP BY customer_id
)
SELECT coalesce(a.customer_id, i.customer_id) AS customer_id,
       coalesce(a.ar_current, 0) AS ar_current,
       coalesce(a.ar_1_30, 0) AS ar_1_30,
       coalesce(a.ar_31_60, 0) AS ar_31_60,
       coalesce(a.ar_61_90, 0) AS ar_61_90,
       coalesce(a.ar_over_90, 0) AS ar_over_90,
       coalesce(i.credit_sales, 0) AS credit_sales
FROM ageing AS a
FULL OUTER JOIN invoiced AS i USING (customer_id)
ORDER BY customer_id
