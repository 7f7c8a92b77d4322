-- Staging: the one place that turns the ingest tables into metric-ready rows.
--
-- Every metric builds on these. Nothing here filters; the filters live in
-- `scoped_incidents`, and every metric macro takes the same named parameters:
--
--   as_of           DATE     "now": 00:00 of that date in the archive timezone (default: today)
--   start_date      DATE     incidents started on or after this local date (NULL: no bound)
--   end_date        DATE     incidents started on or before this local date (NULL: no bound)
--   severity_in     VARCHAR[] e.g. ['SEV1','SEV2'] (NULL: all)
--   service_in      VARCHAR[] incident has at least one of these services (NULL: all)
--   category_in     VARCHAR[] primary category is one of these (NULL: all)
--   team_in         VARCHAR[] incident has at least one of these teams (NULL: all)
-- (the list parameters end in _in because a macro parameter would shadow a column
-- of the same name)
--   window_days     INTEGER  recurrence / pattern / fix-effectiveness window (x 24 h)
--   pattern_min     INTEGER  incidents that make a pattern
--   ttp_hours       INTEGER  time-to-postmortem target
--   action_slo_days INTEGER  days from the postmortem date to close an action
-- The last four default to the archive's settings, postmortems.toml's [metrics] (SPEC's 180,
-- 3, 72 and 28 where it sets none): archive_window_days(), archive_pattern_min(),
-- archive_ttp_hours(), archive_action_slo_days(), which create_views writes as literals.
--
-- Example (duckdb shell): SELECT * FROM repeat_rate(as_of := DATE '2026-11-01');
--
-- Times are compared as exact instants (epoch seconds), never calendar arithmetic,
-- so a 180-day window is 180 x 24 h across DST changes. Local dates and months use the
-- archive timezone from meta.timezone, whatever the session TimeZone is.

-- IANA name of the archive timezone (meta.timezone, default UTC). create_views then
-- replaces it with that name as a literal, so conversions of a constant fold once.
CREATE OR REPLACE MACRO archive_tz() AS
    (SELECT coalesce(max(value), 'UTC') FROM meta WHERE key = 'timezone');

-- 00:00 of a local date in the archive timezone, as an instant.
CREATE OR REPLACE MACRO local_ts(d) AS timezone(archive_tz(), CAST(d AS TIMESTAMP));

-- The "now" instant of an as_of date (today when NULL).
CREATE OR REPLACE MACRO as_of_ts(as_of) AS local_ts(coalesce(as_of, current_date));

-- numerator / denominator, NULL (never 0 or NaN) when the denominator is 0.
CREATE OR REPLACE MACRO safe_rate(numerator, denominator) AS
    CASE WHEN denominator > 0 THEN numerator / denominator END;

-- One row per counted postmortem, with local dates and time-to-postmortem inputs, as
-- recorded (metrics read universe(as_of), which rewinds to as_of). A FACT: a table the
-- ingest computes once (the time zone conversions are not redone per query).
CREATE OR REPLACE FACT stg_incidents AS
SELECT
    p.id,
    p.path,
    p.title,
    p.status,
    p.severity,
    p.severity_rank,
    p.services,
    p.primary_service,
    p.category,
    p.categories,
    p.tags,
    p.teams,
    p.started,
    p.detected,
    p.resolved,
    p.postmortem_date,
    p.timeline_written,
    p.chain_level,
    p.authors,
    p.fix_count,
    CAST(timezone(archive_tz(), p.started) AS DATE) AS started_date,
    strftime(timezone(archive_tz(), p.started), '%Y-%m') AS month,
    epoch(p.started) AS started_s,
    coalesce(p.resolved, p.started) AS ttp_from,
    p.resolved IS NULL AS ttp_approximate,
    (epoch(p.postmortem_date) - epoch(coalesce(p.resolved, p.started))) / 3600.0 AS hours_to_postmortem,
    CAST(timezone(archive_tz(), p.postmortem_date) AS DATE) AS postmortem_day
FROM postmortems AS p;

-- The archive's first incident (one row; NULLs when it has none): its start and local start
-- date. archive_first_date reads it.
CREATE OR REPLACE FACT fact_archive_first AS
SELECT min(started) AS started, min(started_date) AS started_date FROM stg_incidents;

