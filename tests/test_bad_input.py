"""SPEC "Bad input": each broken file in tests/corpus/bad gets a stable code, is stored, and
the good file beside it still loads."""

from __future__ import annotations

import os
import shutil
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

import pytest
from archive_factory import RECURRENCE_KEYS, parse, query, without_missing_keys, write_archive

import analytics.ingest as ingest_module
from analytics.config import ArchiveConfig
from analytics.ingest import ingest

CORPUS = Path(__file__).parent / "corpus" / "bad"
GOOD = "good-neighbour.md"
SMALL_BOUND = 1024  # max_file_bytes for the size case, so the test file stays small


@pytest.fixture(autouse=True)
def _no_metric_views(monkeypatch: pytest.MonkeyPatch) -> None:
    """The metrics' views are tested with the metrics; here they would triple each ingest's time."""
    monkeypatch.setattr(ingest_module, "_create_views", lambda con: None)


# file, code, severity, line, exact message (None: checked only for the line prefix)
CASES = [
    (
        "malformed-yaml.md",
        "yaml-invalid",
        "error",
        5,
        "line 5: frontmatter is not valid YAML: the `[` opened on line 4 is still open: "
        "did not find expected ',' or ']'",
    ),
    (
        "unclosed-frontmatter.md",
        "frontmatter-unclosed",
        "error",
        1,
        "line 1: frontmatter opened with `---` is never closed; expected a `---` line after its "
        "last `key: value` line, before the Markdown body",
    ),
    (
        "latin1.md",
        "not-utf8",
        "error",
        4,
        "line 4: byte 0xE9 at column 11 (offset 62 in the file) is not UTF-8; expected UTF-8 "
        "text: save the file as UTF-8",
    ),
    (
        "binary.md",
        "binary-file",
        "error",
        None,
        "file holds NUL bytes: a binary file, expected Markdown text",
    ),
    (
        "empty.md",
        "empty-file",
        "error",
        None,
        "file is empty; expected YAML frontmatter between `---` lines",
    ),
    (
        "oversize.md",
        "file-too-large",
        "error",
        None,
        "file is 2,948 bytes, over the 1,024-byte bound "
        "(raise max_file_bytes in postmortems.toml if it is real)",
    ),
    (
        "alias-bomb.md",
        "yaml-alias",
        "error",
        5,  # where the list is repeated, not where it is anchored
        "line 5: `*a` repeats a list or mapping (anchored as `&a` on line 4): YAML aliases of "
        "lists or mappings are not allowed; write the list or mapping out where it is used",
    ),
    (
        "scalar-alias-bomb.md",
        "yaml-alias",
        "error",
        4,
        "line 4: YAML aliases expand past 65,536 characters",
    ),
    (
        "impossible-date.md",
        "invalid-date",
        "error",
        5,
        "line 5: `resolved` is 2026-13-45, not a date (expected e.g. 2026-03-02T14:05:00Z, "
        "2026-03-02 14:05 or 2026-03-02)",
    ),
    (
        "wrong-type.md",
        "wrong-type",
        "error",
        4,
        "line 4: `services`: expected a name or a list of names, got a mapping",
    ),
    ("missing-started.md", "missing-started", "error", None, None),
    ("no-frontmatter.md", "frontmatter-missing", "error", 1, None),
    (
        "frontmatter-list.md",
        "frontmatter-not-mapping",
        "error",
        2,
        "line 2: frontmatter is a list, expected `key: value` lines",
    ),
    ("unknown-severity.md", "unknown-severity", "warning", 4, None),
    ("unknown-status.md", "unknown-status", "warning", 6, None),  # the `status:` line
]
# a case's further problems (line, severity, code), after its own: a mapping of services
# is no service
ALSO = {"wrong-type.md": [(4, "warning", "missing-services")]}


def _ingest_beside_good(tmp_path: Path, *names: str, toml: str | None = None) -> Path:
    archive = tmp_path / "archive"
    archive.mkdir()
    for name in (GOOD, *names):
        shutil.copy(CORPUS / name, archive / Path(name).name)
    if toml is not None:
        write_archive(archive, {"postmortems.toml": toml})
    db = tmp_path / "pm.duckdb"
    ingest(archive, db, workers=1)
    return db


