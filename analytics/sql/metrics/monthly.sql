-- Monthly series for the review's month-over-month view. Months are the local month
-- (archive timezone) of the incident's start; every month from the first to the last
-- scoped incident appears (every month of the filters' dates, where they are given),
-- empty ones with zeros.
--
-- Views/macros: scoped_months, incidents_by_month, fix_levels_by_month, monthly_rates.

-- Every month from the first to the last scoped incident, as 'YYYY-MM'; with a start or
-- end date, every month of that range instead (within the archive: from its first
-- incident's month, up to the day before as_of), so that a month with no incident at a
-- range's end is drawn as zero, not left out (a report of a month with none ended its
-- charts at the last month with one).
CREATE OR REPLACE MACRO scoped_months(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL
) AS TABLE
WITH scoped AS (
    SELECT min(started_date) AS lo, max(started_date) AS hi
    FROM scoped_incidents(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in
    )
),
archive AS (SELECT archive_first_date(as_of := as_of) AS first),
bounds AS (
    SELECT
        CASE WHEN start_date IS NULL THEN s.lo
            ELSE greatest(CAST(start_date AS DATE), a.first) END AS lo,
        CASE WHEN end_date IS NULL THEN s.hi
            ELSE least(CAST(end_date AS DATE), CAST(coalesce(as_of, current_date) AS DATE) - 1)
        END AS hi
    FROM scoped AS s, archive AS a
    WHERE s.lo IS NOT NULL  -- no scoped incident: no month
)
SELECT strftime(CAST(m AS DATE), '%Y-%m') AS month
FROM (
    SELECT unnest(generate_series(
        date_trunc('month', lo), date_trunc('month', hi), INTERVAL 1 MONTH
    )) AS m
    FROM bounds
    WHERE lo <= hi
)
ORDER BY month;

-- Incidents per month and severity (severity 'unknown' when not stated), zero-filled.
CREATE OR REPLACE MACRO incidents_by_month(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL
) AS TABLE
WITH s AS (
    SELECT month, coalesce(severity, 'unknown') AS severity FROM scoped_incidents(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in
    )
),
months AS (
    SELECT month FROM scoped_months(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in
    )
),
sevs AS (SELECT DISTINCT severity FROM s)
SELECT m.month, v.severity, count(s.month) AS incidents
FROM months AS m CROSS JOIN sevs AS v
LEFT JOIN s ON s.month = m.month AND s.severity = v.severity
GROUP BY m.month, v.severity
ORDER BY m.month, v.severity;

-- fix_levels per month of the incident's start ('YYYY-MM'), all seven rows for every month
-- from the first to the last scoped incident (zero-filled), as of one as_of.
CREATE OR REPLACE MACRO fix_levels_by_month(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL
) AS TABLE
WITH f AS (
    SELECT * FROM fix_level_rows(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in, team_in := team_in
    )
),
months AS (
    SELECT month FROM scoped_months(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in, team_in := team_in
    )
)
SELECT m.month, b.level, count(f.level) AS count
FROM months AS m CROSS JOIN fix_level_buckets() AS b
LEFT JOIN f ON f.month = m.month AND f.level = b.level
GROUP BY m.month, b.ord, b.level
ORDER BY m.month, b.ord;

-- Each headline rate per month, long form: month, metric, numerator, denominator, rate,
-- small_sample. Metrics: repeat_rate, ttp_on_time_rate, l5_share, action_completion_rate,
-- action_on_time_rate (actions and fixes belong to their incident's month).
CREATE OR REPLACE MACRO monthly_rates(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    ttp_hours := archive_ttp_hours(), action_slo_days := archive_action_slo_days()
) AS TABLE
WITH months AS (
    SELECT month FROM scoped_months(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in
    )
),
action_counts AS MATERIALIZED (  -- one scan of the actions for the three action rates
    SELECT month,
           count(*) FILTER (WHERE kind = 'fix' AND level = 'L5') AS l5,
           count(*) FILTER (WHERE kind = 'fix' AND level IS NOT NULL) AS leveled,
           count(*) FILTER (WHERE status = 'done') AS done,
           count(*) FILTER (WHERE status <> 'dropped') AS not_dropped,
           count(*) FILTER (WHERE done_on_time) AS on_time,
           count(*) FILTER (WHERE done_on_time IS NOT NULL) AS with_due
    FROM action_items(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, action_slo_days := action_slo_days
    ) GROUP BY month
),
parts AS (
    SELECT 1 AS ord, 'repeat_rate' AS metric, month,
           count(*) FILTER (WHERE is_repeat) AS numerator, count(*) AS denominator
    FROM recurrence_scoped(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, window_days := window_days
    ) GROUP BY month
    UNION ALL
    SELECT 2, 'ttp_on_time_rate', month,
           count(*) FILTER (WHERE on_time), count(*) FILTER (WHERE eligible)
    FROM ttp_incidents(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, ttp_hours := ttp_hours
    ) GROUP BY month
    UNION ALL
    SELECT 3, 'l5_share', month, l5, leveled FROM action_counts
    UNION ALL
    SELECT 4, 'action_completion_rate', month, done, not_dropped FROM action_counts
    UNION ALL
    SELECT 5, 'action_on_time_rate', month, on_time, with_due FROM action_counts
),
metrics AS (
    SELECT * FROM (VALUES (1, 'repeat_rate'), (2, 'ttp_on_time_rate'), (3, 'l5_share'),
                          (4, 'action_completion_rate'), (5, 'action_on_time_rate'))
        AS x(ord, metric)
)
SELECT
    m.month,
    x.metric,
    coalesce(p.numerator, 0) AS numerator,
    coalesce(p.denominator, 0) AS denominator,
    CASE WHEN coalesce(p.denominator, 0) > 0 THEN p.numerator / p.denominator END AS rate,
    coalesce(p.denominator, 0) < 5 AS small_sample
FROM months AS m CROSS JOIN metrics AS x
LEFT JOIN parts AS p ON p.month = m.month AND p.metric = x.metric
ORDER BY m.month, x.ord;
