"""Data quality: files the ingest rejected and the warnings it raised. Not filtered."""

import streamlit as st

from dashboards import state, ui

st.title("Data quality")
st.caption(
    "Every problem the ingest found, whatever the sidebar filters say. A file with an error "
    "is left out of every metric; warnings are counted as written. `postmortems lint` says "
    "the same from the command line."
)

problems = state.load("data_quality_problems")
files = state.load("data_quality_files")
summary = state.load("summary", state.filters())
rejected = files[files["status"] == "rejected"]

cols = st.columns(2)
cols[0].metric(
    "Postmortems counted", ui.number(summary["postmortems"]), help="After the sidebar filters."
)
cols[1].metric("Files rejected", ui.number(summary["rejected"]), help="Left out of every metric.")

if problems.empty:
    st.success("The ingest found no problem in any file.")
    st.stop()

st.subheader("Rejected files")
if rejected.empty:
    ui.nothing("No file was rejected.")
else:
    ui.table(rejected[["path", "postmortem_id", "errors", "warnings"]], name="rejected-files")
ui.caption("Files left out of the metrics for an error", len(rejected), unit="files")

if not problems.empty:
    st.subheader("A file as it was read")
    chosen = st.selectbox(
        "File",
        sorted(problems["path"].unique()),
        key="dq_file",
        help="Rejected files are stored whole: fix them in the archive and ingest again.",
    )
    stored = state.load("source_file", path=chosen) if chosen else None
    if stored is not None:
        for row in problems[problems["path"] == chosen].itertuples(index=False):
            st.markdown(f"**{row.severity}** `{row.code}`: {row.message}")
        if stored["raw_text"] is None:
            ui.nothing("A binary file: no text was stored.")
        else:
            st.code(stored["raw_text"], language="markdown", line_numbers=True)

st.subheader("Problems by code")
counts = state.load("problem_counts")
ui.table(
    counts,
    column_config={
        "problems": st.column_config.NumberColumn("problems"),
        "files": st.column_config.NumberColumn("files with it"),
    },
    name="problem-counts",
)
ui.caption(
    "Problems per severity and code, errors first", int(counts["problems"].sum()), unit="problems"
)

st.subheader("Problems")
severity = st.segmented_control(
    "Show", ["error", "warning"], selection_mode="multi", default=["error", "warning"], key="dq"
)
shown = problems[problems["severity"].isin(severity or [])]
ui.table(
    shown[["severity", "path", "line", "code", "message", "file_status"]],
    column_config={"line": st.column_config.NumberColumn("line", format="%d")},
    name="problems",
)
ui.caption("Problems with path, line (where known), code and message", len(shown), unit="problems")
