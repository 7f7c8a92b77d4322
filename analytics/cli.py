"""The `postmortems` command: a thin click group over the library.

Each command lives in its own module, named for what it does; this file only groups them.
"""

from __future__ import annotations

import click

from analytics.dashboard_cli import dashboard_command
from analytics.ingest_cli import ingest_command
from analytics.lint import lint_command
from analytics.new import new_command
from analytics.report_cli import report_command
from analytics.sample_cli import sample_command
from analytics.sql_cli import sql_command
from analytics.summary import summary


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="incident-pattern-analytics")
def main() -> None:
    """Incident pattern analytics over a postmortem archive.

    Start with `postmortems ingest ARCHIVE`, then `summary`, `dashboard` or `report`.
    """


for command in (
    ingest_command,
    summary,
    report_command,
    dashboard_command,
    lint_command,
    sql_command,
    new_command,
    sample_command,
):
    main.add_command(command)
