-- Patterns: a primary category, or a service x primary category pair, that keeps coming back.
--
-- Definition (SPEC "Metrics" 1): a key with at least pattern_min incidents whose start times
-- span at most window_days x 24 h. count = the most incidents of the key in any such span;
-- ids = every incident of the key lying in some span that holds at least pattern_min;
-- first / last = local dates of the earliest / latest of those; active = one of them started
-- in the window_days x 24 h before as_of (inclusive).
-- Spans are found by starting a window at each incident: any qualifying span fits in the
-- window that starts at its own earliest incident.
-- Membership is intrinsic (computed over every incident before as_of); the filters only
-- choose which patterns are listed: those with at least one member in scope.
--
-- Views/macros: pattern_keyed_live, fact_pattern_keyed, pattern_members,
-- patterns, patterns_since, new_patterns, pattern_tags.

-- One row per (pattern key, incident) over the whole archive before as_of, with what
-- membership needs: n = incidents in the window starting at this incident (a forward RANGE
-- frame over epoch seconds, peers included); reached = the largest n of the windows starting
-- at most window_days x 24 h before it (a backward RANGE frame): it is a member when reached
-- >= pattern_min; best = the key's largest n; c = the key's incidents strictly before it;
-- n_total = the key's incidents. severity, services, teams: the incident's, so that whether
-- a member is in the filters needs no join (in_filters).
CREATE OR REPLACE MACRO pattern_keyed_live(as_of := NULL,
    window_days := archive_window_days()) AS TABLE
WITH u AS (SELECT * FROM universe(as_of := as_of) WHERE category IS NOT NULL),
keyed AS (
    SELECT id, category, CAST(NULL AS VARCHAR) AS service, started, started_s, started_date
    FROM u
    UNION
    SELECT id, category, unnest(services) AS service, started, started_s, started_date
    FROM u
),
counted AS (
    SELECT *,
        count(*) OVER (
            PARTITION BY category, service ORDER BY started_s
            RANGE BETWEEN CURRENT ROW AND CAST(window_days AS BIGINT) * 86400 FOLLOWING
        ) AS n,
        rank() OVER (PARTITION BY category, service ORDER BY started_s) - 1 AS c,
        count(*) OVER (PARTITION BY category, service) AS n_total
    FROM keyed
),
windowed AS (  -- the windows sort narrow rows; the incident's facts are joined after
    SELECT *,
        max(n) OVER (
            PARTITION BY category, service ORDER BY started_s
            RANGE BETWEEN CAST(window_days AS BIGINT) * 86400 PRECEDING AND CURRENT ROW
        ) AS reached,
        max(n) OVER (PARTITION BY category, service) AS best
    FROM counted
)
SELECT w.*, u.severity, u.services, u.teams
FROM windowed AS w
JOIN u ON u.id = w.id;

