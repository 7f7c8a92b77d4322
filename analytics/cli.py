"""The `postmortems` command: a thin click group over the library."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="incident-pattern-analytics")
def main() -> None:
    """Incident pattern analytics over a postmortem archive."""


# Commands live in their own modules and register here, one line each.
from analytics.ingest_cli import ingest_command  # noqa: E402

main.add_command(ingest_command)
from analytics.sql_cli import sql_command  # noqa: E402

main.add_command(sql_command)
from analytics.new import new_command  # noqa: E402

main.add_command(new_command)
from analytics.dashboard_cli import dashboard_command  # noqa: E402

main.add_command(dashboard_command)
from analytics.sample_cli import sample_command  # noqa: E402

main.add_command(sample_command)
from analytics.summary import summary  # noqa: E402

main.add_command(summary)
from analytics.report_cli import report_command  # noqa: E402

main.add_command(report_command)
from analytics.lint import lint_command  # noqa: E402

main.add_command(lint_command)
