-- Fix effectiveness: did the fix hold?
--
-- Definition (SPEC "Metrics" 5): a done fix *held* when no incident sharing a service and
-- the primary category with the fixed incident started within window_days x 24 h after its
-- done date (from 00:00 local of the done date, both ends inclusive); *recurred* otherwise;
-- *watching* while that window is still open at as_of (as_of_ts <= done + window, and no
-- recurrence yet). Only incidents before as_of exist, so an outcome never looks ahead.
-- Fixes not done are 'not_done' (a fix done on or after the as_of date is not done yet at
-- as_of: actions_at), dropped ones 'dropped' (abandoned, not pending: they read as open
-- work when they were 'not_done' too); a done fix without a done date, or of an incident
-- with no category or no service (no incident can share both with it), is 'unknown'.
-- Intrinsic: the recurring incident may lie outside the filters.
--
-- Views/macros: fix_recurrences_live, fact_fix_recurrence, fix_recurrences, fix_outcome_rows,
-- fix_outcomes, fix_effectiveness, fixes_recurred.

-- Per fix done (as it stood at as_of, with a done date) of universe(as_of): the first
-- incident after its done date sharing a service and the primary category with the fixed
-- incident, within the window (recurred_at, recurred_by); fixes that did not recur are
-- left out. Per (service, category) key, incidents are grouped by start instant ("spots",
-- ids by id); an ASOF join finds the first spot at or after the done date; when the fixed
-- incident is alone in it, the next spot. Ties: the smallest id.
CREATE OR REPLACE MACRO fix_recurrences_live(as_of := NULL,
    window_days := archive_window_days()) AS TABLE
WITH probes AS (
    SELECT postmortem_id, seq, category, epoch(local_ts(done)) AS done_s,
        unnest(services) AS service
    FROM actions_at(as_of := as_of)
    WHERE kind = 'fix' AND status = 'done' AND done IS NOT NULL AND category IS NOT NULL
),
spots AS (
    SELECT service, category, started_s, any_value(started) AS started, list(id ORDER BY id) AS ids
    FROM (
        SELECT id, category, started, started_s, unnest(services) AS service
        FROM universe(as_of := as_of)
        WHERE category IS NOT NULL
    )
    GROUP BY service, category, started_s
),
spots_next AS (
    SELECT *,
        lead(started_s) OVER w AS next_s,
        lead(started) OVER w AS next_started,
        lead(ids) OVER w AS next_ids
    FROM spots
    WINDOW w AS (PARTITION BY service, category ORDER BY started_s)
),
hits AS (
    SELECT p.postmortem_id, p.seq, p.done_s,
           list_filter(s.ids, lambda x: x <> p.postmortem_id) AS others, s.started_s, s.started,
           s.next_s, s.next_started, s.next_ids
    FROM probes AS p
    ASOF JOIN spots_next AS s
      ON s.service = p.service AND s.category = p.category AND s.started_s >= p.done_s
),
firsts AS (
    SELECT postmortem_id, seq, done_s,
        CASE WHEN len(others) > 0 THEN started_s ELSE next_s END AS hit_s,
        CASE WHEN len(others) > 0 THEN started ELSE next_started END AS hit_started,
        CASE WHEN len(others) > 0 THEN others[1] ELSE next_ids[1] END AS hit_id
    FROM hits
)
SELECT postmortem_id, seq, min(hit_started) AS recurred_at,
       first(hit_id ORDER BY hit_s, hit_id) AS recurred_by
FROM firsts
WHERE hit_s <= done_s + CAST(window_days AS BIGINT) * 86400
GROUP BY postmortem_id, seq;

-- Stored at ingest for the default window over every incident and the recorded done dates
-- (see fact_recurrence). At an as_of, a fix counts as recurred when its first recurrence
-- started before as_of: the first one after the done date does not depend on as_of, and
-- a fix done on or after as_of is not done at as_of (fix_outcomes checks its status).
CREATE OR REPLACE FACT fact_fix_recurrence AS
SELECT * FROM fix_recurrences_live(
    as_of := DATE '9999-12-31', window_days := archive_window_days()
);

CREATE OR REPLACE MACRO fix_recurrences(as_of := NULL,
    window_days := archive_window_days()) AS TABLE
SELECT * FROM fact_fix_recurrence
WHERE window_days = archive_window_days() AND recurred_at < as_of_ts(as_of)
UNION ALL
SELECT * FROM fix_recurrences_live(as_of := as_of, window_days := window_days)
WHERE window_days <> archive_window_days();

