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
-- Views/macros: fact_open_until, follow_through_open_until, recurrence_service_flags_live,
-- recurrence_category_flags, recurrence_flags_live, fact_recurrence,
-- fact_recurrence_service, recurrence_scoped,
-- repeat_keyed_live, fact_repeat_keyed, repeat_keyed, repeat_earlier, repeat_of_lists,
-- repeat_pair_rows, repeat_pairs, repeat_pairs_latest, incident_repeats, recurrence_rows,
-- recurrence_incidents, repeat_rate, recurrence_by_service_rows, repeat_rate_by_service,
-- repeat_rate_by_category, repeat_matrix.

-- The instant until which some fix/action of each incident stayed open ('infinity': still
-- open at as_of). A done item without a done date counts as closed; dropped items are never
-- open. Items as they stood at as_of (actions_at). Stored as recorded (fact_open_until) and
-- rewound here: an item done on or after as_of was open at as_of, and its done date is then
-- at or after as_of_ts(as_of), so the recorded latest instant is 'infinity' at as_of exactly
-- when it is not before as_of_ts(as_of).
CREATE OR REPLACE FACT fact_open_until AS
SELECT
    postmortem_id,
    any_value(started) AS started,
    max(CASE
        WHEN status = 'open' THEN CAST('infinity' AS TIMESTAMPTZ)
        ELSE coalesce(local_ts(done), CAST('-infinity' AS TIMESTAMPTZ))
    END) AS open_until
FROM stg_actions
WHERE status <> 'dropped'
GROUP BY postmortem_id;

CREATE OR REPLACE MACRO follow_through_open_until(as_of := NULL) AS TABLE
SELECT
    postmortem_id,
    CASE
        WHEN open_until >= as_of_ts(as_of) THEN CAST('infinity' AS TIMESTAMPTZ) ELSE open_until
    END AS open_until
FROM fact_open_until
WHERE started < as_of_ts(as_of);

-- Per (incident, service) over the whole archive before as_of: is it a repeat through that
-- service (same category too), and a service-alone repeat. ASOF joins find the latest
-- strictly earlier incident of the same key; a repeat is one within the window.
CREATE OR REPLACE MACRO recurrence_service_flags_live(as_of := NULL,
    window_days := archive_window_days()) AS TABLE
WITH svc AS (
    SELECT id, category, started_s, unnest(services) AS service
    FROM universe(as_of := as_of)
),
same_service AS (
    SELECT b.id, b.service, b.category, b.started_s - a.started_s AS gap
    FROM svc AS b
    ASOF LEFT JOIN svc AS a ON a.service = b.service AND a.started_s < b.started_s
),
same_key AS (
    SELECT b.id, b.service, b.started_s - a.started_s AS gap
    FROM svc AS b
    ASOF LEFT JOIN svc AS a
      ON a.category = b.category AND a.service = b.service AND a.started_s < b.started_s
)
SELECT
    s.id,
    s.service,
    s.category,
    coalesce(k.gap <= CAST(window_days AS BIGINT) * 86400, false) AS is_repeat,
    coalesce(s.gap <= CAST(window_days AS BIGINT) * 86400, false) AS is_repeat_service_alone
FROM same_service AS s
JOIN same_key AS k ON k.id = s.id AND k.service = s.service;

-- Per incident over the whole archive before as_of: category-alone repeat (ASOF join).
CREATE OR REPLACE MACRO recurrence_category_flags(as_of := NULL,
    window_days := archive_window_days()) AS TABLE
WITH u AS (SELECT id, category, started_s FROM universe(as_of := as_of))
SELECT
    b.id,
    coalesce(b.started_s - a.started_s <= CAST(window_days AS BIGINT) * 86400, false)
        AS is_repeat_category_alone
FROM u AS b
ASOF LEFT JOIN u AS a ON a.category = b.category AND a.started_s < b.started_s;

