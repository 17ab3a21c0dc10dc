-- surveys: per customer, the latest satisfaction score on or before
-- $period_end, its date, and how many surveys the customer answered.
SELECT customer_id,
       arg_max(satisfaction, date) AS last_satisfaction,
       max(date) AS last_survey_date,
       count(*) AS surveys
FROM surveys
WHERE date <= $period_end
GROUP BY customer_id
ORDER BY customer_id
