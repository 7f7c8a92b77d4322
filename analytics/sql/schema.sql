-- Tables written by `postmortems ingest`. Documented column by column in docs/schema.md.
-- Names are stable: notebooks and the duckdb shell query them directly.
-- The text columns are ZSTD-compressed: DuckDB's default for strings (dictionary +
-- FSST) made their insert half of a full ingest's main process, and the file 3x larger.

-- Every file that was read below the archive root, parsed or not: its stored columns. Users
-- query the view `files` (at the end), which adds the file's whole text.
CREATE TABLE file_rows (
    path          VARCHAR PRIMARY KEY,  -- relative to the archive root, forward slashes
    sha256        VARCHAR NOT NULL,     -- of the raw bytes
    size_bytes    BIGINT NOT NULL,
    mtime_ns      BIGINT NOT NULL,      -- for the incremental ingest's cheap "unchanged" check
    status        VARCHAR NOT NULL,     -- 'loaded' | 'rejected'
    postmortem_id VARCHAR,              -- id of the postmortem it holds (also for rejected files, when known)
    errors        INTEGER NOT NULL,
    warnings      INTEGER NOT NULL,
    -- The file as text up to its body: for a file with a row in postmortems, the text before
    -- postmortems.body (its frontmatter); for any other file all of it (NULL for binary files).
    -- Each text is stored once: half the text to compress made a full ingest ~8% faster.
    head_text     VARCHAR USING COMPRESSION zstd
);

-- One row per counted postmortem (files with an error are not here).
-- ids are unique: the ingest rejects every file but the first (in path order) that repeats an id.
CREATE TABLE postmortems (
    id                 VARCHAR NOT NULL,
    path               VARCHAR NOT NULL,
    title              VARCHAR NOT NULL,
    status             VARCHAR,          -- draft | review | published | other free text, lower-cased
    severity           VARCHAR,          -- SEV0..SEV5, NULL when absent or unknown
    severity_rank      INTEGER,          -- 0..5
    services           VARCHAR[] NOT NULL,
    primary_service    VARCHAR,          -- first of services
    category           VARCHAR,          -- primary category
    categories         VARCHAR[] NOT NULL,
    tags               VARCHAR[] NOT NULL,
    teams              VARCHAR[] NOT NULL,
    started            TIMESTAMPTZ NOT NULL,
    detected           TIMESTAMPTZ,
    resolved           TIMESTAMPTZ,
    postmortem_date    TIMESTAMPTZ,
    timeline_written   VARCHAR,          -- 'during' | 'after' | NULL (not said)
    chain_level        VARCHAR,          -- L1..L5 or NULL
    authors            VARCHAR[] NOT NULL,
    fix_count          INTEGER NOT NULL, -- chain-level fixes declared under `fix` (0, 1, or more = anti-pattern)
    body               VARCHAR NOT NULL USING COMPRESSION zstd, -- Markdown after the frontmatter
    original           JSON,             -- raw frontmatter values where normalisation changed them, by canonical key
    extra              JSON              -- unknown frontmatter keys, kept as written
);

-- Fix and follow-up actions of counted postmortems, in one table.
CREATE TABLE actions (
    postmortem_id VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,     -- file of the postmortem
    seq           INTEGER NOT NULL,     -- order within the postmortem, fixes first
    kind          VARCHAR NOT NULL,     -- 'fix' | 'action'
    source        VARCHAR NOT NULL,     -- 'frontmatter' | 'body'
    title         VARCHAR,
    owner         VARCHAR,              -- normalised like services (owner alias map applied)
    due           DATE,
    status        VARCHAR NOT NULL,     -- 'open' | 'done' | 'dropped'
    status_raw    VARCHAR,              -- as written, NULL when absent
    done          DATE,
    level         VARCHAR,              -- L1..L5 or NULL
    ticket        VARCHAR,
    test          VARCHAR,              -- how the fix is verified (fixes only)
    line          INTEGER,              -- line in the file where known
    extra         JSON                  -- the item's keys not read into a column, as written
);

-- Long forms of the list columns, for joins and group-bys.
CREATE TABLE postmortem_services (postmortem_id VARCHAR NOT NULL, service VARCHAR NOT NULL, position INTEGER NOT NULL);
CREATE TABLE postmortem_categories (postmortem_id VARCHAR NOT NULL, category VARCHAR NOT NULL, position INTEGER NOT NULL);
CREATE TABLE postmortem_tags (postmortem_id VARCHAR NOT NULL, tag VARCHAR NOT NULL);
CREATE TABLE postmortem_teams (postmortem_id VARCHAR NOT NULL, team VARCHAR NOT NULL);

-- Every problem found while reading the archive.
CREATE TABLE problems (
    path     VARCHAR NOT NULL,
    line     INTEGER,                   -- 1-based line in the file, NULL when not known
    severity VARCHAR NOT NULL,          -- 'error' (file left out of the metrics) | 'warning'
    code     VARCHAR NOT NULL,          -- stable code, see docs/schema.md
    message  VARCHAR NOT NULL
);

-- Facts about the load: archive root, timezone, parser version, config hash, counts.
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);

-- Every file that was read, with its whole text (documented in docs/schema.md).
CREATE VIEW files AS
SELECT f.path, f.sha256, f.size_bytes, f.mtime_ns, f.status, f.postmortem_id, f.errors,
       f.warnings,
       CASE WHEN p.path IS NULL THEN f.head_text ELSE f.head_text || p.body END AS raw_text
FROM file_rows AS f
LEFT JOIN postmortems AS p ON p.path = f.path;