-- Per incident over the whole archive before as_of: the repeat flags and
-- recurred_while_open, without listing pairs, in one pass of RANGE windows over epoch
-- seconds that end at the incident and exclude its peers (EXCLUDE GROUP: only strictly
-- earlier incidents, at most window_days x 24 h before): an earlier incident of the same
-- (service, category) key makes a repeat, of the same service a service-alone repeat, of
-- the same category a category-alone repeat (the same answers as the ASOF joins of
-- recurrence_service_flags_live / recurrence_category_flags). recurred_while_open: the latest
-- open_until of the earlier same-key incidents is after the incident's start.
CREATE OR REPLACE MACRO recurrence_flags_live(as_of := NULL,
    window_days := archive_window_days()) AS TABLE
WITH u AS (SELECT id, category, services, started, started_s FROM universe(as_of := as_of)),
keyed AS (
    SELECT u.id, u.category, u.started, u.started_s, unnest(u.services) AS service,
           o.open_until
    FROM u
    LEFT JOIN follow_through_open_until(as_of := as_of) AS o ON o.postmortem_id = u.id
),
per_service AS (
    SELECT id,
        service IS NOT NULL AND category IS NOT NULL AND count(*) OVER same_key > 0 AS is_repeat,
        service IS NOT NULL AND count(*) OVER same_service > 0 AS is_repeat_service_alone,
        service IS NOT NULL AND category IS NOT NULL AND max(open_until) OVER same_key > started
            AS was_open
    FROM keyed
    WINDOW
        same_key AS (
            PARTITION BY category, service ORDER BY started_s
            RANGE BETWEEN CAST(window_days AS BIGINT) * 86400 PRECEDING AND CURRENT ROW
            EXCLUDE GROUP
        ),
        same_service AS (
            PARTITION BY service ORDER BY started_s
            RANGE BETWEEN CAST(window_days AS BIGINT) * 86400 PRECEDING AND CURRENT ROW
            EXCLUDE GROUP
        )
),
svc AS (
    SELECT id, bool_or(is_repeat) AS is_repeat,
           bool_or(is_repeat_service_alone) AS is_repeat_service_alone,
           bool_or(coalesce(was_open, false)) AS recurred_while_open
    FROM per_service
    GROUP BY id
),
cat AS (
    SELECT id,
        category IS NOT NULL AND count(*) OVER (
            PARTITION BY category ORDER BY started_s
            RANGE BETWEEN CAST(window_days AS BIGINT) * 86400 PRECEDING AND CURRENT ROW
            EXCLUDE GROUP
        ) > 0 AS is_repeat_category_alone
    FROM u
)
SELECT
    cat.id,
    coalesce(svc.is_repeat, false) AS is_repeat,
    coalesce(svc.is_repeat_service_alone, false) AS is_repeat_service_alone,
    cat.is_repeat_category_alone,
    coalesce(svc.recurred_while_open, false) AS recurred_while_open
FROM cat
LEFT JOIN svc ON svc.id = cat.id;

-- Stored facts. Whether an incident repeats, through which service, and whether it recurred
-- while follow-through was open depend only on earlier incidents and on fix/action dates
-- compared with its own start, never on as_of: an incident in universe(as_of) gets the same
-- flags whatever as_of is (an item done on or after as_of is rewound to open, and either way
-- it was open at the incident's start, which is before as_of). So the ingest computes them
-- once over every incident, for the archive's window (archive_window_days(): postmortems.toml's
-- [metrics] window_days, 180 by default), and the macros below read them for that window
-- (keeping the incidents before as_of) and compute them live for any other window.

-- fact_recurrence also carries the incident's facts that recurrence_scoped returns and the
-- filters read, so the default window needs no join (one row per incident).
CREATE OR REPLACE FACT fact_recurrence AS
SELECT r.*, u.title, u.path, u.severity, u.services, u.category, u.teams, u.started,
    u.started_date, u.month
FROM recurrence_flags_live(as_of := DATE '9999-12-31', window_days := archive_window_days()) AS r
JOIN stg_incidents AS u ON u.id = r.id;