def _expected_raw_text(name: str) -> str | None:
    data = (CORPUS / name).read_bytes()
    if b"\x00" in data:
        return None
    if name == "oversize.md":
        data = data[:SMALL_BOUND]
    return data.decode("utf-8", "replace")


def test_the_corpus_files_are_what_the_cases_say():
    assert (CORPUS / "oversize.md").stat().st_size == 2948
    assert b"\x00" in (CORPUS / "binary.md").read_bytes()
    assert (CORPUS / "empty.md").read_bytes() == b""
    assert (CORPUS / "utf8-bom.md").read_bytes().startswith(b"\xef\xbb\xbf---\n")
    assert b"Caf\xe9" in (CORPUS / "latin1.md").read_bytes()


@pytest.mark.parametrize(("name", "code", "severity", "line", "message"), CASES)
def test_bad_file_is_stored_with_its_problem_and_the_good_one_still_loads(
    tmp_path, name, code, severity, line, message
):
    toml = f"max_file_bytes = {SMALL_BOUND}\n" if name == "oversize.md" else None
    db = _ingest_beside_good(tmp_path, name, toml=toml)

    problems = query(db, "SELECT path, line, severity, code, message FROM problems")
    also = [(name, *problem) for problem in ALSO.get(name, [])]
    assert [p[:4] for p in problems] == [(name, line, severity, code), *also]
    if message is not None:
        assert problems[0][4] == message
    elif line is not None:
        assert problems[0][4].startswith(f"line {line}: ")

    files = query(db, "SELECT path, status, raw_text, errors, warnings FROM files ORDER BY path")
    bad_status = "rejected" if severity == "error" else "loaded"
    by_path = {row[0]: row[1:] for row in files}
    assert set(by_path) == {GOOD, name}
    assert by_path[GOOD][:1] == ("loaded",)
    assert by_path[name] == (
        bad_status,
        _expected_raw_text(name),
        int(severity == "error"),
        int(severity == "warning") + len(also),
    )

    ids = [row[0] for row in query(db, "SELECT id FROM postmortems ORDER BY id")]
    if severity == "error":
        assert ids == ["PM-GOOD-1"]
    else:
        assert len(ids) == 2 and "PM-GOOD-1" in ids


def test_missing_started_message(tmp_path):
    db = _ingest_beside_good(tmp_path, "missing-started.md")
    assert query(db, "SELECT message FROM problems") == [
        (
            "`started` is missing or empty; it is required (when the incident began), "
            "e.g. started: 2026-03-02T14:05:00Z",
        )
    ]


def test_utf8_bom_is_accepted_not_an_error(tmp_path):
    db = _ingest_beside_good(tmp_path, "utf8-bom.md")
    assert query(db, "SELECT count(*) FROM problems") == [(0,)]
    assert query(db, "SELECT id, severity FROM postmortems ORDER BY id") == [
        ("PM-BOM", "SEV3"),
        ("PM-GOOD-1", "SEV2"),
    ]
    [(raw,)] = query(db, "SELECT raw_text FROM files WHERE path = 'utf8-bom.md'")
    assert raw.startswith("---\nid: PM-BOM\n")


def test_unknown_severity_is_kept_raw_in_original(tmp_path):
    db = _ingest_beside_good(tmp_path, "unknown-severity.md")
    assert query(
        db,
        "SELECT severity, severity_rank, original->>'$.severity' FROM postmortems "
        "WHERE id = 'PM-WARN-SEV'",
    ) == [(None, None, "Apocalyptic")]


def test_unknown_action_status_is_open_and_kept_raw(tmp_path):
    db = _ingest_beside_good(tmp_path, "unknown-status.md")
    assert query(db, "SELECT postmortem_id, title, status, status_raw FROM actions") == [
        ("PM-WARN-STATUS", "Alert on p99 latency", "open", "pondering")
    ]


