"""Entry point of the dashboard: `postmortems dashboard` runs `streamlit run dashboards/app.py`.

It draws the sidebar filters (bound to the URL query string, so a copied link reproduces
the view) and runs the chosen page from dashboards/app_pages/.
"""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts only this folder on sys.path; the pages import `dashboards.*`.
REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from dashboards import state, ui  # noqa: E402

PAGES = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="Postmortem analytics", page_icon="📉", layout="wide")
st.html(ui.STYLE)  # the app's own CSS: paired sections, captions, the focus ring

pages = [
    # the default page is served at "/" (Streamlit ignores its url_path: "/review" was "Page
    # not found")
    st.Page(PAGES / "monthly_review.py", title="Monthly review", default=True),
    st.Page(PAGES / "recurrence.py", title="Recurrence", url_path="recurrence"),
    st.Page(PAGES / "fix_levels.py", title="Fix levels", url_path="fix-levels"),
    st.Page(PAGES / "time_to_postmortem.py", title="Time to postmortem", url_path="ttp"),
    st.Page(PAGES / "actions.py", title="Actions", url_path="actions"),
    st.Page(PAGES / "incident_explorer.py", title="Incident explorer", url_path="explorer"),
    st.Page(PAGES / "data_quality.py", title="Data quality", url_path="data-quality"),
]
page = st.navigation(pages)

path = state.db_path()
if not path.is_file():
    st.error(
        f"No database at `{path}`. Run `postmortems ingest ARCHIVE --db {path}` "
        "(or `postmortems dashboard`, which loads the sample archive first)."
    )
    st.stop()

current = state.sidebar_filters()
if current is None:
    st.stop()
st.session_state["_filters"] = current
page.run()
