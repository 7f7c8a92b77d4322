"""Recurrence: which service x category pairs keep coming back, and did the last fix hold."""

import contextlib

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from analytics import display
from analytics.metrics import Filters
from dashboards import charts, state, ui

MEMBERS_SHOWN = 200  # incidents listed per pattern; one of a large archive can hold thousands
REPEAT_OF_SHOWN = 5  # earlier incidents named per row of a table, the latest ones

REPEAT_OF_HELP = (
    f"The earlier incidents it repeats, the latest {REPEAT_OF_SHOWN} "
    "(… when there are more; the explorer lists them all)"
)


def repeat_of_text(rows: pd.DataFrame) -> list[str]:
    """Each row's repeat_of (its latest REPEAT_OF_SHOWN) as text, after '…, ' when cut."""
    return [
        ("…, " if cut else "") + ui.join_list(ids)
        for ids, cut in zip(rows["repeat_of"], rows["repeat_of_cut"], strict=True)
    ]


def with_repeat_of(rows: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """`rows` (of recurrence_incidents without repeat_of, in these filters) with repeat_of and
    repeat_of_cut, loaded for their ids only: a table's first page needs a few lists of the
    many a large category holds."""
    lists = state.load(
        "recurrence_incidents",
        filters,
        ids=list(dict.fromkeys(rows["id"])),
        repeat_of_latest=REPEAT_OF_SHOWN,
    )
    return rows.merge(lists[["id", "repeat_of", "repeat_of_cut"]], how="left", on="id")


LABEL_BOTH_UNDER = 100  # a heatmap cell's label is repeats/incidents below this many
VIEWS = ("Repeats", "Patterns", "Category focus")  # the tabs; only the open one runs


def repeats_view(filters: Filters, headline: pd.Series) -> None:
    """Repeat rate by service x category, by service and by category."""
    by_service = state.load("repeat_rate_by_service", filters)

    st.subheader("Service × category")
    matrix = state.load("repeat_matrix", filters)
    if matrix.empty:
        ui.nothing("No incident in these filters names a service.")
    else:
        shown = charts.top_services(by_service, by="repeats")
        cells = matrix[matrix["service"].isin(shown)]
        # "1632/1633" ran into the next cells at 100k: past LABEL_BOTH_UNDER incidents in a
        # cell, the label is the repeats alone (both are in the tooltip)
        both = bool(cells["incidents"].max() < LABEL_BOTH_UNDER)
        cells = cells.assign(
            category=cells["category"].fillna("(none)"),
            label=cells["repeats"].astype(str)
            + (("/" + cells["incidents"].astype(str)) if both else ""),
        )
        ui.chart(
            charts.heatmap(
                cells,
                row="service",
                column="category",
                value="repeats",
                text="label",
                rows=list(shown),  # the most repeats first, as top_services ranks them
            ),
            "Services by their repeats, the most first. Colour: repeats through the service; "
            "label: "
            + ("repeats/incidents" if both else "repeats (incidents in the tooltip)")
            + " (an incident counts under each of its services)"
            + charts.services_note(len(shown), len(by_service), "repeats"),
            headline["incidents"],
        )

    left, right = ui.pair("recurrence")
    with left:
        # "of each service", not "by service": the header's service-alone rate is another measure
        st.subheader("Repeat rate of each service")
        if by_service.empty:
            ui.nothing("No services in these filters.")
        else:
            ui.chart(
                charts.rate_bars(by_service, key="service", rate="repeat_rate", n="incidents"),
                "Repeats / incidents among each affected service's incidents (a repeat shares "
                "that service and the primary category), faded bars are small samples"
                + (
                    f"; the {charts.SERVICES_SHOWN} highest of {len(by_service):,} services"
                    if len(by_service) > charts.SERVICES_SHOWN
                    else ""
                ),
                headline["incidents"],
                small=bool(headline["small_sample"]),
            )
    with right:
        st.subheader("Repeat rate of each category")
        by_category = state.load("repeat_rate_by_category", filters)
        data = by_category.assign(category=by_category["category"].fillna("(none)"))
        ui.chart(
            charts.rate_bars(data, key="category", rate="repeat_rate", n="incidents"),
            "Repeats / incidents among each primary category's incidents (a repeat shares a "
            "service and that category), faded bars are small samples",
            headline["incidents"],
            small=bool(headline["small_sample"]),
        )


def patterns_view(filters: Filters, headline: pd.Series) -> None:
    """The patterns, and the chosen pattern's latest incidents."""
    patterns = state.load("patterns", filters)
    if filters.services:  # the filtered services' own patterns first, in their order (the
        # category-wide ones came first and the picker opened on one, review R17)
        own = patterns["service"].isin(filters.services)
        patterns = pd.concat([patterns[own], patterns[~own]])
    window, least = state.parameters().window_days, state.parameters().pattern_min
    if patterns.empty:
        ui.nothing(
            f"No pattern: no category or service × category has {least} incidents within "
            f"{window} days."
        )
    else:
        listing = patterns.assign(service=patterns["service"].fillna("(any service)"))
        ui.table(
            listing,
            rows_as=lambda rows: rows.assign(incidents=ui.pattern_ids(rows))[
                ["category", "service", "count", "members", "first", "last", "active", "incidents"]
            ],
            column_config={
                "count": st.column_config.NumberColumn(
                    f"most in any {window} days",
                    help=f"The most incidents of the pattern within any {window} days",
                ),
                "members": st.column_config.NumberColumn(
                    "incidents in all",
                    help=f"Every incident of the pattern: each lies in some {window} days "
                    f"holding at least {least}",
                ),
                "incidents": st.column_config.TextColumn(
                    "latest incidents",
                    help="The latest 10, the newest first (… when there are more); below, "
                    f"the latest {MEMBERS_SHOWN} of the pattern you pick",
                ),
            },
            name="patterns",
        )
        ui.caption(
            "Patterns with an incident in these filters, "
            + ("the filtered services' own first, then " if filters.services else "")
            + f"active first (a member started in the {window} days before as of)",
            len(patterns),
            unit="patterns",
        )
        # each pattern (its ids, how many) by its name, in the table's order
        by_key = listing.set_index(
            pd.Index(map(display.pattern_name, patterns["category"], patterns["service"]))
        )
        follow_old_pattern_link(patterns)
        ui.say_unoffered("pattern", list(by_key.index), "the pattern", "the table's first")
        # The option is the name alone: the address holds it, and a shared link keeps
        # opening the same pattern when its counts change (the label with them did not).
        chosen = st.selectbox(
            "Incidents of the pattern",
            list(by_key.index),
            key="pattern",
            bind="query-params",
        )
        ui.pin({"view": VIEWS[1], "pattern": chosen}, filters.as_of)
        pattern = by_key.loc[chosen]
        st.caption(
            f"{chosen}: {ui.number(pattern['members'])} incidents in all, at most "
            f"{ui.number(pattern['count'])} within {window} days"
        )
        latest = list(pattern["ids"])[-MEMBERS_SHOWN:][
            ::-1
        ]  # ids by start: the latest, newest first
        members = (
            state.load(
                "recurrence_incidents",
                Filters(as_of=filters.as_of),
                ids=latest,
                repeat_of_latest=REPEAT_OF_SHOWN,
            )
            .set_index("id", drop=False)
            .reindex(latest)
            .dropna(subset=["id"])
        )
        if pattern["members"] > MEMBERS_SHOWN:
            st.caption(
                f"The latest {MEMBERS_SHOWN} of its {ui.number(pattern['members'])} incidents"
            )
        ui.table(
            members,
            rows_as=lambda rows: rows.assign(
                link=ui.incident_links(rows["id"]), repeat_of=repeat_of_text(rows)
            )[["link", "started_date", "title", "severity", "services", "is_repeat", "repeat_of"]],
            column_config={
                "link": ui.POSTMORTEM_LINK,
                "repeat_of": st.column_config.TextColumn("repeat of", help=REPEAT_OF_HELP),
            },
            name="pattern-incidents",
        )


def follow_old_pattern_link(patterns: pd.DataFrame) -> None:
    """A link from before patterns were named as everywhere else (`category × service`,
    `category × (any service)`) opens the pattern under its name now, in the address too
    (one rerun, as for the sidebar's filters: see state._canonical_address)."""
    linked = st.query_params.get("pattern")
    old_names = {
        f"{category} × {'(any service)' if display.missing(service) else service}": (
            display.pattern_name(category, service)
        )
        for category, service in zip(patterns["category"], patterns["service"], strict=True)
    }
    if linked not in old_names or linked in old_names.values():
        return
    name = old_names[linked]
    if st.session_state.get("pattern") != name:  # (once: no rerun loop)
        with contextlib.suppress(StreamlitAPIException):  # bound since a run before
            st.query_params["pattern"] = name
        st.session_state["pattern"] = name
        st.rerun()


def focus_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Category focus's table: its incidents (with repeat_of) and their fixes as columns,
    what answers "did the fix hold" first (at 1,400 px it was past the right edge)."""
    return rows.assign(
        link=ui.incident_links(rows["id"]),
        repeat_of=repeat_of_text(rows),
        outcome=rows["outcome"].str.replace("_", " "),  # not done, as the legend says it
        level=rows["level"].str.replace("_", " "),  # no fix, as the outcome says it
    )[
        [
            "link",
            "started_date",
            "title",
            "outcome",
            "recurred_by",
            "level",
            "is_repeat",
            "recurred_while_open",
            "repeat_of",
            "fix",
            "services",
        ]
    ]


def focus_view(filters: Filters, headline: pd.Series) -> None:
    """One category's incidents: on a time line by service, and listed with their fix."""
    # The sidebar's categories, when it has some (the view showed deployment-pipeline under a
    # sidebar filtered to capacity); else every category, deployment-pipeline first shown.
    options = list(filters.categories) or state.load("filter_options")["categories"]
    default = "deployment-pipeline" if "deployment-pipeline" in options else options[0]
    ui.say_unoffered("focus", options, "the category", default)
    focus = st.selectbox(
        "Category",
        options,
        index=options.index(default),
        key="focus",
        bind="query-params",
    )
    ui.pin({"view": VIEWS[2], "focus": focus}, filters.as_of)
    focused = filters.replace(categories=(focus,))
    # the category's own numbers: the cards above are the sidebar filters' (every category)
    own = state.load("repeat_rate", focused).iloc[0]
    if own["incidents"]:
        st.markdown(
            f"**{focus}**: {ui.number(own['incidents'])} incidents, "
            f"{ui.number(own['repeats'])} repeats ({ui.pct(own['repeat_rate'])}), "
            f"{ui.number(own['recurred_while_open'])} while the earlier follow-through was open"
        )
    incidents = state.load("recurrence_incidents", focused, repeat_of=False)
    if incidents.empty:
        ui.nothing(f"No {focus} incidents in these filters.")
    else:
        fixes = state.load("fix_outcomes", focused)
        fix_cols = fixes[["postmortem_id", "fix", "level", "outcome", "done", "recurred_by"]]
        rows = incidents.merge(fix_cols, how="left", left_on="id", right_on="postmortem_id")
        rows["outcome"] = rows["outcome"].fillna("no fix")
        # a fix without a level is unleveled; an incident without a fix has no level to draw
        rows["level"] = (
            rows["level"].fillna("unleveled").where(rows["postmortem_id"].notna(), "no_fix")
        )
        # the services with the most incidents of the category, and of theirs the newest
        focus_services = state.load("repeat_rate_by_service", focused)
        lines = charts.top_services(focus_services, by="incidents")
        if filters.services:
            lines = lines[lines.isin(filters.services)]
        # a dot per incident and drawn service: its rows once per service on a line
        on_service = rows["services"].explode()
        on_service = on_service[on_service.isin(lines)]
        timeline = rows.loc[on_service.index, ["id", "title", "started", "level", "outcome", "fix"]]
        timeline = timeline.assign(service=on_service.to_numpy())
        on_lines = timeline.drop_duplicates("id")
        drawn = on_lines.nlargest(charts.TIMELINE_INCIDENTS, "started")["id"]
        timeline = timeline[timeline["id"].isin(drawn)]
        ui.chart(
            charts.incident_timeline(
                timeline[["id", "title", "started", "service", "level", "outcome", "fix"]]
            ),
            f"{focus} incidents by start and service"
            + charts.services_note(
                len(lines),
                len(focus_services),
                f"{focus} incidents",
                newest=len(drawn),
                of=len(on_lines),
            )
            + "; colour: what became of the fix (held: no incident of a service it shares and "
            f"its category within {state.parameters().window_days} days after the fix was "
            "done, counted from that day, not from the incident's start as a repeat is), "
            "shape: fix level",
            len(incidents),
        )
        ui.table(
            rows.sort_values("started_date", ascending=False, kind="stable"),
            rows_as=lambda newest: focus_rows(with_repeat_of(newest, focused)),
            column_config={
                "link": ui.POSTMORTEM_LINK,
                "repeat_of": st.column_config.TextColumn("repeat of", help=REPEAT_OF_HELP),
                "recurred_while_open": ui.follow_through_column(),
            },
            name="focus-incidents",
        )
        ui.caption(f"{focus} incidents with their fix (one row per fix)", len(incidents))


filters = ui.start(
    "Recurrence",
    "An incident repeats an earlier one when both share a service and the primary category "
    f"and the earlier one started at most {state.parameters().window_days} days before.",
)

headline = state.load("repeat_rate", filters).iloc[0]
cols = ui.cards(4)
cols[0].metric("Incidents", ui.number(headline["incidents"]))
cols[1].metric("Repeats", ui.number(headline["repeats"]))
cols[2].metric("Repeat rate", ui.pct(headline["repeat_rate"]))
cols[3].metric(
    "Repeats while open",  # "Recurred while follow-up open" was cut at every width
    ui.number(headline["recurred_while_open"]),
    help="Repeats while the earlier follow-through was open: repeats that started while a "
    "fix or action of the earlier incident was still open, the repeats that follow-through "
    "would have prevented.",
)
# The looser variants are spelled out: "by service alone" read as the per-service chart below.
ui.caption(
    "Repeat rate = repeats / incidents. Looser matches, for comparison: counting a shared "
    f"service alone as a repeat (any category): {ui.pct(headline['repeat_rate_service_alone'])}; "
    "counting the same primary category alone (any service): "
    f"{ui.pct(headline['repeat_rate_category_alone'])}",
    headline["incidents"],
    small=bool(headline["small_sample"]),
)
if filters.services:  # 5 repeats on the cards and 4 on the service's bar read as a
    # contradiction at 3 a.m. (review R17)
    named = ", ".join(filters.services)
    st.caption(
        f"Under the service filter the cards count every repeat of the incidents that name "
        f"{named}, through whichever service it shares with its earlier incident; the heat "
        f"map and each service's bar count only the repeats through that service (the "
        "earlier incident names it too), so they can be fewer."
    )


# Each view computes its metrics only when its tab is open (lazy tabs, kept in the URL as
# `view`): at 100k the three together were over a second in a browser on first visit.
for tab, view in zip(
    st.tabs(list(VIEWS), key="view", bind="query-params"),
    (repeats_view, patterns_view, focus_view),
    strict=True,
):
    with tab:
        if tab.open:
            view(filters, headline)