def test_a_duplicate_ids_problem_points_at_its_id_line(tmp_path):
    """The id's line, whichever alias and case wrote it; none when the id is the file's name."""
    write_archive(
        tmp_path / "archive",
        {
            "a/first.md": "---\nid: PM-9\nstarted: 2026-03-01\n" + RECURRENCE_KEYS + "---\n",
            "b/aliased.md": (
                "---\ntitle: t\nseverity: SEV2\nIncident_ID: PM-9\nstarted: 2026-03-02\n"
                + RECURRENCE_KEYS
                + "---\n"
            ),
            "c/PM-9.md": "---\nstarted: 2026-03-03\nkey_facts: none\n" + RECURRENCE_KEYS + "---\n",
        },
    )
    ingest(tmp_path / "archive", tmp_path / "pm.duckdb", workers=1)
    assert query(
        tmp_path / "pm.duckdb", "SELECT path, line, message FROM problems ORDER BY path"
    ) == [
        ("b/aliased.md", 4, "line 4: id PM-9 is already used by a/first.md; ids must be unique"),
        ("c/PM-9.md", None, "id PM-9 is already used by a/first.md; ids must be unique"),
    ]


def test_duplicate_ids_are_an_error_on_all_but_the_first_in_path_order(tmp_path):
    archive = tmp_path / "archive"
    dups = CORPUS / "duplicate-ids"
    shutil.copytree(dups, archive)
    shutil.copy(CORPUS / GOOD, archive / GOOD)
    # walked after the root's files, but first in path order ('0' < '2')
    (archive / "0-early").mkdir()
    shutil.copy(dups / "2026-03-03-dup.md", archive / "0-early" / "copy.md")
    db = tmp_path / "pm.duckdb"
    result = ingest(archive, db, workers=1)

    assert (result.postmortems, result.rejected) == (2, 3)
    assert query(db, "SELECT id, path FROM postmortems ORDER BY path") == [
        ("PM-DUP", "0-early/copy.md"),
        ("PM-GOOD-1", GOOD),
    ]
    assert query(db, "SELECT path, line, severity, code, message FROM problems ORDER BY path") == [
        (
            f"2026-03-0{n}-dup.md",
            2,
            "error",
            "duplicate-id",
            "line 2: id PM-DUP is already used by 0-early/copy.md; ids must be unique",
        )
        for n in (1, 2, 3)
    ]
    assert query(db, "SELECT path, status, errors, postmortem_id FROM files ORDER BY path") == [
        ("0-early/copy.md", "loaded", 0, "PM-DUP"),
        ("2026-03-01-dup.md", "rejected", 1, "PM-DUP"),
        ("2026-03-02-dup.md", "rejected", 1, "PM-DUP"),
        ("2026-03-03-dup.md", "rejected", 1, "PM-DUP"),
        (GOOD, "loaded", 0, "PM-GOOD-1"),
    ]
    # the good file's and the kept copy's: the rejected copies' are gone
    assert query(db, "SELECT count(*) FROM postmortem_services") == [(2,)]
    # a rejected duplicate keeps its whole text, though its postmortem row is gone
    assert query(db, "SELECT path, raw_text FROM files ORDER BY path") == [
        (path, (archive / path).read_text())
        for path in (
            "0-early/copy.md",
            "2026-03-01-dup.md",
            "2026-03-02-dup.md",
            "2026-03-03-dup.md",
            GOOD,
        )
    ]