-- fact_recurrence_service carries what the filters read (the incident's category is r's).
CREATE OR REPLACE FACT fact_recurrence_service AS
SELECT r.*, u.severity, u.services, u.teams, u.started, u.started_date
FROM recurrence_service_flags_live(
    as_of := DATE '9999-12-31', window_days := archive_window_days()
) AS r
JOIN stg_incidents AS u ON u.id = r.id;

-- recurrence_incidents without repeat_of (what the rates need; no pair is listed): the
-- scoped incidents with their flags. For the default window straight from fact_recurrence
-- (the filters of scoped_incidents applied to its copy of the incident's facts), for any
-- other window scoped_incidents joined to the live flags.
CREATE OR REPLACE MACRO recurrence_scoped(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days()
) AS TABLE
SELECT
    id, title, path, severity, services, category, teams, started, started_date, month,
    is_repeat, is_repeat_service_alone, is_repeat_category_alone, recurred_while_open
FROM fact_recurrence
WHERE window_days = archive_window_days() AND started < as_of_ts(as_of)
    AND in_filters(
        started_date, severity, services, category, teams,
        start_date, end_date, severity_in, service_in, category_in, team_in
    )
UNION ALL
SELECT
    s.id, s.title, s.path, s.severity, s.services, s.category, s.teams, s.started,
    s.started_date, s.month,
    coalesce(r.is_repeat, false) AS is_repeat,
    coalesce(r.is_repeat_service_alone, false) AS is_repeat_service_alone,
    coalesce(r.is_repeat_category_alone, false) AS is_repeat_category_alone,
    coalesce(r.recurred_while_open, false) AS recurred_while_open
FROM scoped_incidents(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in
) AS s
LEFT JOIN recurrence_flags_live(as_of := as_of, window_days := window_days) AS r ON r.id = s.id
WHERE window_days <> archive_window_days();

-- Per (incident, service) of universe(as_of) with a primary category: rn = its place in
-- the (category, service) key by (start, id), and lo..hi = the places of the key's earlier
-- incidents within the window (strictly earlier starts; hi < lo: none). RANGE windows over
-- epoch seconds find the bounds. An incident's places and bounds involve only incidents
-- that started no later than it, so they do not depend on as_of (stored for the default
-- window as fact_repeat_keyed).
CREATE OR REPLACE MACRO repeat_keyed_live(as_of := NULL,
    window_days := archive_window_days()) AS TABLE
WITH keyed AS (
    SELECT DISTINCT *
    FROM (
        SELECT id, category, started, started_s, unnest(services) AS service
        FROM universe(as_of := as_of)
        WHERE category IS NOT NULL
    )
    WHERE service IS NOT NULL
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY category, service ORDER BY started_s, id) AS rn
    FROM keyed
)
SELECT id, category, service, started, started_s, rn,
    min(rn) OVER (
        PARTITION BY category, service ORDER BY started_s
        RANGE BETWEEN CAST(window_days AS BIGINT) * 86400 PRECEDING AND CURRENT ROW
    ) AS lo,
    min(rn) OVER (
        PARTITION BY category, service ORDER BY started_s
        RANGE BETWEEN CURRENT ROW AND CURRENT ROW
    ) - 1 AS hi
FROM ranked;

CREATE OR REPLACE FACT fact_repeat_keyed AS
SELECT * FROM repeat_keyed_live(as_of := DATE '9999-12-31', window_days := archive_window_days());

CREATE OR REPLACE MACRO repeat_keyed(as_of := NULL, window_days := archive_window_days()) AS TABLE
SELECT * FROM fact_repeat_keyed
WHERE window_days = archive_window_days() AND started < as_of_ts(as_of)
UNION ALL
SELECT * FROM repeat_keyed_live(as_of := as_of, window_days := window_days)
WHERE window_days <> archive_window_days();

