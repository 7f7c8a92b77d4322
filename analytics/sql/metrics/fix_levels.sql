-- Fix levels: at which chain level do postmortems land their fix?
--
-- Definition (SPEC "Metrics" 2): count the fixes (the `fix` entries, whatever their status)
-- of the scoped incidents by level L1-L5, plus `unleveled` (a fix with no level) and
-- `no_fix` (a postmortem with none). L5 share = L5 fixes / leveled fixes (L1-L5).
-- The cross-tab counts chain_level (incident) against fix level; a fix at L5 for an
-- incident whose chain level is not L5 (or not stated) is the "L5 reflex".
--
-- Views/macros: fix_level_rows, fix_level_buckets, fix_levels, l5_share, fix_level_crosstab,
-- l5_reflex (fix_levels_by_month is in monthly.sql).

-- One row per fix of the scoped incidents (its level, or 'unleveled') and one per scoped
-- postmortem with no fix ('no_fix'), with the incident's month and chain level: what
-- fix_levels and fix_level_crosstab count. Both from the scoped rows alone, without a
-- join: fixes carry their incident's facts (scoped_actions), and fix_count is the number
-- of the postmortem's fix entries, each of which is a 'fix' row of its actions.
CREATE OR REPLACE MACRO fix_level_rows(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL
) AS TABLE
SELECT a.postmortem_id, a.month, a.chain_level, coalesce(a.level, 'unleveled') AS level
FROM scoped_actions(
    as_of := as_of, start_date := start_date, end_date := end_date,
    severity_in := severity_in, service_in := service_in, category_in := category_in, team_in := team_in
) AS a
WHERE a.kind = 'fix'
UNION ALL
SELECT s.id, s.month, s.chain_level, 'no_fix'
FROM scoped_incidents(
    as_of := as_of, start_date := start_date, end_date := end_date,
    severity_in := severity_in, service_in := service_in, category_in := category_in, team_in := team_in
) AS s
WHERE s.fix_count = 0;

-- The seven buckets in order.
CREATE OR REPLACE MACRO fix_level_buckets() AS TABLE
SELECT * FROM (VALUES (1, 'L1'), (2, 'L2'), (3, 'L3'), (4, 'L4'), (5, 'L5'),
                      (6, 'unleveled'), (7, 'no_fix')) AS b(ord, level);

-- Counts per bucket, always all seven rows in order L1..L5, unleveled, no_fix.
CREATE OR REPLACE MACRO fix_levels(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL
) AS TABLE
WITH f AS (
    SELECT * FROM fix_level_rows(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in, team_in := team_in
    )
)
SELECT b.level, count(f.level) AS count
FROM fix_level_buckets() AS b LEFT JOIN f ON f.level = b.level
GROUP BY b.ord, b.level
ORDER BY b.ord;

-- L5 share = L5 / leveled fixes.
CREATE OR REPLACE MACRO l5_share(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL
) AS TABLE
WITH f AS (
    SELECT * FROM fix_levels(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in, team_in := team_in
    )
)
SELECT
    CAST(sum(count) FILTER (WHERE level = 'L5') AS BIGINT) AS l5,
    CAST(sum(count) FILTER (WHERE level LIKE 'L_') AS BIGINT) AS leveled,
    CASE WHEN sum(count) FILTER (WHERE level LIKE 'L_') > 0
        THEN sum(count) FILTER (WHERE level = 'L5') / sum(count) FILTER (WHERE level LIKE 'L_')
    END AS l5_share,
    sum(count) FILTER (WHERE level LIKE 'L_') < 5 AS small_sample
FROM f;

-- chain_level x fix level, long form (chain_level 'none' when not stated; fix_level
-- 'unleveled' / 'no_fix' as in fix_levels).
CREATE OR REPLACE MACRO fix_level_crosstab(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL
) AS TABLE
SELECT coalesce(chain_level, 'none') AS chain_level, level AS fix_level, count(*) AS count
FROM fix_level_rows(
    as_of := as_of, start_date := start_date, end_date := end_date,
    severity_in := severity_in, service_in := service_in, category_in := category_in, team_in := team_in
)
GROUP BY ALL
ORDER BY chain_level, fix_level;

-- Fixes at L5 whose incident's chain level is not L5 (or not stated).
CREATE OR REPLACE MACRO l5_reflex(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL
) AS TABLE
SELECT a.postmortem_id, a.postmortem_title, a.started, a.chain_level, a.seq, a.title AS fix,
       a.owner, a.status
FROM scoped_actions(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in
) AS a
WHERE a.kind = 'fix' AND a.level = 'L5' AND coalesce(a.chain_level, '') <> 'L5'
ORDER BY a.started, a.postmortem_id, a.seq;
