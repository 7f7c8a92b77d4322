"""Incident explorer: the filtered incidents in a table, and one postmortem in full."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from analytics import display
from analytics.config import markdown_stem
from analytics.metrics import Filters
from dashboards import state, ui

TABLE_COLUMNS = [
    "link",
    "started_date",
    "title",
    "severity",
    "services",
    "category",
    "teams",
    "chain_level",
    "is_repeat",
    "in_pattern",
    "ttp_state",
    "ttp_hours",
    "fixes",
    "open_actions",
    "overdue_actions",
]

filters = ui.start(
    "Incident explorer",
    "The filtered incidents (newest first; click a column to sort), and one postmortem in full.",
)

query = st.text_input("Search id, title, service, category or tag", key="q", bind="query-params")


def every_incident() -> pd.DataFrame:
    return state.load("incidents", filters, repeat_of=False)


if query:  # searched in every filtered incident
    listing = every_incident()
    text = (
        listing["id"]
        + " "
        + listing["title"]
        + " "
        + listing["services"].map(ui.join_list)
        + " "
        + listing["categories"].map(ui.join_list)
        + " "
        + listing["tags"].map(ui.join_list)
    ).str.lower()
    shown = listing[text.str.contains(query.strip().lower(), regex=False)]
    found = len(shown)
else:  # the table's first page only: at 100k converting every row took 0.3 of 0.46 s
    shown = state.load("incidents", filters, repeat_of=False, limit=ui.TABLE_ROWS)
    found = ui.scope_count(filters)  # the filtered incidents: the listing's rows
if shown.empty:
    ui.nothing(f"No incident in these filters matches '{query}'.")
else:
    ui.table(  # newest first, as the listing comes; list columns shown as text by ui.table
        shown,
        rows_as=lambda rows: rows.assign(
            link=ui.incident_links(rows["id"]),
            # rounded up, as hours read everywhere: 72.4 showed "72", within the deadline
            ttp_hours=rows["ttp_hours"].map(display.hours_up, na_action="ignore"),
        )[TABLE_COLUMNS],
        column_config={
            "link": ui.POSTMORTEM_LINK,
            "ttp_hours": st.column_config.NumberColumn("hours to postmortem", format="%.1f"),
            "started_date": st.column_config.DateColumn("started", format="YYYY-MM-DD"),
        },
        height=360,
        name="incidents",
        total=found,
        every_row=None if query else every_incident,
    )
ui.caption("Incidents in the filters and the search", found)

st.divider()
whole_archive = Filters(as_of=filters.as_of)


def category_text(primary: str | None, categories: object) -> str:
    """The primary category, then the others a postmortem names (`categories: [a, b]`): the
    primary is what every metric counts, the others were not shown anywhere."""
    others = [c for c in ui.join_list(categories).split(", ") if c and c != primary]
    shown = "" if primary is None or ui.is_missing(primary) else str(primary)
    return shown + (f" (also {', '.join(others)})" if others else "")


def incident_rows(ids: list[str], **kwargs: object) -> pd.DataFrame:
    """These incidents of the whole archive (a link may point outside the filters), loaded
    by id: not the whole archive's listing, which a filtered view does not otherwise need."""
    return state.load("incidents", whole_archive, repeat_of=False, ids=ids, **kwargs)