def test_whole_corpus_in_one_archive_loads_the_good_and_warning_files(tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(CORPUS, archive)
    write_archive(archive, {"postmortems.toml": f"max_file_bytes = {SMALL_BOUND}\n"})
    db = tmp_path / "pm.duckdb"
    result = ingest(archive, db, workers=1)
    assert sorted(r[0] for r in query(db, "SELECT id FROM postmortems")) == [
        "PM-BOM",
        "PM-DUP",
        "PM-GOOD-1",
        "PM-WARN-SEV",
        "PM-WARN-STATUS",
    ]
    # unknown-severity, unknown-status, and wrong-type.md's missing-services
    assert (result.postmortems, result.rejected, result.warnings) == (5, 15, 3)
    assert query(db, "SELECT count(*) FROM files") == [(20,)]
    # a loaded file's whole text (stored as its head + the postmortem's body; the rejected
    # files' texts are checked one by one above)
    texts = query(db, "SELECT path, raw_text FROM files WHERE status = 'loaded' ORDER BY path")
    assert len(texts) == 5
    for path, raw in texts:
        assert raw == (archive / path).read_bytes().decode("utf-8-sig").replace("\r\n", "\n")


@pytest.mark.parametrize("name", ["alias-bomb.md", "scalar-alias-bomb.md"])
def test_alias_bombs_are_rejected_fast_and_small(name):
    data = (CORPUS / name).read_bytes()
    tracemalloc.start()
    began = time.perf_counter()
    try:
        parsed = parse(data)
        seconds = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [p.code for p in parsed.problems] == ["yaml-alias"]
    assert parsed.postmortem is None
    assert seconds < 0.5
    assert peak < 5 * 1024 * 1024


def test_a_large_scalar_alias_bomb_within_the_size_bound_is_rejected():
    # 900 KB string repeated 30,000 times would be 27 GB as JSON in `extra`
    text = (
        "---\nstarted: 2026-03-02\nblob: &a " + "x" * 900_000 + "\n"
        "copies: [" + ",".join(["*a"] * 30_000) + "]\n---\n"
    )
    parsed = parse(text)
    assert len(text) < ArchiveConfig().max_file_bytes
    assert [(p.code, p.line) for p in parsed.problems] == [("yaml-alias", 3)]


def test_a_few_short_scalar_aliases_are_fine():
    parsed = parse(
        "---\nstarted: &s 2026-03-02\ndetected: *s\nowner: &o ops\nteam: *o\n"
        + RECURRENCE_KEYS
        + "---\n"
    )
    assert parsed.problems == []
    assert parsed.postmortem is not None
    assert parsed.postmortem.detected == parsed.postmortem.started
    assert parsed.postmortem.teams == ["ops"]


def test_yaml_is_loaded_safely_without_object_construction():
    parsed = parse("---\nstarted: 2026-03-02\nx: !!python/object/apply:os.system ['true']\n---\n")
    assert [(p.code, p.severity, p.line) for p in parsed.problems] == [("yaml-invalid", "error", 3)]


def test_a_tab_indent_is_invalid_yaml_with_its_line():
    parsed = parse("---\nstarted: 2026-03-02\nservices:\n\t- a\n---\n")
    assert [(p.code, p.line) for p in parsed.problems] == [("yaml-invalid", 4)]


@pytest.mark.parametrize(
    "line", ["started: 9999-12-31T23:00:00-05:00", "resolved: 0001-01-01T01:00:00+05:00"]
)
def test_a_time_past_the_range_of_dates_in_utc_is_an_error_not_a_crash(tmp_path, line):
    """It stopped the whole ingest with an OverflowError (review D3)."""
    archive = write_archive(
        tmp_path / "archive",
        {
            "a.md": "---\n"
            + ("" if "started" in line else "started: 2026-01-01\n")
            + line
            + "\n"
            + RECURRENCE_KEYS
            + "---\n",
            GOOD: (CORPUS / GOOD).read_text(),
        },
    )
    result = ingest(archive, tmp_path / "pm.duckdb", workers=1)
    assert (result.postmortems, result.rejected) == (1, 1)
    [(code, message)] = query(tmp_path / "pm.duckdb", "SELECT code, message FROM problems")
    assert code == "invalid-date" and "out of the range of dates" in message


def test_a_file_name_that_is_not_utf8_is_loaded_under_a_name_that_can_be_stored(tmp_path):
    """`caf\\xe9.md` (a Latin-1 name) stopped the whole ingest: its name could not be
    stored (review D3)."""
    root = tmp_path / "archive"
    root.mkdir()
    shutil.copy(CORPUS / GOOD, root / GOOD)
    (root / os.fsdecode(b"caf\xe9.md")).write_text("---\nid: PM-CAFE\nstarted: 2026-01-02\n---\n")
    db = tmp_path / "pm.duckdb"
    assert ingest(root, db, workers=1).postmortems == 2
    assert ("caf\\xe9.md", "PM-CAFE") in query(db, "SELECT path, postmortem_id FROM files")
    again = ingest(root, db, workers=1)  # the same name each time: unchanged
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_an_unreadable_action_date_is_a_warning_and_left_empty():
    parsed = parse(
        "---\nstarted: 2026-03-02\nactions: [{title: x, due: soon, done: 2026-02-30}]\n"
        + RECURRENCE_KEYS
        + "---\n"
    )
    assert [(p.code, p.severity, p.line) for p in parsed.problems] == [
        ("invalid-date", "warning", 3),
        ("invalid-date", "warning", 3),
    ]
    assert parsed.postmortem is not None
    action = parsed.postmortem.actions[0]
    assert (action.due, action.done, action.status) == (None, None, "open")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            "title: bad \x01 char\n",
            "line 3: frontmatter is not valid YAML: the character U+0001 at column 12 is not "
            "allowed (control characters are not allowed); remove it",
        ),  # it said "position 41 in <unicode string>", no line
        (
            "[a]: x\n",
            "line 3: a key is a list or a mapping (`[a]: x`), expected a name: quote it, "
            "e.g. '[a]': x",
        ),  # it said "found unhashable key"
    ],
)
def test_yaml_errors_say_where_and_what_to_do(lines, message):
    parsed = parse("---\nstarted: 2026-03-02\n" + lines + "---\n")
    assert [(p.code, p.message) for p in parsed.problems] == [("yaml-invalid", message)]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("strated", "2026-03-02"),
        ("Start_Date", "2026-03-02"),
        ("incident_dat", "2026-03-02"),
        ("strated", "13/03/2026"),  # a date not read is still one meant (D14)
    ],
)
def test_a_misspelt_started_is_named(key, value):
    # the error said `started` is missing, with the misspelt key two lines above (review R9)
    parsed = parse(f"---\ntitle: t\n{key}: {value}\n" + RECURRENCE_KEYS + "---\n")
    (problem,) = parsed.problems
    assert (problem.code, problem.line) == ("missing-started", 3)
    assert f"did you mean `{key}` as `started`?" in problem.message
    unrelated = parse("---\ntitle: t\nseverity: SEV2\n---\n").problems[0]
    assert "did you mean" not in unrelated.message and unrelated.line is None


