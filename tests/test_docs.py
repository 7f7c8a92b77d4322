"""Every command has help with an example and is documented in the README; docs links resolve."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from analytics.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_cli_has_every_command_spec_names() -> None:
    spec = {"ingest", "dashboard", "summary", "report", "lint", "sql", "new", "sample"}
    assert spec <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_in_the_readme(name: str) -> None:
    assert f"`postmortems {name}" in README


def test_readme_links_to_docs_that_exist() -> None:
    links = re.findall(r"\]\((docs/[^)#]+)", README)
    assert links
    for link in links:
        assert (ROOT / link).is_file(), link


def test_ingest_does_not_import_the_heavy_surfaces() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from analytics.cli import main; main.get_command(None, 'ingest'); "
        "print(sorted(m for m in ('pandas', 'altair', 'streamlit') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_dash_m_runs_the_cli() -> None:
    """`python -m analytics.cli summary` exited 0 and printed nothing (review R12)."""
    done = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "ingest" in done.stdout, done.stderr