-- One row per fix of the scoped incidents with its outcome, unordered (what the counts
-- read). With id_in, only the fixes of these postmortems.
CREATE OR REPLACE MACRO fix_outcome_rows(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    id_in := NULL
) AS TABLE
WITH f AS (
    SELECT a.*, epoch(local_ts(a.done)) AS done_s
    FROM scoped_actions(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in
    ) AS a
    WHERE a.kind = 'fix' AND (id_in IS NULL OR a.postmortem_id IN (SELECT unnest(id_in)))
)
SELECT
    f.postmortem_id, f.postmortem_title, f.seq, f.title AS fix, f.level, f.owner, f.status,
    f.done, f.services, f.category,
    CASE
        WHEN f.status = 'dropped' THEN 'dropped'
        WHEN f.status <> 'done' THEN 'not_done'
        WHEN f.done IS NULL THEN 'unknown'
        -- no category or no service: nothing can recur on it, and 'held' read as "it worked"
        WHEN f.category IS NULL OR coalesce(len(f.services), 0) = 0 THEN 'unknown'
        WHEN r.recurred_by IS NOT NULL THEN 'recurred'
        WHEN epoch(as_of_ts(as_of)) <= f.done_s + CAST(window_days AS BIGINT) * 86400
            THEN 'watching'
        ELSE 'held'
    END AS outcome,
    r.recurred_by,
    r.recurred_at,
    -- from 00:00 of the done date, where the window starts (not from the incident's start,
    -- as a repeat is counted: the incident that came back need not repeat the fixed one)
    (epoch(r.recurred_at) - f.done_s) / 86400.0 AS recurred_after_days,
    CAST(to_timestamp(f.done_s + CAST(window_days AS BIGINT) * 86400) AS TIMESTAMPTZ)
        AS window_ends,
    f.started
FROM f
LEFT JOIN fix_recurrences(as_of := as_of, window_days := window_days) AS r
  ON r.postmortem_id = f.postmortem_id AND r.seq = f.seq
 AND f.status = 'done' AND f.done IS NOT NULL AND f.category IS NOT NULL;

-- fix_outcome_rows in a stable order (the API's listing): by incident start, postmortem, seq.
CREATE OR REPLACE MACRO fix_outcomes(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    id_in := NULL
) AS TABLE
SELECT * EXCLUDE (started)
FROM fix_outcome_rows(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    window_days := window_days, id_in := id_in
)
ORDER BY started, postmortem_id, seq;

-- Counts per outcome (all six rows, in order).
CREATE OR REPLACE MACRO fix_effectiveness(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days()
) AS TABLE
WITH o AS (
    SELECT * FROM fix_outcome_rows(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, window_days := window_days
    )
)
SELECT b.outcome, count(o.outcome) AS count
FROM (
    VALUES (1, 'held'), (2, 'recurred'), (3, 'watching'), (4, 'not_done'), (5, 'dropped'),
        (6, 'unknown')
) AS b(ord, outcome)
LEFT JOIN o ON o.outcome = b.outcome
GROUP BY b.ord, b.outcome
ORDER BY b.ord;

-- Done fixes of the scoped incidents (of any month) whose recurrence started between two
-- local dates, both inclusive: "fixes that did not hold" in a month. fix_outcomes' rows
-- whose outcome is 'recurred' (a done fix with a done date and a category, and a
-- recurrence) in that range; the recurrences are cut to the range before the join, not
-- every fix's outcome computed and then filtered (the SQL at 100k: 30-36 -> 16-19 ms).
CREATE OR REPLACE MACRO fixes_recurred(
    recurred_from, recurred_to, as_of := NULL, start_date := NULL, end_date := NULL,
    severity_in := NULL, service_in := NULL, category_in := NULL, team_in := NULL,
    window_days := archive_window_days()
) AS TABLE
WITH r AS (
    SELECT postmortem_id, seq, recurred_by, recurred_at
    FROM fix_recurrences(as_of := as_of, window_days := window_days)
    WHERE CAST(timezone(archive_tz(), recurred_at) AS DATE) >= CAST(recurred_from AS DATE)
      AND CAST(timezone(archive_tz(), recurred_at) AS DATE) <= CAST(recurred_to AS DATE)
)
SELECT
    f.postmortem_id, f.postmortem_title, f.seq, f.title AS fix, f.level, f.owner, f.status,
    f.done, f.services, f.category, 'recurred' AS outcome, r.recurred_by, r.recurred_at,
    (epoch(r.recurred_at) - epoch(local_ts(f.done))) / 86400.0 AS recurred_after_days,
    CAST(to_timestamp(epoch(local_ts(f.done)) + CAST(window_days AS BIGINT) * 86400)
        AS TIMESTAMPTZ) AS window_ends
FROM scoped_actions(
    as_of := as_of, start_date := start_date, end_date := end_date,
    severity_in := severity_in, service_in := service_in, category_in := category_in,
    team_in := team_in
) AS f
JOIN r ON r.postmortem_id = f.postmortem_id AND r.seq = f.seq
WHERE f.kind = 'fix' AND f.status = 'done' AND f.done IS NOT NULL AND f.category IS NOT NULL
ORDER BY recurred_at, postmortem_id, seq;
