"""Time each dashboard page as a user sees it: a real browser (headless Chromium) on a
running `streamlit run dashboards/app.py`, one database.

AppTest (pages_probe.py) times the page's script on the server; a user also waits for what
the page sends over the websocket to arrive and be drawn (a chart of 100k dots: seconds).
Here one tab opens the app as a user does, on its default page (the Monthly review, with
charts), but as of a month earlier (`first_load_s`: the app's JavaScript, the sidebar, that
page, the chart code the browser loads for a page's first chart). It then moves to Data
quality, sets the sidebar's As of to AS_OF there, and goes page to page by the sidebar, as
a user does: a first visit of each page (`cold_s`: the server computes its metrics at AS_OF,
nothing of which the opening computed, then the browser draws it) and, after a round of
every page, a second visit (`warm_s`: from the server's cache). Opening on a page without a
chart would charge the browser's chart code (0.25-0.55 s) to whichever page came first.
A visit ends when the server has said the script finished (its `script_finished` message
on the websocket), the page shows its title, nothing runs and every chart has drawn (an SVG
or canvas taller than 50 px), and it stays so for QUIET_S (the time reported is when it got
there). `sent_mb`: websocket bytes the browser received on the first visit;
`cold_script_s`: when its first `script_finished` arrived (the rest of `cold_s` is drawing
and any rerun).

Prints one JSON line per page. Without playwright or Chromium it prints a `skipped` line per
page and exits 0. A page past --cap is reported as a timeout and the tour goes on.

Usage: python benchmarks/browser_probe.py DB AS_OF PAGE.py... [--cap S] [--skip a,b]
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from probes import LAZY_VIEWS, emit, probe_arguments

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboards" / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
OPENING_PAGE = "monthly_review.py"  # the app's default page, opened as of a month before AS_OF
AS_OF_PAGE = "data_quality.py"  # where the tour sets As of: the cheapest page
QUIET_S = 0.6  # a visit is over when nothing runs and every chart is drawn for this long
POLL_S = 0.04
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].every(
    c => [...c.querySelectorAll('svg, canvas')].some(g => g.getBoundingClientRect().height > 50))"""