def test_an_empty_alias_of_started_is_named_on_its_line():
    """R23: `started_at: null` was told "`started` is missing", on the line of an
    `incident_url:` below it and "did you mean `incident_url`": a near key names only a
    date, and an empty alias is said as written."""
    parsed = parse(
        "---\ntitle: t\nstarted_at: null\nincident_url: https://x/1\n" + RECURRENCE_KEYS + "---\n"
    )
    (problem,) = parsed.problems
    assert (problem.code, problem.line) == ("missing-started", 3)
    assert problem.message.startswith("line 3: `started_at` (read as `started`) is empty;")
    assert "did you mean" not in problem.message
    # on the empty key's line, naming the other's (D14: the line was the other key's)
    hinted = parse("---\nstarted_at:\nincident_start_: 2026-03-02\n---\n").problems[0]
    assert hinted.code == "missing-started" and hinted.line == 2
    assert "did you mean `incident_start_` (line 3) as `started`?" in hinted.message


@pytest.mark.parametrize(
    ("lines", "code", "line"),
    [
        ("actions:\n  title: x\n", "wrong-type", 3),
        ("actions:\n  - [a, b]\n", "wrong-type", 4),
        ("fix: 3\n", "wrong-type", 3),
        ("tags: [[a]]\n", "wrong-type", 3),
        ("title: {a: 1}\n", "wrong-type", 3),
        ("detected: soon\n", "invalid-date", 3),
        ("started: ''\n", "missing-started", 2),
    ],
)
def test_more_errors_with_their_lines(lines, code, line):
    parsed = parse("---\nstarted: 2026-03-02\n" + lines + RECURRENCE_KEYS + "---\n")
    if code == "missing-started":
        parsed = parse("---\n" + lines + RECURRENCE_KEYS + "---\n")
    assert [(p.code, p.severity, p.line) for p in parsed.problems] == [(code, "error", line)]
    assert parsed.postmortem is None
    assert parsed.rejected