-- Every (incident, earlier incident it repeats) of universe(as_of): each of the incident's
-- keys' places lo..hi, joined back to the key's incidents. Only an incident with several
-- such keys (services) can meet one earlier incident twice, so only those pairs are made
-- distinct. earlier_s: the earlier incident's start (epoch seconds). The filters choose the
-- incidents (the earlier ones are any of universe(as_of)). With latest, only the latest
-- `latest` places of each key: they hold the incident's `latest` latest earlier ones. With
-- id_in, only those incidents' pairs.
CREATE OR REPLACE MACRO repeat_earlier(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    latest := NULL, id_in := NULL
) AS TABLE
WITH k AS (SELECT * FROM repeat_keyed(as_of := as_of, window_days := window_days)),
slices AS (
    SELECT id, category, service, hi, count(*) OVER (PARTITION BY id) AS n_keys,
           CASE WHEN latest IS NULL THEN lo ELSE greatest(lo, hi - latest + 1) END AS lo
    FROM k
    WHERE hi >= lo
      AND (id_in IS NULL OR id IN (SELECT unnest(id_in)))
      AND id IN (
        SELECT id FROM scoped_incidents(
            as_of := as_of, start_date := start_date, end_date := end_date,
            severity_in := severity_in, service_in := service_in, category_in := category_in,
            team_in := team_in
        )
    )
),
wanted AS (
    SELECT id, category, service, n_keys, unnest(range(lo, hi + 1)) AS rn FROM slices
),
pairs AS (
    SELECT w.id, w.n_keys, e.id AS earlier_id, e.started_s AS earlier_s
    FROM wanted AS w
    JOIN k AS e ON e.category = w.category AND e.service = w.service AND e.rn = w.rn
)
SELECT id, earlier_id, earlier_s FROM pairs WHERE n_keys = 1
UNION ALL
SELECT DISTINCT id, earlier_id, earlier_s FROM pairs WHERE n_keys > 1;

