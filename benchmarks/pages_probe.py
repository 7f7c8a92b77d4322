"""Time each dashboard page's server-side run with Streamlit's AppTest, on one database.

Run as its own process per repeat, with POSTMORTEMS_DB set to the database. First one
warm-up run of the app (imports streamlit, altair, the metrics layer: what a running
server has already done), as tests/test_dashboard.py drives it. Then per page, in the same
session: emptied caches (st.cache_data, st.cache_resource) and the timed
`switch_page(page).run()` (`cold_s`: the first view after an ingest, sidebar and every
metric computed; `sent_mb`: what that view sends to the browser), then a timed rerun
(`warm_s`: the same view again, loads from the cache). Prints one JSON line per page. A page
past --cap is reported as a timeout (its script thread runs on in the background and may
slow the pages after it); a first run past WARM_UP_CAP ends the probe for all pages.

Usage: python benchmarks/pages_probe.py DB AS_OF PAGE.py... [--cap S] [--skip a,b]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboards" / "app.py")

began = time.perf_counter()
import streamlit as st  # noqa: E402
from probes import LAZY_VIEWS, Watchdog, emit, probe_arguments  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

IMPORTED_S = time.perf_counter() - began
WARM_UP_CAP = 300.0  # the app's first run (default page, cold imports) may take this long


def errors(at: AppTest) -> list[str]:
    return [str(e.value)[:300] for e in at.exception]


def sent_mb(at: AppTest) -> float:
    """What the page's run sends to the browser: the encoded size of its elements (tables as
    Arrow, charts as their spec and data, widgets with their options), in MB. Within a few
    percent of the websocket bytes a browser receives (measured on every page at 100k)."""
    total = 0

    def walk(node: object) -> None:
        nonlocal total
        children = getattr(node, "children", None)
        if isinstance(children, dict) and children:
            for child in children.values():
                walk(child)
            return
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ByteSize"):
            total += proto.ByteSize()

    walk(at.sidebar)
    walk(at.main)
    return total / 1e6


def main() -> None:
    args = probe_arguments()
    os.environ["POSTMORTEMS_DB"] = args.db
    skip = set(filter(None, args.skip.split(",")))
    if "(warm-up)" in skip:  # the app's first run passed WARM_UP_CAP in an earlier process
        for page in args.pages:
            emit({"name": page, "skipped": f"the app's first run took over {WARM_UP_CAP:.0f} s"})
        return

    watchdog = Watchdog(WARM_UP_CAP)
    watchdog.start("(warm-up)")
    started = time.perf_counter()
    at = AppTest.from_file(APP, default_timeout=WARM_UP_CAP + 5)
    at.query_params["as_of"] = args.as_of
    at.run()  # the default page; AppTest switches pages only after a first run
    warm_up = time.perf_counter() - started
    watchdog.stop()
    emit({"import_s": IMPORTED_S, "warm_up_s": warm_up})

    watchdog.cap = 4 * args.cap  # a backstop: AppTest's own timeout below comes first

    def measure(item: str, first_run: Callable[[], object]) -> bool:
        """Empty the caches, time `first_run` (cold) and a rerun (warm), emit them; False
        when AppTest timed out (its script thread runs on in the background)."""
        st.cache_data.clear()  # the metric loads (st.cache_resource) and today's date
        st.cache_resource.clear()
        watchdog.start(item)
        try:
            started = time.perf_counter()
            first_run()
            cold = time.perf_counter() - started
            sent = sent_mb(at)
            started = time.perf_counter()
            at.run(timeout=args.cap)
            warm = time.perf_counter() - started
        except RuntimeError:
            emit({"name": item, "timeout": args.cap})
            return False
        finally:
            watchdog.stop()
        emit({"name": item, "cold_s": cold, "warm_s": warm, "sent_mb": sent, "errors": errors(at)})
        return True

    for page in args.pages:
        if page in skip:
            continue
        if not measure(page, lambda p=page: at.switch_page(f"app_pages/{p}").run(timeout=args.cap)):
            continue
        key, (default, *views) = LAZY_VIEWS.get(page, ("", ("",)))
        for view in views:  # each other lazy view, as a link to it opens it
            if f"{page} · {view}" not in skip:
                at.session_state[key] = view
                measure(f"{page} · {view}", lambda: at.run(timeout=args.cap))
        if views:
            at.session_state[key] = default


if __name__ == "__main__":
    sys.exit(main())
