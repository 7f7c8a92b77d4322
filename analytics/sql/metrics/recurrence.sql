-- Recurrence: is an incident a repeat of an earlier one, and the repeat rate.
--
-- Definition (SPEC "Metrics" 1): incident B *repeats* incident A when A started before B,
-- at most window_days x 24 h earlier, they share at least one service and have the same
-- primary category. Repeat rate = repeats / incidents, over the scoped incidents.
-- "By service alone" / "by category alone" relax the match to a shared service / the same
-- primary category only. Whether B is a repeat is intrinsic: the earlier incident A may lie
-- outside the filters (only as_of limits it, as nothing after "now" exists).
-- recurred_while_open: some fix or action of A was still open when B started (status open,
-- or done with a done date whose 00:00 local is after B's start).
--
-- Views/macros: incident_pairs, repeat_pairs, recurrence_incidents, repeat_rate,
-- repeat_rate_by_service, repeat_rate_by_category, repeat_matrix.

-- Every ordered pair (earlier A, later B) within the window that shares a service or a category.
CREATE OR REPLACE MACRO incident_pairs(as_of := NULL, window_days := 180) AS TABLE
WITH u AS (SELECT * FROM universe(as_of := as_of)),
open_follow_up AS (
    -- the instant until which each fix/action of A stayed open (NULL: open for good)
    SELECT
        postmortem_id,
        CASE WHEN status = 'done' THEN coalesce(local_ts(done), TIMESTAMPTZ '0001-01-01 00:00:00+00')
        END AS closed_at
    FROM stg_actions
    WHERE status <> 'dropped'
)
SELECT
    b.id,
    a.id AS earlier_id,
    b.started,
    a.started AS earlier_started,
    (b.started_s - a.started_s) / 86400.0 AS days_apart,
    b.category,
    list_intersect(a.services, b.services) AS shared_services,
    a.category = b.category AS same_category,
    len(list_intersect(a.services, b.services)) > 0 AS shares_service,
    coalesce((
        SELECT bool_or(o.closed_at IS NULL OR o.closed_at > b.started)
        FROM open_follow_up AS o WHERE o.postmortem_id = a.id
    ), false) AS recurred_while_open
FROM u AS b
JOIN u AS a
  ON a.started < b.started
 AND b.started_s - a.started_s <= CAST(window_days AS BIGINT) * 86400
 AND (a.category = b.category OR list_has_any(a.services, b.services));

-- The (earlier, later) pairs that make the later incident a repeat.
CREATE OR REPLACE MACRO repeat_pairs(as_of := NULL, window_days := 180) AS TABLE
SELECT id, earlier_id, started, earlier_started, days_apart, category, shared_services,
       recurred_while_open
FROM incident_pairs(as_of := as_of, window_days := window_days)
WHERE same_category AND shares_service;

-- One row per scoped incident: is it a repeat, of what, and was follow-through still open.
CREATE OR REPLACE MACRO recurrence_incidents(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := 180
) AS TABLE
WITH p AS (SELECT * FROM incident_pairs(as_of := as_of, window_days := window_days)),
agg AS (
    SELECT
        id,
        bool_or(same_category AND shares_service) AS is_repeat,
        bool_or(shares_service) AS is_repeat_service_alone,
        bool_or(same_category) AS is_repeat_category_alone,
        list(earlier_id ORDER BY earlier_started, earlier_id)
            FILTER (WHERE same_category AND shares_service) AS repeat_of,
        coalesce(bool_or(recurred_while_open) FILTER (WHERE same_category AND shares_service),
                 false) AS recurred_while_open
    FROM p GROUP BY id
)
SELECT
    s.id, s.title, s.path, s.severity, s.services, s.category, s.teams, s.started,
    s.started_date, s.month,
    coalesce(agg.is_repeat, false) AS is_repeat,
    coalesce(agg.is_repeat_service_alone, false) AS is_repeat_service_alone,
    coalesce(agg.is_repeat_category_alone, false) AS is_repeat_category_alone,
    coalesce(agg.repeat_of, []) AS repeat_of,
    coalesce(agg.recurred_while_open, false) AS recurred_while_open
FROM scoped_incidents(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in
) AS s
LEFT JOIN agg ON agg.id = s.id;

-- Headline: repeats / incidents (plus the service-alone and category-alone variants).
CREATE OR REPLACE MACRO repeat_rate(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := 180
) AS TABLE
SELECT
    count(*) AS incidents,
    count(*) FILTER (WHERE is_repeat) AS repeats,
    CASE WHEN count(*) > 0 THEN count(*) FILTER (WHERE is_repeat) / count(*) END AS repeat_rate,
    count(*) FILTER (WHERE is_repeat AND recurred_while_open) AS recurred_while_open,
    count(*) FILTER (WHERE is_repeat_service_alone) AS repeats_service_alone,
    CASE WHEN count(*) > 0 THEN count(*) FILTER (WHERE is_repeat_service_alone) / count(*) END
        AS repeat_rate_service_alone,
    count(*) FILTER (WHERE is_repeat_category_alone) AS repeats_category_alone,
    CASE WHEN count(*) > 0 THEN count(*) FILTER (WHERE is_repeat_category_alone) / count(*) END
        AS repeat_rate_category_alone,
    count(*) < 5 AS small_sample
FROM recurrence_incidents(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in, window_days := window_days
);

-- Per (incident, service): is it a repeat *through that service* (full and service-alone match).
CREATE OR REPLACE MACRO recurrence_by_service_rows(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := 180
) AS TABLE
WITH p AS (SELECT * FROM incident_pairs(as_of := as_of, window_days := window_days)),
per_service AS (
    SELECT id, unnest(shared_services) AS service, same_category FROM p
),
s AS (
    SELECT DISTINCT id, category, unnest(services) AS service
    FROM scoped_incidents(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in, team_in := team_in
    )
)
SELECT
    s.id, s.service, s.category,
    EXISTS (SELECT 1 FROM per_service AS x
            WHERE x.id = s.id AND x.service = s.service AND x.same_category) AS is_repeat,
    EXISTS (SELECT 1 FROM per_service AS x
            WHERE x.id = s.id AND x.service = s.service) AS is_repeat_service_alone
FROM s
WHERE service_in IS NULL OR list_contains(service_in, s.service);

-- Repeat rate per affected service (an incident counts once under each of its services).
CREATE OR REPLACE MACRO repeat_rate_by_service(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := 180
) AS TABLE
SELECT
    service,
    count(*) AS incidents,
    count(*) FILTER (WHERE is_repeat) AS repeats,
    count(*) FILTER (WHERE is_repeat) / count(*) AS repeat_rate,
    count(*) FILTER (WHERE is_repeat_service_alone) AS repeats_service_alone,
    count(*) FILTER (WHERE is_repeat_service_alone) / count(*) AS repeat_rate_service_alone,
    count(*) < 5 AS small_sample
FROM recurrence_by_service_rows(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in, window_days := window_days
)
GROUP BY service
ORDER BY repeats DESC, incidents DESC, service;

-- Repeat rate per primary category (full match and category-alone match).
CREATE OR REPLACE MACRO repeat_rate_by_category(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := 180
) AS TABLE
SELECT
    category,
    count(*) AS incidents,
    count(*) FILTER (WHERE is_repeat) AS repeats,
    count(*) FILTER (WHERE is_repeat) / count(*) AS repeat_rate,
    count(*) FILTER (WHERE is_repeat_category_alone) AS repeats_category_alone,
    count(*) FILTER (WHERE is_repeat_category_alone) / count(*) AS repeat_rate_category_alone,
    count(*) < 5 AS small_sample
FROM recurrence_incidents(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in, window_days := window_days
)
GROUP BY category
ORDER BY repeats DESC, incidents DESC, category NULLS LAST;

-- Service x primary category matrix: incidents and repeats through that service.
CREATE OR REPLACE MACRO repeat_matrix(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := 180
) AS TABLE
SELECT
    service,
    category,
    count(*) AS incidents,
    count(*) FILTER (WHERE is_repeat) AS repeats,
    count(*) FILTER (WHERE is_repeat) / count(*) AS repeat_rate,
    count(*) < 5 AS small_sample
FROM recurrence_by_service_rows(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in, window_days := window_days
)
GROUP BY service, category
ORDER BY repeats DESC, incidents DESC, service, category NULLS LAST;
