-- surveys: per customer, the latest satisfaction score on or before
-- $period_end, its date, and how many surveys the customer answered. Two answers
-- on the latest day keep the lower score, so the pick does not depend on row order.
SELECT customer_id,
       arg_max(satisfaction, {'day': date, 'lower_first': -satisfaction}) AS last_satisfaction,
       max(date) AS last_survey_date,
       count(*) AS surveys
FROM surveys
WHERE date <= $period_end
GROUP BY customer_id
ORDER BY customer_id