-- repeat_of of each scoped incident that repeats: the earlier incidents it repeats, by
-- (start, id). With latest, only the latest `latest` of them, and repeat_of_cut says
-- whether there were more (each key's latest + 1 are enough to tell).
CREATE OR REPLACE MACRO repeat_of_lists(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    latest := NULL, id_in := NULL
) AS TABLE
SELECT
    id,
    CASE WHEN latest IS NULL THEN earlier ELSE list_slice(earlier, -latest, -1) END AS repeat_of,
    coalesce(len(earlier) > latest, false) AS repeat_of_cut
FROM (
    SELECT id, list(earlier_id ORDER BY earlier_s, earlier_id) AS earlier
    FROM repeat_earlier(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, window_days := window_days, latest := latest + 1, id_in := id_in
    )
    GROUP BY id
);

-- Every (repeat, earlier incident) pair whose repeat (id) is among the scoped incidents:
-- same primary category, a shared service, within the window (repeat_earlier, which applies
-- the filters to the repeat before pairing). With incident_id, only the pairs of that
-- incident, both ways, and no filter: the earlier incidents it repeats (id = incident_id)
-- and the later ones that repeat it (earlier_id = incident_id), found from that incident's
-- keys alone (repeat_keyed) instead of every pair. With latest, at least each repeat's
-- latest `latest` pairs (repeat_earlier's latest: each of its keys' latest).
-- Two single-service incidents of a pair share that one service.
CREATE OR REPLACE MACRO repeat_pair_rows(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    incident_id := NULL, latest := NULL
) AS TABLE
-- k is not materialized: at the default window (stored keys) each use reads only the keys
-- its filters and its join's dynamic filters let through (with incident_id, that incident's
-- keys), not all of them. (At another window DuckDB computes the live keys once, as a common
-- subplan.)
WITH k AS NOT MATERIALIZED (
    SELECT * FROM repeat_keyed(as_of := as_of, window_days := window_days)
),
me AS (SELECT * FROM k WHERE id = incident_id),  -- its keys; no row without incident_id
candidates AS (
    SELECT id, earlier_id
    FROM repeat_earlier(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, window_days := window_days, latest := latest
    )
    WHERE incident_id IS NULL
    UNION ALL
    -- the incident's earlier places in each of its keys, and the later incidents of the key
    -- whose earlier places hold it
    SELECT DISTINCT * FROM (
        SELECT me.id, o.id AS earlier_id
        FROM me
        JOIN k AS o
          ON o.category = me.category AND o.service = me.service AND o.rn BETWEEN me.lo AND me.hi
        UNION ALL
        SELECT o.id, me.id
        FROM me
        JOIN k AS o
          ON o.category = me.category AND o.service = me.service AND me.rn BETWEEN o.lo AND o.hi
    )
),
-- the pairs' incidents; with incident_id only the few of its pairs (not every incident).
-- incident_id is a constant: one branch folds away (an OR would keep the IN's join).
u AS (
    SELECT id, started, started_s, category, services
    FROM universe(as_of := as_of)
    WHERE category IS NOT NULL AND incident_id IS NULL
    UNION ALL
    SELECT id, started, started_s, category, services
    FROM universe(as_of := as_of)
    WHERE category IS NOT NULL AND incident_id IS NOT NULL
      AND id IN (SELECT id FROM candidates UNION ALL SELECT earlier_id FROM candidates)
)
SELECT
    b.id,
    a.id AS earlier_id,
    b.started,
    a.started AS earlier_started,
    (b.started_s - a.started_s) / 86400.0 AS days_apart,
    b.category,
    CASE WHEN len(a.services) = 1 AND len(b.services) = 1 THEN a.services
         ELSE list_intersect(a.services, b.services)
    END AS shared_services,
    coalesce(o.open_until > b.started, false) AS recurred_while_open
FROM candidates AS c
JOIN u AS b ON b.id = c.id
JOIN u AS a ON a.id = c.earlier_id
LEFT JOIN follow_through_open_until(as_of := as_of) AS o ON o.postmortem_id = a.id;

-- The API's listing, in a stable order: by the repeat's start, then its earlier incidents'.
CREATE OR REPLACE MACRO repeat_pairs(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days()
) AS TABLE
SELECT *
FROM repeat_pair_rows(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    window_days := window_days
)
ORDER BY started, id, earlier_started, earlier_id;

-- repeat_pairs of each repeat's latest `latest` earlier incidents (by start, then id),
-- with earlier_count: how many earlier incidents it repeats in all. For a list that names
-- a few of each repeat's earlier incidents: the pairs are counted, not listed (a month of a
-- dense archive has hundreds of thousands).
CREATE OR REPLACE MACRO repeat_pairs_latest(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    latest := 1
) AS TABLE
WITH counted AS (
    SELECT id, count(*) AS earlier_count
    FROM repeat_earlier(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, window_days := window_days
    )
    GROUP BY id
),
kept AS (
    SELECT *
    FROM repeat_pair_rows(
        as_of := as_of, start_date := start_date, end_date := end_date,
        severity_in := severity_in, service_in := service_in, category_in := category_in,
        team_in := team_in, window_days := window_days, latest := latest
    )
    QUALIFY row_number() OVER (
        PARTITION BY id ORDER BY earlier_started DESC, earlier_id DESC
    ) <= latest
)
SELECT kept.*, counted.earlier_count
FROM kept
JOIN counted ON counted.id = kept.id
ORDER BY started, id, earlier_started, earlier_id;

CREATE OR REPLACE MACRO incident_repeats(incident_id, as_of := NULL,
    window_days := archive_window_days())
AS TABLE
SELECT *
FROM repeat_pair_rows(as_of := as_of, window_days := window_days, incident_id := incident_id)
ORDER BY earlier_started, started, earlier_id, id;

-- One row per scoped incident: is it a repeat, and was follow-through still open (no
-- repeat_of: a table that names the repeated incidents of its first page reads their lists
-- by id from recurrence_incidents). With id_in, only those of the scoped incidents. Rows in
-- the postmortems table's order (whatever the join plan).
CREATE OR REPLACE MACRO recurrence_rows(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    id_in := NULL
) AS TABLE
SELECT r.*
FROM recurrence_scoped(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    window_days := window_days
) AS r
LEFT JOIN postmortems AS p ON p.id = r.id
WHERE id_in IS NULL OR r.id IN (SELECT unnest(id_in))
ORDER BY p.rowid;

