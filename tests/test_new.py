"""`postmortems new`: a skeleton that ingests cleanly; bad options are usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archive_factory import parse, without_missing_keys
from click.testing import CliRunner

from analytics.cli import main


def new(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["new", *args, "--archive", str(tmp_path)])
    return result.exit_code, result.output


def test_a_new_postmortem_parses_with_what_was_given(tmp_path: Path) -> None:
    title = "DB: failover # 2 took 40 min, 'again'"  # YAML would misread it unquoted
    code, output = new(
        tmp_path, title, "--severity", "high", "--service", "Orders DB", "--category",
        "Database", "--team", "data_team", "--started", "2026-03-02 14:05",
    )  # fmt: skip
    assert code == 0, output
    path = Path(output.strip())
    assert path.parent == tmp_path / "2026" and path.name.startswith("PM-2026-001-db-failover")
    parsed = parse(path.read_text(encoding="utf-8"), path=path.name)
    assert [p.code for p in parsed.problems] == []
    pm = parsed.postmortem
    assert pm is not None
    assert (pm.id, pm.title, pm.severity) == ("PM-2026-001", title, "SEV2")
    assert (pm.services, pm.categories, pm.teams) == (["orders-db"], ["database"], ["data-team"])
    assert pm.started.isoformat() == "2026-03-02T14:05:00+00:00"
    assert pm.actions == []  # the blank `fix:` skeleton is no fix yet (was an unleveled one)
    # nothing the author has not said: a pre-filled `timeline_written: during` hid the
    # timeline_missing flag of every postmortem that left it (review R9)
    assert pm.timeline_written is None and pm.chain_level is None
    assert path.read_text(encoding="utf-8").split("\n---\n", 1)[1].startswith(f"# {title}\n")

    code, output = new(tmp_path, "Second one", "--started", "2026-04-01")
    assert code == 0 and Path(output.strip()).name.startswith("PM-2026-002-second-one")
    # no --service, no --category: warned on the skeleton's blank keys, for the author to fill
    second = parse(Path(output.strip()).read_text(encoding="utf-8"))
    assert [(p.code, p.line) for p in second.problems] == [
        ("missing-category", 7),
        ("missing-services", 6),
    ]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--severity", "SEV9", "Error: --severity: 'SEV9' is not a severity"),
        ("--started", "2026-13-45", "Error: --started: '2026-13-45' is not a date or time"),
    ],
)
def test_a_bad_option_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    code, output = new(tmp_path, "Title", option, value)
    assert code == 2
    assert output.startswith(message) and "Traceback" not in output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("option", "value", "field", "expected"),
    [("--service", "api]v2", "services", ["api]v2"]), ("--team", "{x}", "teams", ["{x}"]),
     ("--category", "*star", "categories", ["*star"])],
)  # fmt: skip
def test_names_that_are_yaml_syntax_are_quoted(
    tmp_path: Path, option: str, value: str, field: str, expected: list[str]
) -> None:
    code, output = new(tmp_path, "Title", option, value, "--started", "2026-03-02")
    assert code == 0, output
    path = Path(output.strip())
    # one option given: the other keys are blank, and warned
    parsed = without_missing_keys(parse(path.read_text(encoding="utf-8"), path=path.name))
    assert [p.code for p in parsed.problems] == [] and parsed.postmortem is not None
    assert getattr(parsed.postmortem, field) == expected


def test_an_existing_file_is_not_overwritten(tmp_path: Path) -> None:
    args = ("Same", "--id", "PM-X", "--started", "2026-03-02")
    assert new(tmp_path, *args)[0] == 0
    path = tmp_path / "2026" / "PM-X-same.md"
    path.write_text("mine", encoding="utf-8")
    code, output = new(tmp_path, *args)
    assert code == 2 and "already exists" in output
    assert path.read_text(encoding="utf-8") == "mine"


def test_the_next_id_is_free_in_every_folder_and_in_the_files_ids(tmp_path: Path) -> None:
    """Only ARCHIVE/YYYY/'s file names counted: a PM-2026-001 in another folder, or an id
    given in the frontmatter, was handed out again, and the duplicate-id rule then dropped
    the older, real postmortem."""
    (tmp_path / "zz").mkdir()
    (tmp_path / "zz" / "PM-2026-001-checkout.md").write_text(
        "---\nstarted: 2026-01-05\n---\n", encoding="utf-8"
    )
    (tmp_path / "2026" / "q1").mkdir(parents=True)
    (tmp_path / "2026" / "q1" / "outage.md").write_text(
        "---\nincident_id: 'PM-2026-007'   # from the tracker\nstarted: 2026-02-01\n---\n",
        encoding="utf-8",
    )
    code, output = new(tmp_path, "Next", "--started", "2026-03-02")
    assert code == 0 and Path(output.strip()).name == "PM-2026-008-next.md"
    code, output = new(tmp_path, "Mine", "--id", "PM-2026-007", "--started", "2026-03-02")
    assert code == 2
    assert "id PM-2026-007 is already used by 2026/q1/outage.md" in output


def test_a_naive_start_is_in_the_archives_timezone(tmp_path: Path) -> None:
    (tmp_path / "postmortems.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    code, output = new(tmp_path, "Berlin", "--started", "2026-11-20 14:05")
    assert code == 0, output
    parsed = parse(Path(output.strip()).read_text(encoding="utf-8"))
    assert parsed.postmortem is not None
    assert parsed.postmortem.started.isoformat() == "2026-11-20T14:05:00+01:00"


def test_ids_in_files_with_a_bom_or_crlf_lines_are_taken(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "bom.md").write_bytes(
        b"\xef\xbb\xbf---\nid: PM-2026-001\nstarted: 2026-01-03 10:00\n---\n"
    )
    (tmp_path / "other" / "crlf.md").write_bytes(
        b"---\r\nid: PM-2026-007\r\nstarted: 2026-01-04 10:00\r\n---\r\n"
    )
    code, output = new(tmp_path, "x", "--started", "2026-02-01 10:00")
    assert code == 0 and Path(output.strip()).name == "PM-2026-008-x.md"
    code, output = new(tmp_path, "y", "--id", "PM-2026-007", "--started", "2026-02-01 10:00")
    assert code == 2 and "already used by other/crlf.md" in output


def test_from_a_teams_subfolder_ids_and_settings_are_the_archives(tmp_path: Path) -> None:
    """`new --archive team-infra` (or run in it) numbered from that folder alone: it wrote
    PM-2026-001, which the archive's root already had, and the duplicate-id rule then
    dropped one of them; and it missed the root's timezone (review R9)."""
    (tmp_path / "postmortems.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "PM-2026-001-fraud.md").write_text(
        "---\nstarted: 2026-01-05\n---\n", encoding="utf-8"
    )
    team = tmp_path / "team-infra"
    team.mkdir()
    code, output = new(team, "Ingress", "--started", "2026-11-20 14:05")
    assert code == 0, output
    written = Path(output.strip())
    assert written.parent == team / "2026" and written.name == "PM-2026-002-ingress.md"
    parsed = parse(written.read_text(encoding="utf-8"))
    assert parsed.postmortem is not None
    assert parsed.postmortem.started.isoformat() == "2026-11-20T14:05:00+01:00"