@pytest.mark.parametrize(
    ("lines", "code", "line"),
    [
        ("chain_level: L9\n", "unknown-level", 3),
        ("timeline: whenever\n", "unknown-timeline", 3),
        ("resolved: 2026-03-01\n", "resolved-before-started", 3),
        ("detected: 2026-03-01T10:00\n", "detected-before-started", 3),
        ("resolved: 2026-03-04\npostmortem_date: 2026-03-03\n", "postmortem-before-resolved", 4),
        ("postmortem_date: 2026-03-01\n", "postmortem-before-resolved", 3),  # no resolved
        ("service: a\nservices: b\n", "duplicate-key", 3),  # `services` is used
        ("severity: SEV1\nseverity: SEV3\n", "duplicate-key", 4),
    ],
)
def test_warnings_keep_the_file(lines, code, line):
    # the helper, not the two keys: a case gives its own `services`
    parsed = without_missing_keys(parse("---\nstarted: 2026-03-02\n" + lines + "---\n"))
    assert [(p.code, p.severity, p.line) for p in parsed.problems] == [(code, "warning", line)]
    assert parsed.postmortem is not None
    assert not parsed.rejected


def test_a_key_written_twice_keeps_the_last_value_with_a_warning():
    parsed = parse(
        "---\nstarted: 2026-03-02\nseverity: SEV1\nseverity: SEV3\n" + RECURRENCE_KEYS + "---\n"
    )
    assert parsed.postmortem is not None
    assert parsed.postmortem.severity == "SEV3"
    assert [p.message for p in parsed.problems] == [
        "line 4: `severity` is given again (first on line 3); the last is used"
    ]


def test_an_unquoted_colon_and_blank_lines_before_the_frontmatter_say_what_to_do():
    colon = parse("---\nstarted: 2026-03-02\ntitle: Outage: database: primary down\n---\n")
    [problem] = colon.problems
    assert (problem.code, problem.line) == ("yaml-invalid", 3)
    assert "quote the value" in problem.message and "mapping values" not in problem.message
    blank = parse("\n\n---\nstarted: 2026-03-02\n---\n")
    [problem] = blank.problems
    assert (problem.code, problem.line) == ("frontmatter-missing", 1)
    assert problem.message.startswith("line 1: blank lines before the opening `---`")


def test_a_quoted_id_key_of_a_duplicate_gives_its_line(tmp_path):
    archive = write_archive(
        tmp_path / "archive",
        {
            "a.md": "---\nid: PM-1\nstarted: 2026-03-02\n" + RECURRENCE_KEYS + "---\n",
            "b.md": '---\nstarted: 2026-03-02\n"id": PM-1\n' + RECURRENCE_KEYS + "---\n",
        },
    )
    db = tmp_path / "pm.duckdb"
    ingest(archive, db, workers=1)
    assert query(db, "SELECT path, line FROM problems") == [("b.md", 3)]


@pytest.mark.parametrize(
    ("text", "postmortem_id"),
    [
        ("---\nid: PM-7   # ours\ntitle: [unclosed\n---\n", "PM-7"),
        ("---\n'incident_id': \"PM-8\"\nstarted: 2026-03-02\n", "PM-8"),  # never closed
        ("---\ntitle: [unclosed\n---\n", "the-stem"),
        ("---\nincidentId: INC-9\ntitle: [unclosed\n---\n", "INC-9"),  # a JSON export's
        ("---\nIncident ID: INC-10\ntitle: [unclosed\n---\n", "INC-10"),
        ("---\nincidentId: INC-11\nstartedAt: null\n---\n", "INC-11"),  # read, rejected
    ],
)
def test_a_file_whose_frontmatter_cannot_be_read_keeps_an_id(text, postmortem_id):
    parsed = parse(text, path="2026/the-stem.md")
    assert parsed.rejected and parsed.postmortem_id == postmortem_id


