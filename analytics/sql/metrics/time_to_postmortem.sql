-- Time to postmortem: is the postmortem written within ttp_hours (72) of the resolution?
--
-- Definition (SPEC "Metrics" 3): hours from `resolved` (or `started` where there is no
-- resolved: approximate) to `postmortem_date`. Eligible: incidents with a postmortem date,
-- plus incidents resolved (or started) more than ttp_hours x 1 h before as_of with none
-- (pending late). On time: written within ttp_hours (<= 72 h exactly is on time).
-- On-time rate = on time / eligible. Median and p90 (quantile_cont) over those written.
-- A postmortem dated at or after as_of was not written yet at as_of (universe rewinds it):
-- it is pending, or pending late.
--
-- Views/macros: ttp_incidents, ttp_summary, ttp_by_month, ttp_by_severity, ttp_bands,
-- pending_late.

-- One row per scoped incident with its time-to-postmortem state:
-- 'written' | 'pending_late' | 'pending' (no postmortem yet, not late yet).
CREATE OR REPLACE MACRO ttp_incidents(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, ttp_hours := archive_ttp_hours()
) AS TABLE
WITH s AS (
    SELECT *,
        CASE
            WHEN postmortem_date IS NOT NULL THEN 'written'
            WHEN epoch(as_of_ts(as_of)) - epoch(ttp_from) > ttp_hours * 3600.0 THEN 'pending_late'
            ELSE 'pending'
        END AS ttp_state
    FROM scoped_incidents(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in, team_in := team_in
    )
)
SELECT
    id, title, path, severity, services, category, started, started_date, month, resolved,
    postmortem_date, ttp_from, ttp_approximate AS approximate, hours_to_postmortem AS hours,
    ttp_state,
    ttp_state <> 'pending' AS eligible,
    ttp_state = 'written' AND hours_to_postmortem <= ttp_hours AS on_time,
    ttp_state = 'pending_late' OR (ttp_state = 'written' AND hours_to_postmortem > ttp_hours)
        AS late,
    (epoch(as_of_ts(as_of)) - epoch(ttp_from)) / 3600.0 AS hours_since_resolved
FROM s;

-- Headline numbers over the scoped incidents.
CREATE OR REPLACE MACRO ttp_summary(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, ttp_hours := archive_ttp_hours()
) AS TABLE
SELECT
    count(*) FILTER (WHERE eligible) AS eligible,
    count(*) FILTER (WHERE on_time) AS on_time,
    safe_rate(count(*) FILTER (WHERE on_time), count(*) FILTER (WHERE eligible))
        AS on_time_rate,
    count(*) FILTER (WHERE ttp_state = 'written') AS written,
    quantile_cont(hours, 0.5) FILTER (WHERE ttp_state = 'written') AS median_hours,
    quantile_cont(hours, 0.9) FILTER (WHERE ttp_state = 'written') AS p90_hours,
    count(*) FILTER (WHERE ttp_state = 'pending_late') AS pending_late,
    count(*) FILTER (WHERE ttp_state = 'pending') AS pending,
    count(*) FILTER (WHERE ttp_state = 'written' AND approximate) AS approximate,
    count(*) FILTER (WHERE eligible) < 5 AS small_sample
FROM ttp_incidents(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in, ttp_hours := ttp_hours
);

-- Same numbers per month of the incident's start (archive timezone).
CREATE OR REPLACE MACRO ttp_by_month(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, ttp_hours := archive_ttp_hours()
) AS TABLE
SELECT
    month,
    count(*) FILTER (WHERE eligible) AS eligible,
    count(*) FILTER (WHERE on_time) AS on_time,
    safe_rate(count(*) FILTER (WHERE on_time), count(*) FILTER (WHERE eligible))
        AS on_time_rate,
    count(*) FILTER (WHERE ttp_state = 'written') AS written,
    quantile_cont(hours, 0.5) FILTER (WHERE ttp_state = 'written') AS median_hours,
    quantile_cont(hours, 0.9) FILTER (WHERE ttp_state = 'written') AS p90_hours,
    count(*) FILTER (WHERE ttp_state = 'pending_late') AS pending_late,
    count(*) FILTER (WHERE eligible) < 5 AS small_sample
FROM ttp_incidents(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in, ttp_hours := ttp_hours
)
GROUP BY month
ORDER BY month;

-- Same numbers per severity (NULL severity last).
CREATE OR REPLACE MACRO ttp_by_severity(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, ttp_hours := archive_ttp_hours()
) AS TABLE
SELECT
    coalesce(severity, 'unknown') AS severity,  -- as the severity filter and by month name it
    count(*) FILTER (WHERE eligible) AS eligible,
    count(*) FILTER (WHERE on_time) AS on_time,
    safe_rate(count(*) FILTER (WHERE on_time), count(*) FILTER (WHERE eligible))
        AS on_time_rate,
    count(*) FILTER (WHERE ttp_state = 'written') AS written,
    quantile_cont(hours, 0.5) FILTER (WHERE ttp_state = 'written') AS median_hours,
    quantile_cont(hours, 0.9) FILTER (WHERE ttp_state = 'written') AS p90_hours,
    count(*) FILTER (WHERE ttp_state = 'pending_late') AS pending_late,
    count(*) FILTER (WHERE eligible) < 5 AS small_sample
FROM ttp_incidents(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in, ttp_hours := ttp_hours
)
GROUP BY ALL
ORDER BY severity;  -- SEV0..SEV5, then unknown

-- The written postmortems per severity and band of hours to postmortem: the distribution
-- at any size in a few rows (the dashboard draws it past a few thousand postmortems).
-- Band k holds hours in (ttp_hours x sqrt(2)^(k-1), ttp_hours x sqrt(2)^k]: each band 1.41x
-- the one before, one edge at ttp_hours, so a band is all on time (k <= 0) or all late.
-- Hours under 1 count as 1 (a log scale starts there). The band of h is
-- ceil(2 x log2(h / ttp_hours)), rounded first to 9 decimals so that an edge itself
-- (72 h, 144 h) falls in the band it closes whatever the floating-point error.
CREATE OR REPLACE MACRO ttp_bands(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, ttp_hours := archive_ttp_hours()
) AS TABLE
WITH banded AS (
    SELECT
        coalesce(severity, 'unknown') AS severity,
        CAST(ceil(round(2 * log2(greatest(hours, 1.0) / ttp_hours), 9)) AS INTEGER) AS band
    FROM ttp_incidents(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, ttp_hours := ttp_hours
    )
    WHERE ttp_state = 'written'
)
SELECT
    severity,
    band,
    ttp_hours * pow(2, (band - 1) / 2) AS from_hours,
    ttp_hours * pow(2, band / 2) AS to_hours,
    count(*) AS postmortems,
    band <= 0 AS on_time
FROM banded
GROUP BY severity, band
ORDER BY severity, band;

-- Incidents with no postmortem, resolved (or started) more than ttp_hours before as_of.
CREATE OR REPLACE MACRO pending_late(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, ttp_hours := archive_ttp_hours()
) AS TABLE
SELECT id, title, path, severity, services, category, started, resolved, approximate,
       hours_since_resolved
FROM ttp_incidents(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in, ttp_hours := ttp_hours
)
WHERE ttp_state = 'pending_late'
ORDER BY hours_since_resolved DESC, id;
