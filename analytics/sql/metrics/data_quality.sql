-- Data quality: what the ingest could not read, and why. Not filtered: an archive owner
-- wants every problem, whatever the incident filters say.
--
-- Views: data_quality_problems, data_quality_files, problem_counts.

-- Every problem, with the file's status ('rejected' files are left out of the metrics).
CREATE OR REPLACE VIEW data_quality_problems AS
SELECT pr.path, pr.line, pr.severity, pr.code, pr.message, f.status AS file_status,
       f.postmortem_id
FROM problems AS pr
LEFT JOIN file_rows AS f ON f.path = pr.path
ORDER BY pr.severity, pr.path, pr.line NULLS FIRST, pr.code;

-- Every file that was read, with its problem counts (no raw text).
CREATE OR REPLACE VIEW data_quality_files AS
SELECT path, status, postmortem_id, errors, warnings, size_bytes, sha256
FROM file_rows
ORDER BY status DESC, path;

-- Problems per severity and code: how many, in how many files (errors first, then by count).
CREATE OR REPLACE VIEW problem_counts AS
SELECT severity, code, count(*) AS problems, count(DISTINCT path) AS files
FROM problems
GROUP BY severity, code
ORDER BY severity, problems DESC, code;
