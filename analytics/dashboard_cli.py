"""`postmortems dashboard`: start the Streamlit app, offline and on loopback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from analytics.cli_common import db_option, fail, failed
from analytics.ingest import IngestError, IngestFailed, ingest
from analytics.ingest_cli import DEFAULT_ARCHIVE, describe

APP = Path(__file__).resolve().parent.parent / "dashboards" / "app.py"
DB_ENV = "POSTMORTEMS_DB"  # how the app learns which database to read


def streamlit_args(app: Path, port: int, address: str) -> list[str]:
    """The `streamlit run` command line: no telemetry, no file watcher, no browser launch."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless=true",
        f"--server.address={address}",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--global.developmentMode=false",
        "--theme.base=light",
        "--client.toolbarMode=viewer",
    ]


@click.command("dashboard")
@db_option
@click.option("--port", default=8501, show_default=True, help="Port to serve on.")
@click.option("--address", default="127.0.0.1", show_default=True, help="Address to bind.")
def dashboard_command(db: Path, port: int, address: str) -> None:
    """Open the dashboard (monthly review, recurrence, fix levels, time to postmortem,
    actions, incident explorer, data quality) at http://ADDRESS:PORT.

    If the database does not exist yet and this is the project's folder (data/sample-archive
    is here), the bundled sample archive is loaded first; elsewhere, run `postmortems
    ingest ARCHIVE --db FILE` first.

    Example:

        postmortems dashboard --db data/postmortems.duckdb --port 8501
    """
    if not db.exists():
        if not DEFAULT_ARCHIVE.is_dir():
            fail(f"no database at {db}; run `postmortems ingest ARCHIVE` first")
        click.echo(f"No database at {db}: loading the sample archive {DEFAULT_ARCHIVE} first.")
        try:
            click.echo(describe(ingest(DEFAULT_ARCHIVE, db)))
        except IngestFailed as exc:
            failed(str(exc))
        except IngestError as exc:
            fail(str(exc))
    click.echo(f"Dashboard on http://{address}:{port} (Ctrl-C stops it)")
    env = {**os.environ, DB_ENV: str(db.resolve()), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    args = streamlit_args(APP, port, address)
    sys.stdout.flush()  # exec drops what Python has not written yet
    sys.stderr.flush()
    # Become the server (same pid), so a SIGTERM to this command stops it; a child started
    # with subprocess would be orphaned and keep serving.
    os.execve(args[0], args, env)
