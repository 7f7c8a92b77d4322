"""The `postmortems` command: a thin click group over the library.

Each command lives in its own module and is imported only when it runs, so a nightly
`postmortems ingest` does not pay for pandas, Altair or Streamlit.
"""

from __future__ import annotations

import importlib

import click

from analytics.cli_common import environment_failure, failed

# name -> "module:attribute", in the order a reliability lead meets them.
COMMANDS = {
    "ingest": "analytics.ingest_cli:ingest_command",
    "summary": "analytics.summary:summary",
    "report": "analytics.report_cli:report_command",
    "dashboard": "analytics.dashboard_cli:dashboard_command",
    "lint": "analytics.lint:lint_command",
    "sql": "analytics.sql_cli:sql_command",
    "new": "analytics.new:new_command",
    "sample": "analytics.sample_cli:sample_command",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use. A failure of the file system or
    of DuckDB that a command does not report itself (a full disk, a report path that
    cannot be written) ends it with one line and exit 3, not a traceback and exit 1 (which
    `--strict` and `lint` use for rejected files): a cron job can tell them apart."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            message = environment_failure(exc)
            if message is None:
                raise
            failed(message)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="incident-pattern-analytics")
def main() -> None:
    """Incident pattern analytics over a postmortem archive.

    Start with `postmortems ingest ARCHIVE`, then `summary`, `dashboard` or `report`.
    """


if __name__ == "__main__":  # `python -m analytics.cli ...` did nothing, silently (R12)
    main()
