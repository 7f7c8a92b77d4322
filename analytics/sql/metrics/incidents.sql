-- Incidents: the explorer's list, one row per scoped incident with its intrinsic facts.
--
-- Columns: the postmortem's own fields, plus is_repeat / repeat_of / recurred_while_open
-- (recurrence), in_pattern (member of any pattern), ttp_state / ttp_hours / ttp_late
-- (time to postmortem), fixes, open_actions, overdue_actions (fix and actions).
--
-- Views/macros: incident_rows, incident_list.

-- incident_list without repeat_of (the explorer's table does not show it; at large sizes
-- it is the costliest column). With id_in, only those of the scoped incidents (a few rows
-- of a large archive, e.g. a pattern's members, without converting every row).
CREATE OR REPLACE MACRO incident_rows(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    pattern_min := archive_pattern_min(), ttp_hours := archive_ttp_hours(), id_in := NULL
) AS TABLE
WITH s AS (
    SELECT * FROM scoped_incidents(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in
    )
    WHERE id_in IS NULL OR id IN (SELECT unnest(id_in))
),
r AS (
    SELECT id, is_repeat, recurred_while_open FROM recurrence_scoped(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, window_days := window_days
    )
),
t AS (
    SELECT id, ttp_state, hours, approximate, late FROM ttp_incidents(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, ttp_hours := ttp_hours
    )
),
pm AS (
    SELECT DISTINCT id FROM pattern_members(
        as_of := as_of, window_days := window_days, pattern_min := pattern_min
    )
),
a AS (
    SELECT
        postmortem_id,
        count(*) FILTER (WHERE kind = 'fix') AS fixes,
        count(*) FILTER (WHERE status = 'open') AS open_actions,
        count(*) FILTER (WHERE status = 'open' AND due < coalesce(as_of, current_date))
            AS overdue_actions
    FROM actions_at(as_of := as_of) GROUP BY postmortem_id
)
SELECT
    s.id, s.title, s.path, s.status, s.severity, s.services, s.category, s.categories, s.tags,
    s.teams, s.started, s.started_date, s.month, s.detected, s.resolved, s.postmortem_date,
    s.timeline_written, s.chain_level, s.authors,
    r.is_repeat, r.recurred_while_open,
    s.id IN (SELECT id FROM pm) AS in_pattern,
    t.ttp_state, t.hours AS ttp_hours, t.approximate AS ttp_approximate, t.late AS ttp_late,
    coalesce(a.fixes, 0) AS fixes,
    coalesce(a.open_actions, 0) AS open_actions,
    coalesce(a.overdue_actions, 0) AS overdue_actions
FROM s
JOIN r ON r.id = s.id
JOIN t ON t.id = s.id
LEFT JOIN a ON a.postmortem_id = s.id
ORDER BY s.started DESC, s.id;

-- One row per scoped incident (incident_rows), with repeat_of: the earlier incidents it
-- repeats, by start (see recurrence_incidents).
CREATE OR REPLACE MACRO incident_list(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    pattern_min := archive_pattern_min(), ttp_hours := archive_ttp_hours()
) AS TABLE
SELECT i.*, coalesce(l.repeat_of, []) AS repeat_of
FROM incident_rows(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    window_days := window_days, pattern_min := pattern_min, ttp_hours := ttp_hours
) AS i
LEFT JOIN repeat_of_lists(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    window_days := window_days
) AS l ON l.id = i.id
ORDER BY i.started DESC, i.id;