@pytest.mark.parametrize(
    ("data", "code", "postmortem_id"),
    [
        ("---\nid: LAT-1\ntitle: Z\xfcrich\n---\n".encode("latin-1"), "not-utf8", "LAT-1"),
        (b"\xef\xbb\xbf---\r\nkey: 'LAT-2'\r\ntitle: Z\xfcrich\r\n---\r\n", "not-utf8", "LAT-2"),
        (
            b"---\nid: BIG-1\nstarted: 2026-03-02\n---\n" + b"log line\n" * 200,
            "file-too-large",
            "BIG-1",
        ),
        (
            b"---\nid: BIG-2\nstarted: 2026-03-02\n" + b"x: y\n" * 400,
            "file-too-large",
            "BIG-2",
        ),  # the closing --- past the bound
        (b"no frontmatter \xfc\nid: NOPE\n", "not-utf8", "the-stem"),
        (b"---\nid: BIN-1\n\x00\x01", "binary-file", "the-stem"),
    ],
)
def test_a_file_rejected_before_its_yaml_is_read_keeps_the_id_it_declares(
    data, code, postmortem_id
):
    """A Latin-1 or oversized file got its stem: a link or ticket naming its id found
    "no counted postmortem and no rejected file has that id", as if it were lost."""
    parsed = parse(data, ArchiveConfig(max_file_bytes=1000), path="2026/the-stem.md")
    assert [p.code for p in parsed.problems] == [code]
    assert parsed.postmortem_id == postmortem_id


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ("resolved: 2026-03-02 10:00\npostmortem_date: 2026-03-02\n", "postmortem-before-resolved"),
        ("detected: 2026-03-02\n", "detected-before-started"),
        ("resolved: 2026/03/02\n", "resolved-before-started"),
    ],
)
def test_a_date_without_a_time_before_a_time_that_day_says_it_reads_as_midnight(lines, code):
    """A postmortem dated the day it was resolved (20:00) gets negative hours, which count
    as on time: without a word, the median and p90 were pulled down."""
    parsed = parse("---\nstarted: 2026-03-02 08:00\n" + lines + RECURRENCE_KEYS + "---\n")
    [problem] = parsed.problems
    assert problem.code == code
    assert "2026-03-02, a date without a time: 00:00" in problem.message


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        (  # 13:29Z is 09:29 in New York: before the plain 13:27 of the archive's zone
            "started: 2024-10-10 13:27\ndetected: 2024-10-10T13:29:35Z\n",
            "`detected` (2024-10-10 09:29 America/New_York, written 2024-10-10 13:29 UTC) is "
            "before `started` (2024-10-10 13:27 America/New_York)",
        ),
        (
            "started: 2024-10-10 13:27\nresolved: 2024-10-10T12:00:00+05:30\n",
            "`resolved` (2024-10-10 02:30 America/New_York, written 2024-10-10 12:00 "
            "UTC+05:30) is before `started` (2024-10-10 13:27 America/New_York)",
        ),
        (  # a date alone beside a time of another offset: its 00:00, and the other's date
            "started: 2024-10-10\ndetected: 2024-10-10T02:00:00Z\n",
            "`detected` (2024-10-09 22:00 America/New_York, written 2024-10-10 02:00 UTC) is "
            "before `started` (2024-10-10, a date without a time: 00:00)",
        ),
        (  # one offset: as written
            "started: 2024-10-10 13:27\ndetected: 2024-10-10 13:00\n",
            "`detected` (2024-10-10 13:00) is before `started` (2024-10-10 13:27)",
        ),
    ],
)
def test_two_times_of_different_offsets_are_compared_in_the_archive_s_zone(lines, said):
    """R21: with the archive's zone New York, `detected (2024-10-10 13:29) is before started
    (2024-10-10 13:27)` read as the tool's error: 13:29 was written in UTC."""
    parsed = parse(
        "---\n" + lines + RECURRENCE_KEYS + "---\n", ArchiveConfig(timezone="America/New_York")
    )
    [problem] = parsed.problems
    assert said in problem.message


@pytest.mark.parametrize(
    ("value", "code", "instant"),
    [
        ("2026-10-25 02:30", "ambiguous-time", "2026-10-25T02:30:00+02:00"),  # twice
        ("2026-03-29 02:30", "nonexistent-time", "2026-03-29T01:30:00+00:00"),  # skipped
        ("2026-10-25T02:30:00+01:00", None, "2026-10-25T02:30:00+01:00"),  # said which
        ("2026-03-29 04:30", None, "2026-03-29T04:30:00+02:00"),
    ],
)
def test_a_local_time_the_clock_shows_twice_or_never_is_a_warning(value, code, instant):
    """Both were read silently: the second 02:30 as the first, a skipped 02:30 as 03:30 (an
    incident of 0 minutes when resolved at 03:30)."""
    parsed = parse(
        f"---\nstarted: {value}\n" + RECURRENCE_KEYS + "---\n",
        ArchiveConfig(timezone="Europe/Berlin"),
    )
    assert [(p.code, p.severity, p.line) for p in parsed.problems] == (
        [(code, "warning", 2)] if code else []
    )
    assert parsed.postmortem is not None
    # by the instant: PEP 495 makes an ambiguous time unequal to any other zone's
    assert parsed.postmortem.started.timestamp() == datetime.fromisoformat(instant).timestamp()