-- Stored at ingest for the default window over every incident (see fact_recurrence);
-- pkey numbers the (category, service) keys. member_from: from which instant (epoch
-- seconds) the incident is a member for archive_pattern_min(), NULL: never. At as_of A the
-- window starting at incident j holds the key's incidents of [start_j, start_j + window]
-- that started before A, so it holds pattern_min of them once the pattern_min-th of them
-- (counted from j's first peer) has started, if that lies within the window. The incident
-- is a member when a window starting at most a window before it does: member_from = the
-- least such start over those windows, and it is a member at A iff member_from < A (the
-- stored n and reached answer for any other pattern_min). third_s counts from the row
-- itself, not from its first peer: a later peer's is never less than the first peer's, and
-- every frame holding one holds both, so the least start is the same.
CREATE OR REPLACE FACT fact_pattern_keyed AS
WITH k AS (
    SELECT dense_rank() OVER (ORDER BY category, service NULLS FIRST) AS pkey, *
    FROM pattern_keyed_live(as_of := DATE '9999-12-31', window_days := archive_window_days())
),
third AS (
    SELECT *,
        lead(started_s, archive_pattern_min() - 1) OVER (PARTITION BY pkey ORDER BY started_s)
            AS third_s
    FROM k
)
SELECT * EXCLUDE (third_s),
    min(CASE
        WHEN third_s <= started_s + CAST(archive_window_days() AS BIGINT) * 86400 THEN third_s
    END) OVER (
        PARTITION BY pkey ORDER BY started_s
        RANGE BETWEEN CAST(archive_window_days() AS BIGINT) * 86400 PRECEDING AND CURRENT ROW
    ) AS member_from
FROM third;

-- One row per (pattern key, member incident), over the whole archive before as_of, with the
-- incident's severity, services and teams (for in_filters).
-- For the default window it is derived from fact_pattern_keyed. For archive_pattern_min()
-- an incident is a member iff its member_from is before A (no window at query time). For
-- another pattern_min: at as_of (A) an incident's forward window holds the incidents of
-- [start, start + window] that started before A: n = least(stored n, the key's incidents
-- before A - c). That changes n only for windows that reach A, so `reached` is recomputed
-- only for incidents of keys with incidents on or after A that started at most a window
-- before A (their backward frames start at most two windows before A); the rest keep the
-- stored value. count (the key's largest n at A) is the same either way.
CREATE OR REPLACE MACRO pattern_members(as_of := NULL, window_days := archive_window_days(),
    pattern_min := archive_pattern_min())
AS TABLE
WITH k AS (
    SELECT * FROM fact_pattern_keyed
    WHERE window_days = archive_window_days() AND started < as_of_ts(as_of)
),
now AS (SELECT pkey, count(*) AS n_now FROM k GROUP BY pkey),
sized AS (
    SELECT k.* REPLACE (least(k.n, now.n_now - k.c) AS n), now.n_now < k.n_total AS cut_key
    FROM k
    JOIN now ON now.pkey = k.pkey
),
recut AS (
    SELECT pkey, id, max(n) OVER (
        PARTITION BY pkey ORDER BY started_s
        RANGE BETWEEN CAST(window_days AS BIGINT) * 86400 PRECEDING AND CURRENT ROW
    ) AS reached
    FROM sized
    WHERE pattern_min <> archive_pattern_min() AND cut_key
      AND started_s >= epoch(as_of_ts(as_of)) - 2 * CAST(window_days AS BIGINT) * 86400
),
best AS (SELECT pkey, max(n) AS count FROM sized GROUP BY pkey),
stored AS (
    SELECT s.category, s.service, b.count, s.id, s.started, s.started_date, s.severity,
        s.services, s.teams,
        CASE
            WHEN pattern_min = archive_pattern_min() THEN s.member_from < epoch(as_of_ts(as_of))
            WHEN s.cut_key
             AND s.started_s >= epoch(as_of_ts(as_of)) - CAST(window_days AS BIGINT) * 86400
            THEN r.reached >= pattern_min
            ELSE s.reached >= pattern_min
        END AS member
    FROM sized AS s
    JOIN best AS b ON b.pkey = s.pkey
    LEFT JOIN recut AS r ON r.pkey = s.pkey AND r.id = s.id
)
SELECT category, service, count, id, started, started_date, severity, services, teams
FROM stored
WHERE member
UNION ALL
SELECT category, service, best AS count, id, started, started_date, severity, services, teams
FROM pattern_keyed_live(as_of := as_of, window_days := window_days)
WHERE window_days <> archive_window_days() AND reached >= pattern_min;

-- One row per pattern with at least one member among the scoped incidents. members: how
-- many ids it has. With latest, ids holds only the latest `latest` of them (a page shows a
-- few: at 100k, latest = 10 saves about a third; past ~50 nothing, max_by's heap grows).
CREATE OR REPLACE MACRO patterns(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    window_days := archive_window_days(), pattern_min := archive_pattern_min(),
    latest := NULL
) AS TABLE
WITH m AS (
    SELECT *, in_filters(
        started_date, severity, services, category, teams,
        start_date, end_date, severity_in, service_in, category_in, team_in
    ) AS in_scope  -- a member is an incident of universe(as_of): in scope if in the filters
    FROM pattern_members(as_of := as_of, window_days := window_days, pattern_min := pattern_min)
)
SELECT
    category,
    service,
    max(count) AS count,
    min(started_date) AS first,
    max(started_date) AS last,
    max(epoch(started)) >= epoch(as_of_ts(as_of)) - CAST(window_days AS BIGINT) * 86400 AS active,
    CASE  -- latest is a constant: only one of the two lists is built
        WHEN latest IS NULL THEN list(id ORDER BY started, id)
        ELSE list_reverse(max_by(id, (started, id), coalesce(latest, 1)))
    END AS ids,
    count(*) FILTER (WHERE in_scope) AS ids_in_scope,
    count(*) AS members
FROM m
GROUP BY category, service
HAVING count(*) FILTER (WHERE in_scope) > 0
ORDER BY active DESC, count DESC, category, service NULLS FIRST;

-- Patterns listed at as_of, each with `new`: not listed at `since` (an earlier date), with
-- the same filters but the dates. Over a month (since: its first day; as_of: the next
-- month's first day) it gives the month's new and active patterns in one pass. The dates
-- choose which incidents' patterns are listed; whether a pattern was there at `since` is
-- the archive's state then: with the dates set to the month, no member at `since` (all
-- started before it) was in them, and every pattern read as new (review R13: a pattern
-- since 2024 "new in 2026-10").
CREATE OR REPLACE MACRO patterns_since(
    since, as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    window_days := archive_window_days(), pattern_min := archive_pattern_min(),
    latest := NULL
) AS TABLE
SELECT p.*, b.category IS NULL AS new
FROM patterns(
    as_of := as_of, start_date := start_date, end_date := end_date,
    severity_in := severity_in, service_in := service_in, category_in := category_in,
    team_in := team_in, window_days := window_days, pattern_min := pattern_min, latest := latest
) AS p
LEFT JOIN (
    -- the keys patterns(as_of := since) lists: a member among the incidents in scope then
    SELECT DISTINCT m.category, m.service
    FROM pattern_members(
        as_of := CAST(since AS DATE), window_days := window_days, pattern_min := pattern_min
    ) AS m
    WHERE in_filters(  -- the members at `since` started before it: in scope if in the filters
        m.started_date, m.severity, m.services, m.category, m.teams,
        NULL, NULL, severity_in, service_in, category_in, team_in
    )
) AS b ON b.category = p.category AND b.service IS NOT DISTINCT FROM p.service
ORDER BY p.active DESC, p.count DESC, p.category, p.service NULLS FIRST;

-- Patterns listed at as_of that were not listed at `since`: the patterns that formed
-- between the two, e.g. in a month.
CREATE OR REPLACE MACRO new_patterns(
    since, as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    window_days := archive_window_days(), pattern_min := archive_pattern_min()
) AS TABLE
SELECT * EXCLUDE (new)
FROM patterns_since(
    since, as_of := as_of, start_date := start_date, end_date := end_date,
    severity_in := severity_in, service_in := service_in, category_in := category_in,
    team_in := team_in, window_days := window_days, pattern_min := pattern_min
)
WHERE new
ORDER BY active DESC, count DESC, category, service NULLS FIRST;

-- Per listed pattern and tag: how many of the pattern's incidents (its ids) carry the tag.
-- share = incidents / members; ids: those incidents, by start. A tag on most of a
-- pattern's incidents is a candidate cause.
CREATE OR REPLACE MACRO pattern_tags(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL,
    window_days := archive_window_days(), pattern_min := archive_pattern_min()
) AS TABLE
WITH p AS (
    SELECT category, service, ids FROM patterns(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, window_days := window_days, pattern_min := pattern_min
    )
),
members AS (SELECT category, service, len(ids) AS members, unnest(ids) AS id FROM p),
tagged AS (
    SELECT DISTINCT id, started, unnest(tags) AS tag FROM universe(as_of := as_of)
)
SELECT
    m.category,
    m.service,
    t.tag,
    count(*) AS incidents,
    any_value(m.members) AS members,
    count(*) / any_value(m.members) AS share,
    list(m.id ORDER BY t.started, m.id) AS ids
FROM members AS m
JOIN tagged AS t ON t.id = m.id
GROUP BY m.category, m.service, t.tag
ORDER BY m.category, m.service NULLS FIRST, incidents DESC, t.tag;