def say_not_counted(postmortem_id: str) -> None:
    """Why a linked id opens nothing: its file was rejected at ingest, it started after as of,
    or no file has it (the picker would otherwise drop the link without a word)."""
    shown_id = ui.literal(postmortem_id)  # from the address: shown as text, not Markdown
    files = state.load("data_quality_files")
    rejected = files[files["status"] == "rejected"]
    # a file whose frontmatter could not be read has its name as its id: the name may
    # carry the id a link gives (PM-2025-102-checkout-502s.md for PM-2025-102)
    stems = rejected["path"].map(markdown_stem)
    named = (stems == postmortem_id) | stems.str.startswith(postmortem_id + "-")
    rejected = rejected[(rejected["postmortem_id"] == postmortem_id) | named]
    if not rejected.empty:
        problems = state.load("data_quality_problems")
        errors = problems[
            problems["path"].isin(rejected["path"]) & (problems["severity"] == "error")
        ]
        st.warning(
            "\n\n".join(
                [
                    f"**{shown_id}** is not counted: its file "
                    + ", ".join(f"`{path}`" for path in rejected["path"])
                    + " was rejected at ingest.",
                    *(f"Error: {message}" for message in errors["message"]),
                    "The Data quality page shows the file as it was read; fix it in the archive "
                    "and ingest again.",
                ]
            )
        )
    elif (document := state.load("postmortem", postmortem_id=postmortem_id)) is not None:
        # the link's incident is gone from the address once this run ends: "set a later
        # As of" opened nothing. A link keeps it, with an as of that holds it
        later = (pd.Timestamp(document["started"]).date() + timedelta(days=1)).isoformat()
        carried = [
            (key, value)
            for key in state.FILTER_PARAMS
            if key != "as_of"
            for value in st.query_params.get_all(key)
        ]
        link = ui.incident_link(postmortem_id, [*carried, ("as_of", later)])
        st.warning(
            f"**{shown_id}** started on {pd.Timestamp(document['started']):%Y-%m-%d}, on or "
            f"after as of ({filters.as_of}): it is not counted as of that day. "
            f"[Open it as of {later}]({link})"
        )
        return
    else:
        st.warning(
            f"**{shown_id}** was not found: no counted postmortem and no rejected file has "
            "that id. Check the link, or search above; the Data quality page lists every "
            "rejected file."
        )
    st.page_link("app_pages/data_quality.py", label="Data quality", icon=":material/rule:")


# The picker offers the table's incidents (the search finds any of the filtered ones) and
# the one in the address (a link from another page may point outside the filters); every id
# of a 100k archive would be 2 MB sent to the browser on each view.
options = shown["id"].head(ui.TABLE_ROWS).tolist()
linked = st.query_params.get("incident")
# an id the link names but no counted incident has stays in the picker, and so in the
# address: dropped, the copied link no longer reproduced the page's message (R7, R13)
not_counted = bool(linked) and linked not in options
if not_counted:
    not_counted = incident_rows([linked], columns=["id"]).empty
    options.insert(0, linked)
choice = st.selectbox(
    "Postmortem",
    options,
    index=None,
    key="incident",
    bind="query-params",
    placeholder="Choose one of the incidents above (search to find others), or follow a link",
)
if choice is None:
    st.stop()
if not_counted and choice == linked:
    say_not_counted(linked)
    st.stop()

row = incident_rows([choice]).iloc[0]
st.header(str(row["title"]))
if (
    filters != whole_archive
    and state.load("incidents", filters, repeat_of=False, ids=[choice], columns=["id"]).empty
):  # a link may open an incident the sidebar's filters leave out: say so
    st.caption(
        ":orange[Outside the sidebar's filters (opened by its link): it is not among the "
        "incidents above or in this page's counts.]"
    )


def when(value: object) -> str:
    return "—" if ui.is_missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M %Z")


meta = pd.DataFrame(
    [
        ("id", row["id"]),
        ("file", row["path"]),
        ("status", row["status"]),
        ("severity", row["severity"]),
        ("services", ui.join_list(row["services"])),
        ("category", category_text(row["category"], row["categories"])),
        ("teams", ui.join_list(row["teams"])),
        ("tags", ui.join_list(row["tags"])),
        ("started", when(row["started"])),
        ("resolved", when(row["resolved"])),
        ("postmortem written", when(row["postmortem_date"])),
        (
            "hours to postmortem",
            ui.hours(row["ttp_hours"]) + (" (approx.)" if row["ttp_approximate"] else ""),
        ),
        ("timeline written", row["timeline_written"]),
        ("chain level", row["chain_level"]),
        ("authors", ui.join_list(row["authors"])),
    ],
    columns=["field", "value"],
).astype(str)
# One above the other: side by side (2:3) the fields' values and the fix's status and
# outcome were cut at 1,000 px
left, right = st.container(width=560), st.container()
with left:
    st.dataframe(
        meta,
        hide_index=True,
        width="stretch",
        height=35 * len(meta) + 40,
        placeholder=ui.MISSING,
        # the names whole: "postmortem writte…" and "hours to postmorte…" were cut
        column_config={"field": st.column_config.TextColumn("field", width=160)},
    )
