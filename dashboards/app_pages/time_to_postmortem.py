"""Time to postmortem: hours from resolution to the written postmortem, against the deadline
(72 h unless postmortems.toml sets another)."""

import streamlit as st

from analytics import palette
from dashboards import charts, state, ui

filters = ui.start(
    "Time to postmortem",
    f"Hours from `resolved` (or `started`, approximate, where there is none) to the "
    f"postmortem date. Target: within {state.parameters().ttp_hours} h.",
)
target = state.parameters().ttp_hours

summary = state.load("ttp_summary", filters).iloc[0]
cols = ui.cards(5)
# named as the review's card and the report name it (R25: "On time" here)
cols[0].metric(f"Written within {target} h", ui.pct(summary["on_time_rate"]))
cols[0].caption(
    f"{ui.number(summary['on_time'])} of {ui.number(summary['eligible'])} eligible"
    + (f" · {ui.SMALL_SAMPLE_NOTE}" if summary["small_sample"] else "")
)
cols[1].metric("Median", ui.hours(summary["median_hours"]))
cols[2].metric("p90", ui.hours(summary["p90_hours"]))
cols[3].metric("Pending late", ui.number(summary["pending_late"]))
cols[3].caption(f"no postmortem, over {target} h at {ui.as_of_said(filters)}")
cols[4].metric(
    "Approximate",
    ui.number(summary["approximate"]),
    help="Written postmortems whose hours are measured from `started`, the incident having "
    "no `resolved`. A pending-late one without `resolved` is waiting from its start too "
    "(the list below says so), and is not counted here.",
)
ui.caption(
    "Median and p90 over the written postmortems; eligible also counts those pending late",
    summary["written"],
    unit="written postmortems",
)

st.subheader("Distribution")
if summary["written"] == 0:
    ui.nothing("No postmortem written yet in these filters.")
elif summary["written"] <= charts.STRIP_DOTS:
    rows = state.load("time_to_postmortem", filters)
    ui.chart(
        charts.ttp_strip(rows[rows["ttp_state"] == "written"], target),
        f"Each dot is one written postmortem; the dashed line is the {target} h target",
        summary["written"],
        unit="written postmortems",
    )
else:
    ui.chart(
        charts.ttp_bands(state.load("ttp_bands", filters), target),
        "Written postmortems per band of hours (each band 1.41x the one before, one edge at "
        f"the {target} h target, dashed); darker: more, the count in each cell's tooltip",
        summary["written"],
        unit="written postmortems",
    )

left, right = ui.pair("ttp")
with left:
    st.subheader("On-time rate by month")
    # through the month of the last day counted (the last months may have no eligible
    # incident yet), or the sidebar's Started to when earlier
    by_month = ui.every_month(
        state.load("ttp_by_month", filters),
        through=ui.trend_through(filters),
        months=ui.trend_months(filters),
    )
    series = by_month.rename(
        columns={"on_time_rate": "rate", "on_time": "numerator", "eligible": "denominator"}
    ).assign(metric="ttp_on_time_rate")
    ui.chart(
        charts.rate_trend(series, ttp_hours=target),
        f"Written within {target} h / eligible, per incident start month, "
        f"{ui.trend_said(filters)}; hollow points are small samples (each point's n in its "
        "tooltip)",
        summary["eligible"],
        unit="eligible incidents in the filters",
    )
    ui.say_if_one_month(series.loc[series["rate"].notna(), "month"], filters)
with right:
    st.subheader("On-time rate by severity")
    by_severity = state.load("ttp_by_severity", filters)
    ui.chart(
        charts.rate_bars(
            by_severity,
            key="severity",
            rate="on_time_rate",
            n="eligible",
            order=palette.SEVERITY_ORDER,
        ),
        "Written on time / eligible per severity; faded bars are small samples",
        summary["eligible"],
        unit="eligible incidents",
        small=bool(summary["small_sample"]),
    )
    ui.table(  # half a page wide: short headers, so pending late shows too
        by_severity.assign(
            median=by_severity["median_hours"].map(ui.hours),
            p90=by_severity["p90_hours"].map(ui.hours),
        )[["severity", "eligible", "on_time", "on_time_rate", "pending_late", "median", "p90"]],
        column_config={
            "on_time_rate": st.column_config.NumberColumn(
                "rate", format="percent", help="Written on time / eligible"
            ),
            "pending_late": st.column_config.NumberColumn(
                # "pending" alone read as ttp_summary's pending, those not late yet (R24)
                "pending late",
                help=f"No postmortem yet, resolved over {target} h ago",
            ),
        },
        name="ttp-by-severity",
    )

st.subheader("Pending late")
late = state.load("pending_late", filters)
if late.empty:
    ui.nothing(f"None: every incident resolved over {target} h ago has its postmortem.")
else:
    ui.table(
        late,
        rows_as=lambda rows: rows.assign(
            link=ui.incident_links(rows["id"]),
            waiting=ui.waiting(rows),
        )[["link", "waiting", "resolved", "severity", "title", "services", "category"]],
        column_config={
            "link": ui.POSTMORTEM_LINK,
            "resolved": st.column_config.DatetimeColumn("resolved", format="YYYY-MM-DD HH:mm"),
            "waiting": "since resolved",
        },
        name="pending-late",
    )
ui.caption(
    f"Incidents with no postmortem date, resolved (or started) over {target} h before "
    f"{filters.as_of}",
    len(late),
)
