"""`postmortems dashboard`: it becomes the Streamlit server, so stopping it stops the server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analytics import dashboard_cli
from analytics.cli import main

POSTMORTEMS = Path(sys.executable).parent / "postmortems"  # the installed console script


def test_dashboard_execs_streamlit_with_its_command_line_and_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "pm.duckdb"
    db.touch()
    calls: list[tuple[str, list[str], dict[str, str]]] = []

    def spawn(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a child process outlives a SIGTERM to the command")

    monkeypatch.setattr(subprocess, "Popen", spawn)
    monkeypatch.setattr(subprocess, "call", spawn)
    monkeypatch.setattr(os, "execve", lambda path, args, env: calls.append((path, args, env)))
    monkeypatch.setenv("PM_TEST_PASSED_THROUGH", "yes")
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(main, ["dashboard", "--db", "pm.duckdb", "--port", "8765"])

    assert result.exit_code == 0, result.output
    assert result.output == "Dashboard on http://127.0.0.1:8765 (Ctrl-C stops it)\n"
    ((path, args, env),) = calls
    assert args == dashboard_cli.streamlit_args(dashboard_cli.APP, 8765, "127.0.0.1")
    assert path == args[0] == sys.executable
    assert "--browser.gatherUsageStats=false" in args
    assert env[dashboard_cli.DB_ENV] == str(db.resolve())
    assert env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"
    assert env["PM_TEST_PASSED_THROUGH"] == "yes"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_to_the_command_stops_the_server(fixture_db: Path, tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "dashboard.log").open("wb")
    # its own process group, so the finally below also reaches a server it may have orphaned
    command = subprocess.Popen(
        [str(POSTMORTEMS), "dashboard", "--db", str(fixture_db), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                url = f"http://127.0.0.1:{port}/_stcore/health"
                with urllib.request.urlopen(url, timeout=1) as reply:
                    if reply.read() == b"ok":
                        break
            except OSError:
                pass
            assert command.poll() is None, (tmp_path / "dashboard.log").read_text()
            assert time.monotonic() < deadline, "the dashboard did not start in 30 s"
            time.sleep(0.1)

        command.send_signal(signal.SIGTERM)
        command.wait(timeout=10)
        deadline = time.monotonic() + 5
        while listening(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not listening(port), "the server still serves after SIGTERM to the command"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(command.pid, signal.SIGKILL)
        command.wait(timeout=10)
        log.close()