def test_an_id_below_an_alias_is_taken(tmp_path: Path) -> None:
    """The ingest takes `id:` over a `key:` above it; `new` read only the first line, so it
    handed out the real id again (review D4)."""
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "ops.md").write_text(
        "---\nkey: OPS-17\nid: PM-2026-001\nstarted: 2026-01-05\n---\n", encoding="utf-8"
    )
    code, output = new(tmp_path, "Next", "--started", "2026-03-02")
    assert code == 0 and Path(output.strip()).name == "PM-2026-002-next.md"


def test_a_severity_word_of_the_archives_own_scale(tmp_path: Path) -> None:
    """D14: `--severity minor` wrote SEV4 where the archive's [aliases.severity] reads the
    word in its files as SEV3, and `summary --severity minor` left those files out."""
    (tmp_path / "postmortems.toml").write_text('[aliases.severity]\nminor = "SEV3"\n', "utf-8")
    (tmp_path / "old.md").write_text(
        "---\nid: OLD-1\nseverity: Minor\nstarted: 2026-03-01\n---\n# old\n", "utf-8"
    )
    code, output = new(tmp_path, "Slow search", "--severity", "minor", "--started", "2026-03-02")
    assert code == 0, output
    assert "severity: SEV3" in Path(output.strip()).read_text(encoding="utf-8")
    db = tmp_path / "pm.duckdb"
    assert CliRunner().invoke(main, ["ingest", str(tmp_path), "--db", str(db)]).exit_code == 0
    summary = ["summary", "--db", str(db), "--as-of", "2026-04-01", "--json"]
    for word, counted in (("Minor", 2), ("SEV3", 2), ("SEV4", 0)):
        result = CliRunner().invoke(main, [*summary, "--severity", word])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["postmortems"] == counted, word