@pytest.mark.parametrize(
    ("zone", "day"), [("America/Santiago", "2026-09-06"), ("America/Havana", "2026-03-08")]
)
def test_a_date_alone_is_its_day_where_the_clocks_change_at_midnight(zone, day):
    parsed = parse(
        f"---\nstarted: {day}\n" + RECURRENCE_KEYS + "---\n", ArchiveConfig(timezone=zone)
    )
    assert parsed.problems == [] and parsed.postmortem is not None


@pytest.mark.parametrize(
    ("text", "postmortem_id"),
    [
        ("---\nid: INC#42\ntitle: [oops\n---\n", "INC#42"),  # not a comment: no space before
        ("---\nid: INC-7 # ours\ntitle: [oops\n---\n", "INC-7"),
        ("---\ntitle: never closed\n\nKey: the cache was cold\n", "the-stem"),  # the body's
    ],
)
def test_the_id_of_an_unreadable_frontmatter_is_read_as_yaml_would(text, postmortem_id):
    assert parse(text, path="the-stem.md").postmortem_id == postmortem_id


def test_files_that_cannot_be_read_are_stored_as_errors_and_the_rest_loads(tmp_path):
    """A broken symlink or a symlink loop stopped every ingest and `lint` with a traceback
    (stat failed), and a FIFO named *.md made the ingest wait for a writer forever."""
    root = tmp_path / "archive"
    root.mkdir()
    shutil.copy(CORPUS / GOOD, root / GOOD)
    (root / "broken.md").symlink_to(tmp_path / "nowhere.md")
    (root / "loop.md").symlink_to(root / "loop.md")
    os.mkfifo(root / "pipe.md")
    db = tmp_path / "pm.duckdb"
    started = time.monotonic()
    ingest(root, db)
    assert time.monotonic() - started < 60  # no wait on the FIFO
    problems = query(db, "SELECT path, line, severity, code, message FROM problems ORDER BY path")
    assert problems == [
        ("broken.md", None, "error", "unreadable-file",
         f"it is a symlink to {tmp_path / 'nowhere.md'}, which does not exist"),
        ("loop.md", None, "error", "unreadable-file",
         "it is a symlink that leads back to itself (a loop)"),
        ("pipe.md", None, "error", "unreadable-file",
         "it is not a regular file (a FIFO, socket or device), expected a Markdown file"),
    ]  # fmt: skip
    files = query(db, "SELECT path, status, raw_text, postmortem_id FROM files ORDER BY path")
    assert files[0] == ("broken.md", "rejected", None, "broken")  # no text; the stem as id
    assert {row[0]: row[1] for row in files} == {
        "broken.md": "rejected", GOOD: "loaded", "loop.md": "rejected", "pipe.md": "rejected"
    }  # fmt: skip
    assert [row[0] for row in query(db, "SELECT id FROM postmortems")] == ["PM-GOOD-1"]
    assert ingest(root, db).unchanged == 4  # nothing changed: the fast path holds them too
    (root / "broken.md").unlink()
    (root / "broken.md").symlink_to(root / GOOD)  # now it leads to a file: read, a duplicate id
    ingest(root, db)
    codes = query(db, "SELECT path, code FROM problems ORDER BY path")
    assert codes[0] == (GOOD, "duplicate-id")  # broken.md comes first in path order now


def test_a_utf16_file_is_said_to_be_utf16_not_binary():
    parsed = parse("---\nid: PM-1\nstarted: 2026-03-02\n---\n# x\n".encode("utf-16"))
    assert [(p.code, p.message) for p in parsed.problems] == [
        ("not-utf8", "file is UTF-16 text; expected UTF-8 text: save the file as UTF-8")
    ]
