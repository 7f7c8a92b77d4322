"""`postmortems lint`: broken files fail the archive's CI; discipline flags are reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from analytics.cli import main

GOOD = """---
id: PM-1
started: 2026-10-01T10:00:00Z
resolved: 2026-10-01T12:00:00Z
postmortem_date: 2026-10-02T12:00:00Z
timeline_written: during
chain_level: L4
fix:
  summary: Canary stage gates config pushes
  level: L4
  owner: platform-team
  due: 2026-10-20
  test: a bad push is rolled back within 5 minutes
services: [checkout-api]
category: deployment-pipeline
---
# Good
"""

FLAGGED = """---
id: PM-2
started: 2026-10-05T10:00:00Z
resolved: 2026-10-05T11:00:00Z
chain_level: L4
authors: [alice.smith]
fix:
  summary: Alice will be more careful with deploys
  level: L5
services: [checkout-api]
category: deployment-pipeline
---
# Flagged
"""


def _archive(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_late_postmortem_says_how_late(tmp_path: Path) -> None:
    late = GOOD.replace(
        "postmortem_date: 2026-10-02T12:00:00Z", "postmortem_date: 2026-10-04T20:30:00Z"
    )
    assert late != GOOD
    archive = _archive(tmp_path, {"late.md": late})
    result = CliRunner().invoke(main, ["lint", str(archive), "--as-of", "2026-11-01", "--json"])
    [row] = json.loads(result.output)["discipline"]
    assert row["flags"] == ["late"]
    # resolved 2026-10-01 12:00Z, written 2026-10-04 20:30Z: 80.5 h
    assert row["messages"] == ["postmortem written 80.5 h after resolution (target 72 h)"]


def test_clean_archive_passes(tmp_path: Path) -> None:
    archive = _archive(tmp_path, {"good.md": GOOD})
    result = CliRunner().invoke(main, ["lint", str(archive), "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert "1 file: 0 errors, 0 warnings, 0 postmortems with discipline flags" in result.output


def test_discipline_flags_are_listed_but_fail_only_with_strict(tmp_path: Path) -> None:
    archive = _archive(tmp_path, {"good.md": GOOD, "flagged.md": FLAGGED})
    result = CliRunner().invoke(main, ["lint", str(archive), "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.output
    for flag in (
        "late",
        "timeline_missing",
        "fix_at_l5",
        "fix_names_author",
        "fix_is_feeling",
        "fix_not_owned",
        "fix_not_dated",
        "fix_not_testable",
    ):
        assert f"flagged.md: discipline [{flag}]" in result.output
    assert "good.md: discipline" not in result.output
    assert "2 files: 0 errors, 0 warnings, 1 postmortem with discipline flags" in result.output
    # how late (R12): resolved 2026-10-05 11:00Z, none by 2026-11-01 00:00: 637 h
    assert (
        "flagged.md: discipline [late] no postmortem yet, 26.6 d after resolution (target 72 h)"
    ) in result.output
    strict = CliRunner().invoke(main, ["lint", str(archive), "--as-of", "2026-11-01", "--strict"])
    assert strict.exit_code == 1


def test_broken_file_fails_with_path_line_and_code(tmp_path: Path) -> None:
    broken = (
        "---\nid: PM-3\nstarted: 2026-10-01\nresolved: 2026-13-45\n"
        "services: [checkout-api]\ncategory: deployment-pipeline\n---\n"
    )
    archive = _archive(tmp_path, {"good.md": GOOD, "broken.md": broken})
    result = CliRunner().invoke(main, ["lint", str(archive), "--no-discipline"])
    assert result.exit_code == 1
    # the line once: the message's own "line 4: " is not repeated after the path
    assert "broken.md:4: error [invalid-date] `resolved` is 2026-13-45, not a date" in (
        result.output
    )
    assert result.output.splitlines()[-1] == "2 files: 1 error, 0 warnings"  # not checked: no count
    as_json = CliRunner().invoke(main, ["lint", str(archive), "--json", "--no-discipline"])
    payload = json.loads(as_json.output)
    assert payload["errors"] == 1
    assert payload["problems"][0]["code"] == "invalid-date"
    assert not list(tmp_path.glob("*.duckdb")), "lint must not write beside the archive"


def test_missing_archive_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such archive folder" in result.output


def _keeps_discipline(pm_id: str, started: str, resolved: str, fix: str) -> str:
    return (
        GOOD.replace("id: PM-1", f"id: {pm_id}")
        .replace(
            "started: 2026-10-01T10:00:00Z\nresolved: 2026-10-01T12:00:00Z\n"
            "postmortem_date: 2026-10-02T12:00:00Z\n",
            f"started: {started}\nresolved: {resolved}\n",
        )
        .replace("Canary stage gates config pushes", fix)
    )


def test_by_default_todays_postmortem_is_checked_and_late_is_as_of_today(
    tmp_path: Path,
) -> None:
    """As of today 00:00 a postmortem added today (its incident today) was left out: its own
    pull request got no discipline check."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    today = _keeps_discipline(
        "PM-TODAY", f"{midnight:%Y-%m-%dT%H:%M:%SZ}", f"{midnight:%Y-%m-%dT%H:%M:%SZ}",
        "Alice to double-check the deploys",
    )  # fmt: skip
    # resolved 60 h before today: pending late as of tomorrow, not yet as of today
    before = midnight - timedelta(hours=60)
    recent = _keeps_discipline(
        "PM-RECENT", f"{before:%Y-%m-%dT%H:%M:%SZ}", f"{before:%Y-%m-%dT%H:%M:%SZ}",
        "CI runs an automated double-check of migrations before deploy",
    )  # fmt: skip
    # resolved 100 h before today: late, and said how late as of today, not tomorrow (D7)
    waited = midnight - timedelta(hours=100)
    old = _keeps_discipline(
        "PM-OLD", f"{waited:%Y-%m-%dT%H:%M:%SZ}", f"{waited:%Y-%m-%dT%H:%M:%SZ}",
        "CI runs an automated double-check of migrations before deploy",
    )  # fmt: skip
    archive = _archive(tmp_path, {"today.md": today, "recent.md": recent, "old.md": old})
    result = CliRunner().invoke(main, ["lint", str(archive), "--json"])
    report = json.loads(result.stdout)
    flagged = {row["id"]: row["flags"] for row in report["discipline"]}
    # the automated double-check is a change; PM-RECENT is not late a day early
    assert flagged == {"PM-TODAY": ["fix_is_feeling"], "PM-OLD": ["late"]}
    messages = {row["id"]: row["messages"] for row in report["discipline"]}
    assert messages["PM-TODAY"][-1].startswith("fix reads as a resolution to try harder")
    # 100 h is 4.17 d, shown rounded up to a tenth; as of tomorrow it was 124 h (5.2 d)
    assert messages["PM-OLD"] == ["no postmortem yet, 4.2 d after resolution (target 72 h)"]
    assert (report["files"], report["postmortems"], report["rejected"]) == (3, 3, 0)


