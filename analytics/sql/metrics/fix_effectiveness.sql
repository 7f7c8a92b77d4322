-- Fix effectiveness: did the fix hold?
--
-- Definition (SPEC "Metrics" 5): a done fix *held* when no incident sharing a service and
-- the primary category with the fixed incident started within window_days x 24 h after its
-- done date (from 00:00 local of the done date, both ends inclusive); *recurred* otherwise;
-- *watching* while that window is still open at as_of (as_of_ts <= done + window, and no
-- recurrence yet). Only incidents before as_of exist, so an outcome never looks ahead.
-- Fixes not done are 'not_done' (a fix done on or after the as_of date is not done yet at
-- as_of: actions_at); a done fix without a done date is 'unknown'.
-- Intrinsic: the recurring incident may lie outside the filters.
--
-- Views/macros: fix_outcomes, fix_effectiveness, fixes_recurred.

-- One row per fix of the scoped incidents with its outcome.
CREATE OR REPLACE MACRO fix_outcomes(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := 180
) AS TABLE
WITH f AS (
    SELECT a.*, epoch(local_ts(a.done)) AS done_s
    FROM actions_at(as_of := as_of) AS a
    WHERE a.kind = 'fix' AND a.postmortem_id IN (
        SELECT id FROM scoped_incidents(
            as_of := as_of, start_date := start_date, end_date := end_date,
            severity_in := severity_in, service_in := service_in, category_in := category_in,
            team_in := team_in
        )
    )
),
recurrences AS (
    SELECT f.postmortem_id, f.seq, min(u.started) AS recurred_at,
           arg_min(u.id, u.started) AS recurred_by
    FROM f
    JOIN universe(as_of := as_of) AS u
      ON u.id <> f.postmortem_id
     AND u.category = f.category
     AND list_has_any(u.services, f.services)
     AND u.started_s >= f.done_s
     AND u.started_s <= f.done_s + CAST(window_days AS BIGINT) * 86400
    WHERE f.status = 'done'
    GROUP BY f.postmortem_id, f.seq
)
SELECT
    f.postmortem_id, f.postmortem_title, f.seq, f.title AS fix, f.level, f.owner, f.status,
    f.done, f.services, f.category,
    CASE
        WHEN f.status <> 'done' THEN 'not_done'
        WHEN f.done IS NULL THEN 'unknown'
        WHEN r.recurred_by IS NOT NULL THEN 'recurred'
        WHEN epoch(as_of_ts(as_of)) <= f.done_s + CAST(window_days AS BIGINT) * 86400
            THEN 'watching'
        ELSE 'held'
    END AS outcome,
    r.recurred_by,
    r.recurred_at,
    CAST(to_timestamp(f.done_s + CAST(window_days AS BIGINT) * 86400) AS TIMESTAMPTZ)
        AS window_ends
FROM f
LEFT JOIN recurrences AS r ON r.postmortem_id = f.postmortem_id AND r.seq = f.seq
ORDER BY f.started, f.postmortem_id, f.seq;

-- Counts per outcome (all five rows, in order).
CREATE OR REPLACE MACRO fix_effectiveness(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := 180
) AS TABLE
WITH o AS (
    SELECT * FROM fix_outcomes(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, window_days := window_days
    )
)
SELECT b.outcome, count(o.outcome) AS count
FROM (VALUES (1, 'held'), (2, 'recurred'), (3, 'watching'), (4, 'not_done'), (5, 'unknown'))
    AS b(ord, outcome)
LEFT JOIN o ON o.outcome = b.outcome
GROUP BY b.ord, b.outcome
ORDER BY b.ord;

-- Done fixes of the scoped incidents (of any month) whose recurrence started between two
-- local dates, both inclusive: "fixes that did not hold" in a month.
CREATE OR REPLACE MACRO fixes_recurred(
    recurred_from, recurred_to, as_of := NULL, start_date := NULL, end_date := NULL,
    severity_in := NULL, service_in := NULL, category_in := NULL, team_in := NULL,
    window_days := 180
) AS TABLE
SELECT *
FROM fix_outcomes(
    as_of := as_of, start_date := start_date, end_date := end_date,
    severity_in := severity_in, service_in := service_in, category_in := category_in,
    team_in := team_in, window_days := window_days
)
WHERE outcome = 'recurred'
  AND CAST(timezone(archive_tz(), recurred_at) AS DATE) >= CAST(recurred_from AS DATE)
  AND CAST(timezone(archive_tz(), recurred_at) AS DATE) <= CAST(recurred_to AS DATE)
ORDER BY recurred_at, postmortem_id, seq;
