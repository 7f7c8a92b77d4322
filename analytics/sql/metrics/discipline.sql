-- Discipline: which postmortems break the rules the numbers depend on.
--
-- Definition (SPEC "Metrics" 6), one boolean column per flag, per scoped postmortem:
--   late                   written after ttp_hours, or pending late (see time_to_postmortem)
--   timeline_missing       timeline_written not stated
--   timeline_reconstructed timeline_written = 'after'
--   no_chain_level         chain_level not stated
--   no_fix                 no `fix`
--   several_fixes          more than one `fix`
--   fix_not_owned / fix_not_dated / fix_not_testable   some fix lacks owner / due / test
--   fix_at_l5              some fix is at L5
--   fix_names_author       some fix's summary or test names a person from `authors`
--                          (the whole name, or a part of it of 3+ letters, as a word)
--   fix_is_feeling         some fix's summary is a feeling: "be more careful",
--                          "pay more attention", "remember to", "try harder", ...
-- `flags` lists the names of the flags that are set; `flag_count` counts them.
--
-- Views/macros: feeling_phrase, names_person, fact_fix_text, discipline.

-- True when a text is a resolution to feel or try, not a change. A double-check is one when
-- a person is to do it: said as an order ("Double-check the config before every deploy"),
-- or someone "to / will / should / must" do it ("Team to double-check the job schedule",
-- "Engineers must double-check the gates by hand") but not a machine ("Add a CI job to
-- double-check migrations"); a double-check a system does is a change ("Add a double-check
-- step to the pipeline", "Terraform plan double-checks drift").
CREATE OR REPLACE MACRO feeling_phrase(text) AS
    regexp_matches(
        lower(coalesce(text, '')),
        '\b(be (more )?careful|pay (more |closer )?attention|remember to|try harder|be more vigilant|be aware)\b'
    )
    OR regexp_matches(lower(coalesce(text, '')), '^\s*(please\s+)?double[- ]?check\b')
    OR (
        regexp_matches(
            lower(coalesce(text, '')),
            '\b(to|will|should|must|always|please|manually)\s+(always\s+)?double[- ]?check\b'
        )
        AND NOT regexp_matches(
            lower(coalesce(text, '')),
            '\b(ci|jobs?|scripts?|bots?|hooks?|gates?|steps?|pipelines?|checks?|tests?|alerts?|automation|tool(ing|s)?|lint(er)?|cron)\s+(to|will|should|must|always)\s+(always\s+)?double[- ]?check\b'
        )
    );

-- True when `text` names one of `people` (whole name, or a name part of 3+ letters, as a word).
-- The text is split into words once, not once per person (the stored fact at 100k: 550 ->
-- 360 ms).
CREATE OR REPLACE MACRO names_person(text, people) AS
    len(list_filter(
        coalesce(people, []),
        lambda p: len(p) > 0 AND contains(lower(coalesce(text, '')), lower(p))
    )) > 0
    OR list_has_any(
        flatten(list_transform(
            coalesce(people, []),
            lambda p: list_filter(
                string_split_regex(lower(p), '[^a-z0-9]+'), lambda w: len(w) >= 3
            )
        )),
        string_split_regex(lower(coalesce(text, '')), '[^a-z0-9]+')
    );

-- Per fix: does its text name an author, is it a feeling. The text never changes with as_of,
-- so the ingest stores it once (a FACT) instead of matching every fix per query.
CREATE OR REPLACE FACT fact_fix_text AS
SELECT
    a.postmortem_id,
    a.seq,
    names_person(a.title, i.authors) OR names_person(a.test, i.authors) AS names_author,
    feeling_phrase(a.title) AS is_feeling
FROM stg_actions AS a
JOIN stg_incidents AS i ON i.id = a.postmortem_id
WHERE a.kind = 'fix';

CREATE OR REPLACE MACRO discipline(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, ttp_hours := archive_ttp_hours(),
    id_in := NULL
) AS TABLE
WITH s AS (
    SELECT * FROM scoped_incidents(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in
    )
    WHERE id_in IS NULL OR id IN (SELECT unnest(id_in))
),
t AS (
    SELECT id, late, ttp_state, hours, hours_since_resolved, approximate FROM ttp_incidents(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, ttp_hours := ttp_hours
    )
),
fx AS (
    SELECT
        a.postmortem_id,
        count(*) AS fixes,
        bool_or(a.owner IS NULL) AS fix_not_owned,
        bool_or(a.due IS NULL) AS fix_not_dated,
        bool_or(a.test IS NULL OR trim(a.test) = '') AS fix_not_testable,
        bool_or(a.level = 'L5') AS fix_at_l5,
        bool_or(x.names_author) AS fix_names_author,
        bool_or(x.is_feeling) AS fix_is_feeling
    FROM actions_at(as_of := as_of) AS a
    JOIN s AS i ON i.id = a.postmortem_id
    JOIN fact_fix_text AS x ON x.postmortem_id = a.postmortem_id AND x.seq = a.seq
    WHERE a.kind = 'fix'
    GROUP BY a.postmortem_id
),
flagged AS (
    SELECT
        s.id, s.title, s.path, s.severity, s.services, s.category, s.started,
        t.ttp_state, t.hours AS ttp_hours,
        -- how long a pending-late one has waited, from resolved (or started: approximate)
        CASE WHEN t.ttp_state = 'pending_late' THEN t.hours_since_resolved END AS ttp_waiting_hours,
        t.approximate AS ttp_approximate,
        coalesce(t.late, false) AS late,
        s.timeline_written IS NULL AS timeline_missing,
        coalesce(s.timeline_written = 'after', false) AS timeline_reconstructed,
        s.chain_level IS NULL AS no_chain_level,
        coalesce(fx.fixes, 0) = 0 AS no_fix,
        coalesce(fx.fixes, 0) > 1 AS several_fixes,
        coalesce(fx.fix_not_owned, false) AS fix_not_owned,
        coalesce(fx.fix_not_dated, false) AS fix_not_dated,
        coalesce(fx.fix_not_testable, false) AS fix_not_testable,
        coalesce(fx.fix_at_l5, false) AS fix_at_l5,
        coalesce(fx.fix_names_author, false) AS fix_names_author,
        coalesce(fx.fix_is_feeling, false) AS fix_is_feeling
    FROM s
    LEFT JOIN t ON t.id = s.id
    LEFT JOIN fx ON fx.postmortem_id = s.id
)
SELECT
    *,
    list_filter(
        [CASE WHEN late THEN 'late' END,
         CASE WHEN timeline_missing THEN 'timeline_missing' END,
         CASE WHEN timeline_reconstructed THEN 'timeline_reconstructed' END,
         CASE WHEN no_chain_level THEN 'no_chain_level' END,
         CASE WHEN no_fix THEN 'no_fix' END,
         CASE WHEN several_fixes THEN 'several_fixes' END,
         CASE WHEN fix_not_owned THEN 'fix_not_owned' END,
         CASE WHEN fix_not_dated THEN 'fix_not_dated' END,
         CASE WHEN fix_not_testable THEN 'fix_not_testable' END,
         CASE WHEN fix_at_l5 THEN 'fix_at_l5' END,
         CASE WHEN fix_names_author THEN 'fix_names_author' END,
         CASE WHEN fix_is_feeling THEN 'fix_is_feeling' END],
        lambda x: x IS NOT NULL
    ) AS flags,
    len(flags) AS flag_count
FROM flagged
ORDER BY started, id;