def test_an_empty_archive_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# not a postmortem\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(tmp_path)])
    assert result.exit_code == 2 and "no postmortem file below" in result.output


def test_given_files_only_they_are_reported_with_the_whole_archive_read(tmp_path: Path) -> None:
    """A pre-commit hook passes the changed files; `lint FILE` was 'Directory ... is a
    file'. The archive is still read whole: a duplicate of an id in another file counts."""
    broken = (
        "---\nid: PM-3\nstarted: 2026-10-01\nresolved: 2026-13-45\n"
        "services: [checkout-api]\ncategory: deployment-pipeline\n---\n"
    )
    copy = GOOD  # the same id as good.md: rejected as a duplicate, it sorts after
    (tmp_path / "archive" / "sub").mkdir(parents=True)
    archive = _archive(
        tmp_path / "archive",
        {"good.md": GOOD, "sub/broken.md": broken, "sub/zz-copy.md": copy, "flagged.md": FLAGGED},
    )
    (archive / "postmortems.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["lint", str(archive / "sub" / "zz-copy.md"), str(archive / "flagged.md"), "--json",
         "--as-of", "2026-11-01"],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert [(p["path"], p["code"]) for p in report["problems"]] == [
        ("sub/zz-copy.md", "duplicate-id")
    ]
    assert [row["path"] for row in report["discipline"]] == ["flagged.md"]
    assert report["files"] == 2
    # the file that keeps the id (first in path order) fails too: a new file that sorted
    # first took a published postmortem's id, and its hook passed it (review R9)
    kept = CliRunner().invoke(main, ["lint", str(archive / "good.md"), "--as-of", "2026-11-01"])
    assert kept.exit_code == 1, kept.output
    assert (
        "good.md: error [duplicate-id] id PM-1 is also the id of sub/zz-copy.md, which is "
        "rejected for it" in kept.output
    )
    assert kept.output.splitlines()[-1].startswith("1 file: 1 error, 0 warnings")
    clean = CliRunner().invoke(main, ["lint", str(archive / "flagged.md"), "--no-discipline"])
    assert clean.exit_code == 0, clean.output
    assert clean.output.splitlines()[-1].startswith("1 file: 0 errors, 0 warnings")
    (archive / "README.md").write_text("# about\n", encoding="utf-8")
    (archive / "_draft.md").write_text("---\ntitle: [oops\n---\n", encoding="utf-8")
    skipped = CliRunner().invoke(
        main, ["lint", str(archive / "README.md"), str(archive / "_draft.md")]
    )
    assert skipped.exit_code == 0
    assert "_draft.md: not a postmortem file of" in skipped.stderr
    assert skipped.stdout.splitlines()[-1].startswith("0 files: 0 errors")
    (tmp_path / "elsewhere.md").write_text(GOOD, encoding="utf-8")
    outside = CliRunner().invoke(
        main, ["lint", str(archive / "good.md"), str(tmp_path / "elsewhere.md")]
    )
    assert outside.exit_code == 2 and "is not in the archive" in outside.output


