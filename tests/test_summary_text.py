"""The readable `postmortems summary`: service x category patterns come before category ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from analytics.cli import main


def _pm(n: int, service: str, day: str) -> str:
    return (
        f"---\nid: PM-{n}\nstarted: {day}T10:00:00Z\nservices: [{service}]\n"
        "category: deployment-pipeline\n---\n"
    )


def test_service_patterns_are_listed_first(make_db: Callable[..., Path]) -> None:
    # Four deploy incidents in 2026-01..03: a category pattern of 4, and checkout-api x
    # deployment-pipeline (3 of them) a service pattern.
    db = make_db(
        {
            "a.md": _pm(1, "checkout-api", "2026-01-05"),
            "b.md": _pm(2, "search-api", "2026-01-20"),
            "c.md": _pm(3, "checkout-api", "2026-02-10"),
            "d.md": _pm(4, "checkout-api", "2026-03-01"),
        }
    )
    result = CliRunner().invoke(main, ["summary", "--db", str(db), "--as-of", "2026-04-01"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Patterns: 2"))
    assert lines[start + 1].startswith("  checkout-api × deployment-pipeline: 3 incidents")
    assert lines[start + 2].startswith("  deployment-pipeline: 4 incidents")


def test_a_pattern_line_says_all_its_incidents_the_window_count_and_the_latest(
    make_db: Callable[..., Path],
) -> None:
    # checkout-api x deployment-pipeline: 7 incidents in all, 3 at most within 180 days (one
    # every ~80 days: any 180 days hold 3), so `count` and the members differ.
    days = ["2025-01-05", "2025-03-26", "2025-06-14", "2025-09-02", "2025-11-21", "2026-02-09",
            "2026-04-30"]  # fmt: skip
    db = make_db({f"{n}.md": _pm(n, "checkout-api", day) for n, day in enumerate(days, 1)})
    result = CliRunner().invoke(main, ["summary", "--db", str(db), "--as-of", "2026-06-01"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "checkout-api × " in line)
    assert line == (
        "  checkout-api × deployment-pipeline: 7 incidents, at most 3 within 180 days, "
        "2025-01-05..2026-04-30, active; latest: …, PM-3, PM-4, PM-5, PM-6, PM-7"
    )


def test_from_after_to_is_named_by_its_options(make_db: Callable[..., Path]) -> None:
    db = make_db({"a.md": _pm(1, "checkout-api", "2026-01-05")})
    args = ["summary", "--db", str(db), "--from", "2026-10-31", "--to", "2026-10-01"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "Error: --from 2026-10-31 is after --to 2026-10-01" in result.output


def test_a_range_past_the_as_of_date_says_what_it_leaves_out(
    make_db: Callable[..., Path],
) -> None:
    """R24: `--from 2026-11-01 --to 2026-11-30` on 11-29 read as if today were in it."""
    db = make_db({"a.md": _pm(1, "checkout-api", "2026-11-10")})
    base = ["summary", "--db", str(db), "--from", "2026-11-01", "--to", "2026-11-30"]
    said = "(--to 2026-11-30 runs past the as-of date: incidents started on 2026-11-29 or later"
    lines = CliRunner().invoke(main, [*base, "--as-of", "2026-11-29"]).output.splitlines()
    assert lines[1].strip().startswith(said) and lines[2].startswith("Postmortems ")
    for as_of in ("2026-11-30", "2026-12-01"):  # the 30th is still not counted; then all is
        output = CliRunner().invoke(main, [*base, "--as-of", as_of]).output
        assert ("runs past the as-of date" in output) is (as_of == "2026-11-30")


def test_active_patterns_come_before_inactive_ones(make_db: Callable[..., Path]) -> None:
    """An inactive service pattern was listed before the active category pattern."""
    db = make_db(
        {
            "a.md": _pm(1, "checkout-api", "2025-01-05"),
            "b.md": _pm(2, "checkout-api", "2025-01-20"),
            "c.md": _pm(3, "checkout-api", "2025-02-10"),
            "d.md": _pm(4, "search-api", "2026-01-05"),
            "e.md": _pm(5, "orders-api", "2026-02-05"),
            "f.md": _pm(6, "cart-api", "2026-03-01"),
        }
    )
    result = CliRunner().invoke(main, ["summary", "--db", str(db), "--as-of", "2026-04-01"])
    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Patterns: "))
    # the order it lists them in is said (--json's, the dashboard's, differs)
    assert "active first, a service's before category-wide" in lines[start]
    assert lines[start + 1].startswith("  deployment-pipeline: ")
    assert ", active; latest" in lines[start + 1]
    assert lines[start + 2].startswith("  checkout-api × deployment-pipeline: 3 incidents")
    assert ", inactive; latest" in lines[start + 2]


def test_the_rejected_count_and_the_hours_read_as_elsewhere(make_db: Callable[..., Path]) -> None:
    """'(1 files rejected)'; and hours read as display.hours writes them (72.04 h, late, read
    '72.0 h')."""
    db = make_db(
        {
            "a.md": (
                "---\nid: PM-1\nstarted: 2026-01-05T10:00:00Z\nresolved: 2026-01-05T10:00:00Z\n"
                "postmortem_date: 2026-01-08T10:03:00Z\n---\n"
            ),
            "b.md": "---\nid: PM-2\n---\n",  # no started: rejected
        }
    )
    result = CliRunner().invoke(main, ["summary", "--db", str(db), "--as-of", "2026-04-01"])
    assert "(1 file rejected)" in result.output
    assert "72.1 h / 72.1 h" in result.output  # 72 h 3 min: late, and reads so


def test_its_labels_are_the_other_surfaces(make_db: Callable[..., Path]) -> None:
    """It said 'Postmortem on time' and 'no_fix' where the dashboard and the report say
    'Written within 72 h' and 'no fix' (review R9)."""
    db = make_db({"a.md": _pm(1, "checkout-api", "2026-01-05")})
    result = CliRunner().invoke(main, ["summary", "--db", str(db), "--as-of", "2026-04-01"])
    assert result.exit_code == 0, result.output
    assert "Written within 72 h" in result.output and "Postmortem on time" not in result.output
    assert "no fix 1" in result.output and "no_fix" not in result.output


def test_the_fixes_line_counts_every_fix(make_db: Callable[..., Path]) -> None:
    """Held / recurred / watching alone did not add up to the fixes: a fix not done, dropped
    or of unknown outcome (done, no date) was in no number of the text (the dashboard shows
    all six)."""

    def with_fix(n: int, status: str) -> str:
        head, _, _ = _pm(n, "api", f"2026-01-0{n}").rpartition("---\n")
        return head + f"fix: {{summary: s, level: L4, status: {status}}}\n---\n"

    db = make_db({"a.md": with_fix(1, "open"), "b.md": with_fix(2, "dropped"),
                  "c.md": with_fix(3, "done")})  # fmt: skip
    result = CliRunner().invoke(main, ["summary", "--db", str(db), "--as-of", "2026-04-01"])
    assert result.exit_code == 0, result.output
    assert "0 / 0 / 0   (not done 1, dropped 1, unknown 1)" in result.output