def declared_pages() -> dict[str, tuple[str, str]]:
    """Page file -> (title, URL path), as dashboards/app.py declares them (st.Page; the
    default page declares no path: it is served at "/", path "")."""
    text = APP.read_text(encoding="utf-8")
    found = re.findall(r'PAGES / "(\w+\.py)", title="([^"]+)"(?:, url_path="([\w-]+)")?', text)
    return {name: (title, path) for name, title, path in found}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(db: str | Path) -> Iterator[str]:
    """The dashboard as `postmortems dashboard` starts it (the same `streamlit run` command
    line), on a free loopback port, reading `db`; yields its URL once it answers."""
    from analytics.dashboard_cli import DB_ENV, streamlit_args

    port = free_port()
    # resolved as `postmortems dashboard` does: the server runs in the project root
    env = {
        **os.environ,
        DB_ENV: str(Path(db).resolve()),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    proc = subprocess.Popen(
        streamlit_args(APP, port, "127.0.0.1"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as reply:
                    if reply.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                stderr = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"streamlit did not start: {stderr[-800:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class Socket:
    """What the browser received over the websocket since `reset`: bytes, and when the first
    and the last `script_finished` arrived."""

    def __init__(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.message = ForwardMsg
        self.reset()

    def reset(self) -> None:
        self.bytes = 0
        self.finished_at = 0.0
        self.first_finished_at = 0.0

    def received(self, payload: bytes | str) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.bytes += len(data)
        message = self.message()
        try:
            message.ParseFromString(data)
        except Exception:  # noqa: BLE001 - not a ForwardMsg: counted, not parsed
            return
        if message.WhichOneof("type") == "script_finished":
            self.finished_at = time.perf_counter()
            self.first_finished_at = self.first_finished_at or self.finished_at


def month_before(as_of: str) -> str:
    """The same day a month earlier (the 28th at most), as YYYY-MM-DD."""
    day = date.fromisoformat(as_of)
    first = day.replace(day=1) - timedelta(days=1)
    return first.replace(day=min(day.day, 28)).isoformat()


def set_as_of(page: Any, socket: Socket, title: str, as_of: str, cap: float) -> None:
    """Go to the page titled `title` by the sidebar and type `as_of` into the sidebar's As of
    (its year, month and day fields), then click the page's title, as a user would: leaving
    the field applies it, the page reruns with it and the address keeps it."""
    started = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).first.click()
    if settled(page, socket, title, started, cap) is None:
        raise RuntimeError(f"{title} did not finish within {cap} s")
    year = page.locator('[data-testid="stSidebar"]').get_by_role("spinbutton", name="year, As of")
    started = time.perf_counter()
    year.click()
    page.keyboard.type(as_of.replace("-", ""))  # each field moves on to the next when full
    page.locator('[data-testid="stMain"] h1').first.click()  # leaving the field applies it
    if settled(page, socket, title, started, cap) is None or f"as_of={as_of}" not in page.url:
        raise RuntimeError(f"could not set As of to {as_of}: the address is {page.url}")


def settled(page: Any, socket: Socket, title: str, started: float, cap: float) -> float | None:
    """Seconds from `started` until the page titled `title` ran to its end with every chart
    drawn (and stayed so for QUIET_S); None past `cap`."""
    heading = page.locator('[data-testid="stMain"] h1').filter(has_text=title)
    complete_at: float | None = None
    while True:
        now = time.perf_counter()
        if now - started > cap:
            return None
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        finished = socket.finished_at > started
        if not finished or running or heading.count() == 0 or not page.evaluate(CHARTS_DRAWN):
            complete_at = None
        elif complete_at is None:
            complete_at = max(now, socket.finished_at)  # not before the message came
        elif now - complete_at >= QUIET_S:
            return complete_at - started
        page.wait_for_timeout(POLL_S * 1000)


def main() -> None:
    args = probe_arguments()
    skip = set(filter(None, args.skip.split(",")))
    pages = [p for p in args.pages if p not in skip]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not Path(CHROMIUM).exists():
        for name in pages:
            emit({"name": name, "skipped": f"needs playwright and {CHROMIUM}"})
        return
    declared = declared_pages()
    for name in [p for p in pages if p not in declared]:
        emit({"name": name, "skipped": "not a page of dashboards/app.py"})
    pages = [p for p in pages if p in declared]
    with server(args.db) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        socket = Socket()
        tab.on("websocket", lambda ws: ws.on("framereceived", socket.received))
        started = time.perf_counter()
        tab.goto(f"{url}/?as_of={month_before(args.as_of)}")
        first_load = settled(tab, socket, declared[OPENING_PAGE][0], started, 4 * args.cap)
        emit({"first_load_s": first_load, "first_load_mb": socket.bytes / 1e6})  # None: past cap
        set_as_of(tab, socket, declared[AS_OF_PAGE][0], args.as_of, 4 * args.cap)
        visits: dict[str, list[tuple[float | None, int, float]]] = {}

        def visit(item: str, title: str, control: Any) -> None:
            socket.reset()
            started = time.perf_counter()
            control.first.click()
            took = settled(tab, socket, title, started, args.cap)
            visits.setdefault(item, []).append(
                (took, socket.bytes, socket.first_finished_at - started)
            )

        for _round in range(2):
            for name in pages:
                title = declared[name][0]
                nav = tab.locator('[data-testid="stSidebarNav"]')
                visit(name, title, nav.get_by_role("link", name=title))
                # a page's lazy views (probes.LAZY_VIEWS): each by its tab after the page's
                # visit, then the default view again (untimed), as the next visit expects
                default, *views = LAZY_VIEWS.get(name, ("", ("",)))[1]
                for view in [v for v in views if f"{name} · {v}" not in skip]:
                    visit(f"{name} · {view}", title, tab.get_by_role("tab", name=view))
                if views:
                    started = time.perf_counter()
                    tab.get_by_role("tab", name=default).first.click()
                    settled(tab, socket, title, started, args.cap)
        browser.close()
    for name, ((cold, sent, script), (warm, _, _)) in visits.items():
        if cold is None or warm is None:
            emit({"name": name, "timeout": args.cap})
        else:
            emit(
                {
                    "name": name,
                    "cold_s": cold,
                    "warm_s": warm,
                    "sent_mb": sent / 1e6,
                    "cold_script_s": script,  # until the server's first script_finished
                }
            )


if __name__ == "__main__":
    sys.exit(main())