-- The local start date of the first incident of universe(as_of), NULL when there is none:
-- min(started_date) of universe(as_of) without a scan (a later start has a later or the
-- same local date, so the first start's date is the least).
CREATE OR REPLACE MACRO archive_first_date(as_of := NULL) AS (
    SELECT CASE WHEN started < as_of_ts(as_of) THEN started_date END FROM fact_archive_first
);

-- One row per fix or action item, with the facts of its postmortem it is grouped by, as
-- recorded (metrics read actions_at(as_of), which rewinds to as_of). A FACT, as
-- stg_incidents.
CREATE OR REPLACE FACT stg_actions AS
SELECT
    a.postmortem_id,
    a.seq,
    a.kind,
    a.source,
    a.title,
    a.owner,
    a.due,
    a.status,
    a.done,
    a.level,
    a.ticket,
    a.test,
    a.line,
    i.title AS postmortem_title,
    i.severity,
    i.services,
    i.category,
    i.teams,
    i.chain_level,
    i.started,
    i.started_date,
    i.month,
    i.postmortem_date,
    i.postmortem_day
FROM actions AS a
JOIN stg_incidents AS i ON i.id = a.postmortem_id;

-- Every incident that had started before as_of: the universe intrinsic facts are computed on,
-- as it stood at as_of. Recorded facts dated after "now" are rewound: a postmortem whose
-- postmortem_date is at or after as_of_ts(as_of) was not written yet, so postmortem_date,
-- hours_to_postmortem and postmortem_day are NULL here (it can be pending late). `resolved`
-- is kept as recorded. Every metric reads incidents through this macro.
CREATE OR REPLACE MACRO universe(as_of := NULL) AS TABLE
SELECT * REPLACE (
    CASE WHEN postmortem_date < as_of_ts(as_of) THEN postmortem_date END AS postmortem_date,
    CASE WHEN postmortem_date < as_of_ts(as_of) THEN hours_to_postmortem END
        AS hours_to_postmortem,
    CASE WHEN postmortem_date < as_of_ts(as_of) THEN postmortem_day END AS postmortem_day
)
FROM stg_incidents
WHERE started < as_of_ts(as_of);

-- The fixes and actions of universe(as_of), as they stood at as_of; every action and fix
-- metric reads them through this macro, never stg_actions. A 'done' item whose done date
-- (a local date) is on or after the as_of date was still open at 00:00 of as_of: status
-- 'open', done NULL. Not rewound (no date says when): 'done' without a done date, and
-- 'dropped'. `recorded_status` / `recorded_done` keep the archive's values. The incident's
-- facts (postmortem_day included) are universe(as_of)'s, so rewound too.
CREATE OR REPLACE MACRO actions_at(as_of := NULL) AS TABLE
WITH a AS (
    SELECT *, status = 'done' AND done >= coalesce(as_of, current_date) AS done_later
    FROM stg_actions
    WHERE started < as_of_ts(as_of)
)
SELECT
    a.postmortem_id,
    a.seq,
    a.kind,
    a.source,
    a.title,
    a.owner,
    a.due,
    CASE WHEN a.done_later THEN 'open' ELSE a.status END AS status,
    CASE WHEN a.done_later THEN NULL ELSE a.done END AS done,
    a.level,
    a.ticket,
    a.test,
    a.line,
    a.status AS recorded_status,
    a.done AS recorded_done,
    a.postmortem_title,
    a.severity,
    a.services,
    a.category,
    a.teams,
    a.chain_level,
    a.started,
    a.started_date,
    a.month,
    CASE WHEN a.postmortem_date < as_of_ts(as_of) THEN a.postmortem_day END AS postmortem_day
FROM a;

-- Whether an incident with these facts passes the filters: the one definition of the
-- filters, for incidents (scoped_incidents) and for the items that carry their incident's
-- facts (scoped_actions). The dates are compared with open bounds for a NULL filter (the
-- same as "NULL or in range": started_date is never NULL, as postmortems.started is NOT
-- NULL): when the dates come from a lateral join's scopes (metric_each), DuckDB then joins
-- by comparisons and filters the scans, instead of testing every row with every scope
-- (monthly_trend at 100k: 66-80 -> 51-70 ms, decade 50-69 -> 30-38 ms).
CREATE OR REPLACE MACRO in_filters(
    started_date, severity, services, category, teams,
    start_date, end_date, severity_in, service_in, category_in, team_in
) AS
    started_date >= coalesce(start_date, CAST('-infinity' AS DATE))
    AND started_date <= coalesce(end_date, CAST('infinity' AS DATE))
    AND (severity_in IS NULL OR list_contains(severity_in, coalesce(severity, 'unknown')))
    AND (service_in IS NULL OR list_has_any(services, service_in))
    AND (category_in IS NULL OR list_contains(category_in, category))
    AND (team_in IS NULL OR list_has_any(teams, team_in));

-- The incidents the filters select (always a subset of universe(as_of)).
CREATE OR REPLACE MACRO scoped_incidents(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL
) AS TABLE
SELECT u.*
FROM universe(as_of := as_of) AS u
WHERE in_filters(
    u.started_date, u.severity, u.services, u.category, u.teams,
    start_date, end_date, severity_in, service_in, category_in, team_in
);

-- The fixes and actions of the scoped incidents, as they stood at as_of (actions_at): the
-- items carry their incident's facts, so the filters apply to them directly (no join).
CREATE OR REPLACE MACRO scoped_actions(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL
) AS TABLE
SELECT a.*
FROM actions_at(as_of := as_of) AS a
WHERE in_filters(
    a.started_date, a.severity, a.services, a.category, a.teams,
    start_date, end_date, severity_in, service_in, category_in, team_in
);
