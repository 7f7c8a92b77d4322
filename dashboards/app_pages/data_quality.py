"""Data quality: files the ingest rejected and the warnings it raised. Not filtered."""

import pandas as pd
import streamlit as st

from analytics import display
from dashboards import state, ui

# A browser draws a stored file line by line, and one long line stalls it for minutes (a
# 1 MB single line: 200+ s in Chromium; 1 MB of short lines: under 5 s). So the viewer cuts
# each line at LINE_CHARS and shows whole lines up to SHOWN_CHARS; the download has it all.
LINE_CHARS = 2_000
SHOWN_CHARS = 200_000


def shown_text(raw: str) -> tuple[str, int, int]:
    """`raw` as the viewer shows it: each line past LINE_CHARS cut, ending in a marker that
    says how many characters were left out, and only its first lines up to SHOWN_CHARS, so
    each shown line keeps its number in the file. Returns the text, how many shown lines
    were cut and how many lines were left out; a file within both bounds comes back as is."""
    lines = raw.split("\n")
    if len(raw) <= SHOWN_CHARS and all(len(line) <= LINE_CHARS for line in lines):
        return raw, 0, 0
    shown: list[str] = []
    size = cut = 0
    for line in lines:
        long = len(line) > LINE_CHARS
        if long:
            line = f"{line[:LINE_CHARS]} … [{len(line) - LINE_CHARS:,} more characters]"
        if shown and size + len(line) > SHOWN_CHARS:
            break
        cut += long
        shown.append(line)
        size += len(line) + 1
    return "\n".join(shown), cut, len(lines) - len(shown)


def cut_note(lines: int, cut: int, left_out: int) -> str:
    """The caption under a cut file: what was cut, and where the whole file is."""
    what = "line" if cut == 1 else "lines"
    parts = [f"{cut:,} {what} cut at {LINE_CHARS:,} characters (marked …)"] if cut else []
    if left_out:
        parts.append(f"only the first {lines - left_out:,} of {lines:,} lines shown")
    return f"Cut so the browser can draw it: {' and '.join(parts)}. Download it whole below."


def ingest_note(info: dict[str, str]) -> str:
    """When the database was loaded, and from where: a nightly ingest that stopped leaves
    this date behind, and nothing else on the dashboard showed it (review R9)."""
    loaded = pd.Timestamp(info["ingested_at"]).tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")
    folder = info["archive"].replace("`", "'")  # in a code span: shown as written
    return (
        f"Loaded {loaded} from `{folder}` (archive timezone "
        f"{info['timezone']}). A scheduled ingest that stopped running leaves this date "
        "behind; `postmortems ingest` loads the archive again. "
        + display.parameters_said(state.parameters())
        + "."
    )


HEADER_ROW, ERROR_ROW = 38, 70  # px: a table's header, a row of up to three lines

st.title("Data quality")
st.caption(
    "Every problem the ingest found, whatever the sidebar filters say (the postmortems "
    "counted are the sidebar's). A file with an error "
    "is left out of every metric; warnings are counted as written. `postmortems lint` says "
    "the same from the command line."
)

problems = state.load("data_quality_problems")
files = state.load("data_quality_files")
summary = state.load("summary", state.filters())
rejected = files[files["status"] == "rejected"]

cols = ui.cards(2)
cols[0].metric(
    "Postmortems counted", ui.number(summary["postmortems"]), help="After the sidebar filters."
)
cols[1].metric("Files rejected", ui.number(summary["rejected"]), help="Left out of every metric.")
st.caption(ingest_note(state.load("archive_info")))

if problems.empty:
    st.success("The ingest found no problem in any file.")
    st.stop()

st.subheader("Rejected files")
if rejected.empty:
    ui.nothing("No file was rejected.")
else:
    # why, on the file's row: its first error (the Problems table below lists them all),
    # beside the path: after the id it was off-screen at 1,280 px (R25)
    errors = problems[problems["severity"] == "error"].sort_values(["path", "line"])
    first_error = errors.drop_duplicates("path").set_index("path")
    ui.table(
        rejected.assign(
            error=rejected["path"].map(first_error["code"] + ": " + first_error["message"])
        )[["path", "error", "errors", "warnings", "postmortem_id"]],
        column_config={
            "error": st.column_config.TextColumn(
                "first error", width="large", help="The file's first error; all are listed below"
            )
        },
        # the error wrapped whole, as the Problems table's messages, and up to 8 rows whole
        # below the header (the default height cut the 6th)
        row_height=ERROR_ROW,
        height=HEADER_ROW + ERROR_ROW * min(len(rejected), 8),
        name="rejected-files",
    )
ui.caption("Files left out of the metrics for an error", len(rejected), unit="files")

if not problems.empty:
    st.subheader("A file as it was read")
    # the rejected files first (what blocks the metrics), then those with warnings only
    refused = set(rejected["path"])
    paths = sorted(refused) + sorted(set(problems["path"]) - refused)
    chosen = st.selectbox(
        "File",
        paths,
        format_func=lambda path: f"{path} (rejected)" if path in refused else path,
        key="dq_file",
        help="Rejected files first. Every file is stored whole: fix it in the archive and "
        "ingest again.",
    )
    stored = state.load("source_file", path=chosen) if chosen else None
    if stored is not None:
        for row in problems[problems["path"] == chosen].itertuples(index=False):
            st.markdown(f"**{row.severity}** `{row.code}`: {row.message}")
        if stored["raw_text"] is None:
            ui.nothing("A binary file: no text was stored.")
        else:
            text, cut, left_out = shown_text(stored["raw_text"])
            st.code(text, language="markdown", line_numbers=True)
            if cut or left_out:
                st.caption(cut_note(stored["raw_text"].count("\n") + 1, cut, left_out))
                st.download_button(
                    "Download the whole file",
                    data=lambda: stored["raw_text"],
                    file_name=chosen.rsplit("/", 1)[-1],
                    mime="text/plain",
                    on_click="ignore",
                    key="download-dq-file",
                )

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
ui.table(  # the message whole, wrapped in taller rows (most start with their line); the
    # path last, where a long one runs past the edge
    shown[["severity", "code", "file_status", "message", "path", "line"]],
    column_config={
        "file_status": st.column_config.TextColumn(
            "file", help="Whether the ingest loaded the file or rejected it"
        ),
        "message": st.column_config.TextColumn("message", width="large"),
        "line": st.column_config.NumberColumn("line", format="%d"),
    },
    row_height=70,
    name="problems",
)
ui.caption("Problems with path, line (where known), code and message", len(shown), unit="problems")