-- One row per scoped incident: is it a repeat, of what, and was follow-through still open.
-- Rows in the postmortems table's order (whatever the join plan).
CREATE OR REPLACE MACRO recurrence_incidents(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days(),
    repeat_of_latest := NULL, id_in := NULL
) AS TABLE
SELECT
    r.* EXCLUDE (recurred_while_open),
    coalesce(pairs.repeat_of, []) AS repeat_of,
    coalesce(pairs.repeat_of_cut, false) AS repeat_of_cut,
    r.recurred_while_open
FROM recurrence_scoped(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    window_days := window_days
) AS r
LEFT JOIN repeat_of_lists(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in,
    window_days := window_days, latest := repeat_of_latest, id_in := id_in
) AS pairs ON pairs.id = r.id
LEFT JOIN postmortems AS p ON p.id = r.id
WHERE id_in IS NULL OR r.id IN (SELECT unnest(id_in))
ORDER BY p.rowid;

-- Headline: repeats / incidents (plus the service-alone and category-alone variants).
CREATE OR REPLACE MACRO repeat_rate(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days()
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
FROM recurrence_scoped(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in, window_days := window_days
);

-- Per (scoped incident, service): is it a repeat through that service (full / service
-- alone). For the default window straight from fact_recurrence_service, filtered on its copy
-- of the incident's facts; for any other window the live flags of the scoped incidents.
CREATE OR REPLACE MACRO recurrence_by_service_rows(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days()
) AS TABLE
SELECT id, service, category, is_repeat, is_repeat_service_alone
FROM fact_recurrence_service
WHERE window_days = archive_window_days() AND started < as_of_ts(as_of)
    AND in_filters(
        started_date, severity, services, category, teams,
        start_date, end_date, severity_in, service_in, category_in, team_in
    )
    AND (service_in IS NULL OR list_contains(service_in, service))
UNION ALL
SELECT f.id, f.service, f.category, f.is_repeat, f.is_repeat_service_alone
FROM recurrence_service_flags_live(as_of := as_of, window_days := window_days) AS f
WHERE window_days <> archive_window_days()
    AND f.id IN (
        SELECT id FROM scoped_incidents(
            as_of := as_of, start_date := start_date, end_date := end_date,
            severity_in := severity_in, service_in := service_in, category_in := category_in,
            team_in := team_in
        )
    )
    AND (service_in IS NULL OR list_contains(service_in, f.service));

-- Repeat rate per affected service (an incident counts once under each of its services).
CREATE OR REPLACE MACRO repeat_rate_by_service(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days()
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
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days()
) AS TABLE
SELECT
    category,
    count(*) AS incidents,
    count(*) FILTER (WHERE is_repeat) AS repeats,
    count(*) FILTER (WHERE is_repeat) / count(*) AS repeat_rate,
    count(*) FILTER (WHERE is_repeat_category_alone) AS repeats_category_alone,
    count(*) FILTER (WHERE is_repeat_category_alone) / count(*) AS repeat_rate_category_alone,
    count(*) < 5 AS small_sample
FROM recurrence_scoped(
    as_of := as_of, start_date := start_date, end_date := end_date, severity_in := severity_in,
    service_in := service_in, category_in := category_in, team_in := team_in, window_days := window_days
)
GROUP BY category
ORDER BY repeats DESC, incidents DESC, category NULLS LAST;

-- Service x primary category matrix: incidents and repeats through that service.
CREATE OR REPLACE MACRO repeat_matrix(
    as_of := NULL, start_date := NULL, end_date := NULL, severity_in := NULL,
    service_in := NULL, category_in := NULL, team_in := NULL, window_days := archive_window_days()
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