with right:
    st.markdown("**Discipline**")
    flags = state.load("discipline", whole_archive, ids=[choice])
    names = list(flags["flags"].iloc[0]) if not flags.empty else []
    if names:
        ttp_state = flags["ttp_state"].iloc[0]
        st.markdown(" ".join(f":red-badge[{display.flag_name(n, ttp_state)}]" for n in names))
    else:
        st.markdown(":green-badge[keeps the discipline]")

    st.markdown("**Fix and actions**")
    items = state.load("action_items", whole_archive, ids=[choice])
    outcomes = state.load("fix_outcomes", whole_archive, ids=[choice])
    outcomes = outcomes[["seq", "outcome", "recurred_by", "recurred_after_days"]].assign(
        outcome=lambda f: f["outcome"].str.replace("_", " "),  # not done, not not_done
        # as the report says it: "PM-15 68.5 d after" (the fix's done date)
        recurred_by=lambda f: list(
            map(display.recurred_by_said, f["recurred_by"], f["recurred_after_days"])
        ),
    )
    items = items.merge(outcomes, on="seq", how="left")
    if items.empty:
        ui.nothing("No fix and no action.")
    else:
        ui.table(
            items[
                [  # whether it is done and held first: the right columns are off-screen
                    "kind",
                    "title",
                    "status",
                    "outcome",
                    "recurred_by",
                    "level",
                    "owner",
                    "due",
                    "done",
                    "overdue",
                    "ticket",
                ]
            ],
            column_config={
                # a fix's window opens on its done day, a repeat's on the earlier incident's
                # start: one incident can make a fix recur and be no repeat (said side by side)
                "outcome": st.column_config.TextColumn(
                    "outcome",
                    help="; ".join(
                        f"{name.lower()}: {meaning}"
                        for name, meaning in display.fix_outcomes_said(
                            state.parameters().window_days
                        ).values()
                    )
                    + ". Counted from the fix's done day, not from this incident's start as a "
                    "repeat is.",
                ),
                "recurred_by": st.column_config.TextColumn(
                    "recurred by",
                    help="The first incident that made the fix recur, and how long after the "
                    "fix was done",
                ),
            },
            name="fix-and-actions",
        )

    pairs = state.load("incident_repeats", whole_archive, postmortem_id=choice)
    earlier = pairs[pairs["id"] == choice].assign(
        relation="repeats", other=lambda f: f["earlier_id"]
    )
    later = pairs[pairs["earlier_id"] == choice].assign(
        relation="repeated by", other=lambda f: f["id"]
    )
    related = pd.concat([earlier, later], ignore_index=True)
    counts = (
        f" · repeats {display.plural(len(earlier), 'earlier incident')}, "
        f"repeated by {display.plural(len(later), 'later one')}"
    )
    st.markdown("**Repeats**" + (counts if not related.empty else ""))
    if related.empty:
        ui.nothing(
            "Repeats no earlier incident, and none repeats it "
            f"({state.parameters().window_days}-day window)."
        )
    else:
        titles = incident_rows(sorted(set(related["other"])), columns=["id", "title"])
        ui.table(
            related.assign(
                link=ui.incident_links(related["other"]),
                title=related["other"].map(titles.set_index("id")["title"]),
                shared_services=related["shared_services"].map(ui.join_list),
                # as the report writes it: 26.4 d, and hours under a day (2 h read 0.0)
                apart=related["days_apart"].map(display.days),
            )[
                [
                    "relation",
                    "link",
                    "apart",
                    "recurred_while_open",
                    "title",
                    "shared_services",
                ]
            ],
            column_config={
                "link": ui.POSTMORTEM_LINK,
                "apart": "apart",
                "recurred_while_open": ui.follow_through_column(),
            },
            name="repeats",
        )

st.subheader("Postmortem")
body = state.postmortem_body(choice)
with st.container(border=True):
    # Never unsafe_allow_html: HTML or script in an archive file shows as text.
    st.markdown(ui.demoted_headings(body) if body else "_(empty body)_")
