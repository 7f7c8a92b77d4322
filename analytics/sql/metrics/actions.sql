-- Action completion: do the fix and follow-up actions get done, on time?
--
-- Definition (SPEC "Metrics" 4): over the fix and actions of the scoped incidents.
-- `dropped` leaves every denominator. Completion rate = done / (done + open).
-- On-time rate = done on or before due / done with both a done and a due date.
-- Overdue = open with due before as_of. No owner / no due date count open and done items.
-- Days to close = done date - postmortem date (local dates); median over done items.
-- Closed within SLO = done within action_slo_days of the postmortem date; its denominator
-- is every done item with both dates plus every open item whose SLO deadline passed before
-- as_of (open items still inside their SLO are not decided yet).
-- Aging: days from the postmortem date (or the incident's start, lacking one) to as_of,
-- for open items. Items are read as they stood at as_of (actions_at): an item done on or
-- after the as_of date counts as open, and a postmortem written at or after as_of has no
-- postmortem date yet.
--
-- Views/macros: action_rows, action_items, action_list, action_summary, actions_by,
-- overdue_actions, action_aging, actions_closed.

-- One row per fix or action of the scoped incidents, with the per-item facts counted below
-- and the incident's teams (action_items leaves them out; actions_by groups by them).
-- With id_in, only those of these postmortems (one postmortem's page without every row).
CREATE OR REPLACE MACRO action_rows(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    action_slo_days := archive_action_slo_days(),
    id_in := NULL
) AS TABLE
SELECT
    a.*,
    coalesce(a.status = 'open' AND a.due < coalesce(as_of, current_date), false) AS overdue,
    CASE WHEN a.status = 'done' AND a.done IS NOT NULL AND a.due IS NOT NULL
        THEN a.done <= a.due END AS done_on_time,
    CASE WHEN a.status = 'done' THEN date_diff('day', a.postmortem_day, a.done) END
        AS days_to_close,
    a.postmortem_day + CAST(action_slo_days AS INTEGER) AS slo_deadline,
    CASE
        WHEN a.status = 'done' AND a.done IS NOT NULL AND a.postmortem_day IS NOT NULL
            THEN a.done <= a.postmortem_day + CAST(action_slo_days AS INTEGER)
        WHEN a.status = 'open' AND a.postmortem_day + CAST(action_slo_days AS INTEGER)
            < coalesce(as_of, current_date) THEN false
    END AS closed_within_slo,
    CASE WHEN a.status = 'open' THEN date_diff(
        'day', coalesce(a.postmortem_day, a.started_date), coalesce(as_of, current_date)
    ) END AS age_days
FROM scoped_actions(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in
) AS a
WHERE id_in IS NULL OR a.postmortem_id IN (SELECT unnest(id_in));

-- action_rows without the teams: the items the metrics below count.
CREATE OR REPLACE MACRO action_items(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    action_slo_days := archive_action_slo_days(),
    id_in := NULL
) AS TABLE
SELECT * EXCLUDE (teams) FROM action_rows(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    action_slo_days := action_slo_days, id_in := id_in
);

-- action_items in a stable order (the API's listing): by incident start, postmortem, seq.
-- The metrics that count read action_items, unordered.
CREATE OR REPLACE MACRO action_list(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    action_slo_days := archive_action_slo_days(),
    id_in := NULL
) AS TABLE
SELECT * FROM action_items(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    action_slo_days := action_slo_days, id_in := id_in
)
ORDER BY started, postmortem_id, seq;

-- Headline numbers over every fix and action of the scoped incidents (actions_by repeats
-- these columns per group). Each rate has its own small-sample flag (its denominator under
-- 5): small_sample for completion_rate, on_time_small_sample, slo_small_sample.
CREATE OR REPLACE MACRO action_summary(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    action_slo_days := archive_action_slo_days()
) AS TABLE
SELECT
    count(*) AS total,
    count(*) FILTER (WHERE status = 'open') AS open,
    count(*) FILTER (WHERE status = 'done') AS done,
    count(*) FILTER (WHERE status = 'dropped') AS dropped,
    count(*) FILTER (WHERE overdue) AS overdue,
    CASE WHEN count(*) FILTER (WHERE status <> 'dropped') > 0
        THEN count(*) FILTER (WHERE status = 'done') / count(*) FILTER (WHERE status <> 'dropped')
    END AS completion_rate,
    count(*) FILTER (WHERE done_on_time) AS done_on_time,
    count(*) FILTER (WHERE done_on_time IS NOT NULL) AS done_with_dates,
    CASE WHEN count(*) FILTER (WHERE done_on_time IS NOT NULL) > 0
        THEN count(*) FILTER (WHERE done_on_time) / count(*) FILTER (WHERE done_on_time IS NOT NULL)
    END AS on_time_rate,
    count(*) FILTER (WHERE status <> 'dropped' AND owner IS NULL) AS no_owner,
    count(*) FILTER (WHERE status <> 'dropped' AND due IS NULL) AS no_due,
    quantile_cont(days_to_close, 0.5) AS median_days_to_close,
    count(days_to_close) AS days_to_close_n,  -- done items with a done and a postmortem date
    count(*) FILTER (WHERE closed_within_slo) AS closed_within_slo,
    count(*) FILTER (WHERE closed_within_slo IS NOT NULL) AS slo_decided,
    CASE WHEN count(*) FILTER (WHERE closed_within_slo IS NOT NULL) > 0
        THEN count(*) FILTER (WHERE closed_within_slo)
            / count(*) FILTER (WHERE closed_within_slo IS NOT NULL)
    END AS slo_rate,
    count(*) FILTER (WHERE status <> 'dropped') < 5 AS small_sample,
    count(*) FILTER (WHERE done_on_time IS NOT NULL) < 5 AS on_time_small_sample,
    count(*) FILTER (WHERE closed_within_slo IS NOT NULL) < 5 AS slo_small_sample
FROM action_items(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    action_slo_days := action_slo_days
);

-- The same numbers grouped by dimension: 'owner' | 'service' | 'team' | 'level' | 'month'
-- (month of the incident's start). An item of an incident with two services (teams)
-- counts under both, as it does under either one's filter; the team is the incident's,
-- whoever owns the item. Missing owner / level / service / team show as NULL.
CREATE OR REPLACE MACRO actions_by(
    dimension, as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    action_slo_days := archive_action_slo_days()
) AS TABLE
WITH a AS (
    SELECT *, unnest(CASE
        WHEN dimension = 'service' AND len(services) > 0 THEN services
        WHEN dimension = 'team' AND len(teams) > 0 THEN teams
        ELSE [NULL]
    END) AS by_list
    FROM action_rows(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, action_slo_days := action_slo_days
    )
)
SELECT
    CASE dimension
        WHEN 'owner' THEN owner WHEN 'service' THEN by_list WHEN 'team' THEN by_list
        WHEN 'level' THEN level WHEN 'month' THEN month
        ELSE error('actions_by: dimension must be owner, service, team, level or month')
    END AS key,
    count(*) AS total,
    count(*) FILTER (WHERE status = 'open') AS open,
    count(*) FILTER (WHERE status = 'done') AS done,
    count(*) FILTER (WHERE status = 'dropped') AS dropped,
    count(*) FILTER (WHERE overdue) AS overdue,
    CASE WHEN count(*) FILTER (WHERE status <> 'dropped') > 0
        THEN count(*) FILTER (WHERE status = 'done') / count(*) FILTER (WHERE status <> 'dropped')
    END AS completion_rate,
    count(*) FILTER (WHERE done_on_time) AS done_on_time,
    count(*) FILTER (WHERE done_on_time IS NOT NULL) AS done_with_dates,
    CASE WHEN count(*) FILTER (WHERE done_on_time IS NOT NULL) > 0
        THEN count(*) FILTER (WHERE done_on_time) / count(*) FILTER (WHERE done_on_time IS NOT NULL)
    END AS on_time_rate,
    count(*) FILTER (WHERE status <> 'dropped' AND owner IS NULL) AS no_owner,
    count(*) FILTER (WHERE status <> 'dropped' AND due IS NULL) AS no_due,
    quantile_cont(days_to_close, 0.5) AS median_days_to_close,
    count(days_to_close) AS days_to_close_n,  -- done items with a done and a postmortem date
    count(*) FILTER (WHERE closed_within_slo) AS closed_within_slo,
    count(*) FILTER (WHERE closed_within_slo IS NOT NULL) AS slo_decided,
    count(*) FILTER (WHERE status <> 'dropped') < 5 AS small_sample,
    count(*) FILTER (WHERE done_on_time IS NOT NULL) < 5 AS on_time_small_sample,
    count(*) FILTER (WHERE closed_within_slo IS NOT NULL) < 5 AS slo_small_sample
FROM a
GROUP BY key
ORDER BY key NULLS LAST;

-- Open items whose due date is before as_of, most overdue first.
CREATE OR REPLACE MACRO overdue_actions(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    action_slo_days := archive_action_slo_days()
) AS TABLE
SELECT postmortem_id, postmortem_title, seq, kind, title, owner, due, level, ticket,
       date_diff('day', due, coalesce(as_of, current_date)) AS days_overdue
FROM action_items(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    action_slo_days := action_slo_days
)
WHERE overdue
ORDER BY due, postmortem_id, seq;

-- Open items by age bucket (days since the postmortem date): 0-7, 8-28, 29-90, over 90.
CREATE OR REPLACE MACRO action_aging(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    action_slo_days := archive_action_slo_days()
) AS TABLE
WITH buckets AS (
    SELECT * FROM (VALUES (1, '0-7 days', -100000, 7), (2, '8-28 days', 8, 28),
                          (3, '29-90 days', 29, 90), (4, 'over 90 days', 91, 100000000))
        AS b(ord, bucket, lo, hi)
),
a AS (
    SELECT * FROM action_items(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, action_slo_days := action_slo_days
    ) WHERE status = 'open'
)
SELECT b.bucket, count(a.age_days) AS open, count(a.age_days) FILTER (WHERE a.overdue) AS overdue
FROM buckets AS b LEFT JOIN a ON a.age_days BETWEEN b.lo AND b.hi
GROUP BY b.ord, b.bucket
ORDER BY b.ord;

-- Fixes and actions of the scoped incidents (of any month) done between two local dates,
-- both inclusive, by their done date: the review's "closed in the month".
CREATE OR REPLACE MACRO actions_closed(
    closed_from, closed_to, as_of := NULL, start_date := NULL, end_date := NULL,
    severity_in := NULL, service_in := NULL, category_in := NULL, team_in := NULL,
    action_slo_days := archive_action_slo_days()
) AS TABLE
SELECT *
FROM action_items(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    action_slo_days := action_slo_days
)
WHERE status = 'done'
  AND done >= CAST(closed_from AS DATE) AND done <= CAST(closed_to AS DATE)
ORDER BY done, postmortem_id, seq;