@pytest.mark.parametrize(
    ("fix", "feeling"),
    [
        ("Alice to double-check the deploys", True),
        ("Double-check the config before every deploy", True),
        ("Add a CI job to double-check migrations before deploy", False),
        ("CI runs an automated double-check of migrations", False),
        ("Add a double-check step to the deploy pipeline", False),
        ("Terraform plan double-checks drift nightly", False),
        ("On-call engineers must double-check the deploy gates by hand", True),
        ("Team to double-check the job schedule each morning", True),
    ],
)
def test_a_double_check_is_a_feeling_when_a_person_does_it(
    tmp_path: Path, fix: str, feeling: bool
) -> None:
    text = GOOD.replace("Canary stage gates config pushes", fix)
    archive = _archive(tmp_path, {"pm.md": text})
    result = CliRunner().invoke(main, ["lint", str(archive), "--json", "--as-of", "2026-11-01"])
    flags = [f for row in json.loads(result.stdout)["discipline"] for f in row["flags"]]
    assert ("fix_is_feeling" in flags) is feeling


def test_a_folder_of_an_archive_is_linted_with_the_archives_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lint 2026` (or `lint` run in it) read 2026/ as an archive of its own: naive times in
    UTC, not the archive's Berlin, so a postmortem written 71.5 h after resolution across
    the clocks' change was flagged late and one 72.5 h after was not (review R15)."""
    archive = tmp_path / "archive"
    (archive / "2026").mkdir(parents=True)
    (archive / "postmortems.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    naive = (  # Berlin: the clocks go forward at 02:00 on 2026-03-29
        GOOD.replace("started: 2026-10-01T10:00:00Z", "started: 2026-03-28 10:00")
        .replace("resolved: 2026-10-01T12:00:00Z", "resolved: 2026-03-28 12:00")
        .replace("due: 2026-10-20", "due: 2026-04-20")
    )
    on_time = naive.replace(
        "postmortem_date: 2026-10-02T12:00:00Z", "postmortem_date: 2026-03-31 12:30"
    )
    late = naive.replace("id: PM-1", "id: PM-5").replace(
        "postmortem_date: 2026-10-02T12:00:00Z", "postmortem_date: 2026-03-31 11:30+00:00"
    )  # 72.5 h after 12:00 +01:00
    broken = "---\nid: PM-9\nstarted: 2025-10-01\nresolved: 2025-13-45\n---\n"
    _archive(archive, {"2026/on-time.md": on_time, "2026/late.md": late, "old.md": broken})
    args = ["--json", "--as-of", "2026-06-01"]
    for run in (["lint", str(archive / "2026"), *args], ["lint", *args]):
        monkeypatch.chdir(archive / "2026")  # the second: lint run in the folder itself
        result = CliRunner().invoke(main, run)
        assert result.exit_code == 0, result.output  # old.md's error is not 2026/'s
        report = json.loads(result.stdout)
        late_flags = [row["path"] for row in report["discipline"] if "late" in row["flags"]]
        assert late_flags == ["2026/late.md"]
        assert (report["files"], report["postmortems"], report["rejected"]) == (2, 2, 0)
        assert "note: 2026/ is a part of the archive" in result.stderr
    monkeypatch.chdir(tmp_path)
    whole = CliRunner().invoke(main, ["lint", str(archive), *args])
    assert whole.exit_code == 1 and "note:" not in whole.stderr
    assert (json.loads(whole.stdout)["files"], json.loads(whole.stdout)["rejected"]) == (3, 1)
    given = CliRunner().invoke(main, ["lint", str(archive / "2026" / "late.md"), *args])
    report = json.loads(given.stdout)  # the counts are the given file's, not the archive's
    assert (report["files"], report["postmortems"], report["rejected"]) == (1, 1, 0)
    # a folder of a repository with no postmortems.toml: read alone, as before
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "postmortems").mkdir()
    (repo / "docs").mkdir()
    (repo / "docs" / "guide.md").write_text("# not a postmortem\n", encoding="utf-8")
    (repo / "postmortems" / "good.md").write_text(GOOD, encoding="utf-8")
    alone = CliRunner().invoke(main, ["lint", str(repo / "postmortems"), "--json"])
    assert alone.exit_code == 0 and "note:" not in alone.stderr
    assert json.loads(alone.stdout)["files"] == 1
    ingested = CliRunner().invoke(
        main, ["ingest", str(archive / "2026"), "--db", str(tmp_path / "pm.duckdb")]
    )
    assert ingested.exit_code == 0, ingested.output
    assert f"without the postmortems.toml of {archive.resolve()}" in ingested.stderr


def test_lint_keeps_its_database_in_the_cache_and_reads_the_changes(tmp_path: Path) -> None:
    """A pre-commit hook on 20,000 files read every one on each run, 24 s (review R18): the
    database is now kept between runs, so a run reads what changed, and what it reports is
    what a fresh read reports."""
    import fcntl
    import os

    (tmp_path / "archive").mkdir()
    archive = _archive(tmp_path / "archive", {"good.md": GOOD, "flagged.md": FLAGGED})
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "postmortems" / "lint"
    args = ["lint", str(archive), "--json", "--as-of", "2026-11-01"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    [kept] = cache.glob("*.duckdb")
    (archive / "good.md").write_text(GOOD.replace("2026-10-01T12:00:00Z", "2026-13-45"))
    broken = CliRunner().invoke(main, args)
    assert broken.exit_code == 1
    report = json.loads(broken.stdout)
    assert [(p["path"], p["code"]) for p in report["problems"]] == [("good.md", "invalid-date")]
    fresh = CliRunner().invoke(main, [*args, "--no-cache"])
    assert json.loads(fresh.stdout) == report  # the cache changes nothing but the time
    (archive / "good.md").unlink()
    gone = CliRunner().invoke(main, args)
    assert gone.exit_code == 0 and json.loads(gone.stdout)["files"] == 1
    assert list(cache.glob("*.duckdb")) == [kept]  # one per archive, --no-cache made none
    # another lint of the archive holds the cache: this one reads afresh, and is right
    with open(kept.with_name(kept.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        busy = CliRunner().invoke(main, args)
    assert busy.exit_code == 0, busy.output
    assert json.loads(busy.stdout)["files"] == 1


def test_a_folder_the_archive_does_not_read_is_said_not_passed(tmp_path: Path) -> None:
    """`lint scratch`, a folder postmortems.toml excludes, printed "0 files: 0 errors" and
    passed (D8)."""
    archive = tmp_path / "archive"
    (archive / "scratch").mkdir(parents=True)
    (archive / "postmortems.toml").write_text('exclude = ["scratch/*"]\n', encoding="utf-8")
    _archive(archive, {"good.md": GOOD, "scratch/idea.md": FLAGGED})
    result = CliRunner().invoke(main, ["lint", str(archive / "scratch")])
    assert result.exit_code == 2
    assert "no postmortem file of" in result.output and "below scratch/" in result.output


def test_a_damaged_cache_is_read_past_and_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache file cut short was read past on every run, a full read each time, and never
    built again; a relative XDG_CACHE_HOME made the cache in the current folder (D9)."""
    import os

    archive = tmp_path / "archive"
    archive.mkdir()
    _archive(archive, {"good.md": GOOD, "flagged.md": FLAGGED})
    args = ["lint", str(archive), "--json", "--as-of", "2026-11-01"]
    fresh = json.loads(CliRunner().invoke(main, [*args, "--no-cache"]).stdout)
    assert json.loads(CliRunner().invoke(main, args).stdout) == fresh
    [kept] = (Path(os.environ["XDG_CACHE_HOME"]) / "postmortems" / "lint").glob("*.duckdb")
    kept.write_bytes(b"not a database" * 100)
    kept.with_name(kept.name + ".manifest").unlink(missing_ok=True)
    damaged = CliRunner().invoke(main, args)
    assert damaged.exit_code == 0 and json.loads(damaged.stdout) == fresh
    assert not kept.exists()  # removed, so the next run builds it again
    assert json.loads(CliRunner().invoke(main, args).stdout) == fresh and kept.exists()
    # a relative XDG_CACHE_HOME is ignored: the home folder's cache instead
    monkeypatch.chdir(archive)
    monkeypatch.setenv("XDG_CACHE_HOME", "relcache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert json.loads(CliRunner().invoke(main, args).stdout) == fresh
    assert not (archive / "relcache").exists()
    assert list((tmp_path / "home" / ".cache" / "postmortems" / "lint").glob("*.duckdb"))


def test_a_cache_unused_for_a_month_is_removed(tmp_path: Path) -> None:
    """One database per archive path piled up: worktrees, CI checkouts (D9)."""
    import os
    import time

    from analytics import lint

    archive = tmp_path / "archive"
    archive.mkdir()
    _archive(archive, {"good.md": GOOD})
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "postmortems" / "lint"
    cache.mkdir(parents=True)
    old, recent = cache / "0000000000000000.duckdb", cache / "1111111111111111.duckdb"
    for path in (old, old.with_name(old.name + ".manifest"), recent):
        path.write_bytes(b"x")
    month_ago = time.time() - (lint.CACHE_DAYS + 1) * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(recent, (month_ago + 2 * 86400, month_ago + 2 * 86400))  # 29 days: kept
    assert CliRunner().invoke(main, ["lint", str(archive)]).exit_code == 0
    assert not old.exists() and not old.with_name(old.name + ".manifest").exists()
    assert recent.exists() and len(list(cache.glob("*.duckdb"))) == 2  # and this archive's
