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
    assert lines[start + 1].startswith("  deployment-pipeline @ checkout-api: 3 incidents")
    assert lines[start + 2].startswith("  deployment-pipeline: 4 incidents")
