"""Actions: do the fix and follow-ups get done, on time; what is overdue and whose."""

import streamlit as st

from analytics.metrics.headline import SMALL_SAMPLE
from dashboards import charts, state, ui

filters = ui.start(
    "Actions",
    "The fix and follow-up actions of the filtered incidents. Dropped items leave every "
    "denominator; overdue means open with a due date before as of.",
)

summary = state.load("action_summary", filters).iloc[0]


def count(key: str) -> str:
    return ui.number(summary[key])


cols = ui.cards(6)
cols[0].metric("Action completion", ui.pct(summary["completion_rate"]))  # as the review
cols[0].caption(
    f"{count('done')} done, {count('open')} open"
    + (f" · {ui.SMALL_SAMPLE_NOTE}" if summary["small_sample"] else "")
)
cols[1].metric("Actions done on time", ui.pct(summary["on_time_rate"]))  # as the trend
cols[1].caption(
    f"{count('done_on_time')} of {count('done_with_dates')} with dates"
    + (f" · {ui.SMALL_SAMPLE_NOTE}" if summary["on_time_small_sample"] else "")
)
cols[2].metric("Overdue", count("overdue"))
cols[2].caption(f"open past due at {ui.as_of_said(filters)}")
slo_days = state.parameters().action_slo_days
cols[3].metric(
    f"Closed in {slo_days} days",  # "Closed within ..." was cut off in the card
    ui.pct(summary["slo_rate"]),
    help=f"Done within {slo_days} days of the postmortem date, of the items whose outcome is "
    f"known: done ones (with a done and a postmortem date) and open ones past their {slo_days} "
    f"days. Open items still inside their {slo_days} days are not counted yet, dropped ones never.",
)
cols[3].caption(
    f"{count('closed_within_slo')} of {count('slo_decided')} items (done, or open past "
    f"{slo_days} days)" + (f" · {ui.SMALL_SAMPLE_NOTE}" if summary["slo_small_sample"] else "")
)
cols[4].metric("Median days to close", ui.number(summary["median_days_to_close"]))
cols[4].caption(  # one done item's days read as a median of many (R13)
    f"postmortem date to done date, over {count('days_to_close_n')} done items with both"
    + (f" · {ui.SMALL_SAMPLE_NOTE}" if summary["days_to_close_n"] < SMALL_SAMPLE else "")
)
cols[5].metric(  # two counts in one card did not fit at 100k
    "No owner",
    count("no_owner"),
    help="Open or done items with no owner; dropped ones are not counted (the by-owner "
    "table's (no owner) row counts them among its items).",
)
cols[5].caption(f"open or done, not dropped; {count('no_due')} with no due date")
ui.caption(
    f"Fixes and actions, {count('dropped')} dropped among them",
    summary["total"],
    unit="items",
)

st.subheader("Completion and on-time rates over time")
rates = state.load("monthly_rates", filters)
trend = rates[rates["metric"].isin(["action_completion_rate", "action_on_time_rate"])]
trend = ui.every_month_by(trend, "metric", filters)
ui.chart(
    charts.rate_trend(trend),
    "Done / (done + open) and done on time / done with dates, by the incident's start month, "
    f"{ui.trend_said(filters)}; hollow points are small samples (each point's n in its "
    "tooltip). The latest months' items are mostly not yet due: their completion is low and "
    "their on-time rate counts only the few done early, so a fall there is no collapse",
    summary["total"],
    unit="items in the filters",
)
ui.say_if_one_month(trend.loc[trend["rate"].notna(), "month"], filters)

st.subheader("Overdue")
# the table's first page; the summary counts them all (at 100k: 57k items)
overdue = state.load("overdue_actions", filters, limit=ui.TABLE_ROWS)
overdue_count = int(summary["overdue"])
if overdue.empty:
    ui.nothing("Nothing overdue.")
else:
    ui.table(
        overdue,
        rows_as=lambda rows: rows.assign(link=ui.incident_links(rows["postmortem_id"]))[
            [  # the postmortem first: eighth, it was past the right edge at 1,400 px
                "link",
                "owner",
                "days_overdue",
                "title",
                "kind",
                "due",
                "ticket",
                "level",
                "postmortem_title",
            ]
        ],
        column_config={"link": ui.POSTMORTEM_LINK},
        name="overdue-actions",
        total=overdue_count,
        every_row=lambda: state.load("overdue_actions", filters),
    )
ui.caption(
    f"Open items with a due date before {filters.as_of}, oldest first",
    overdue_count,
    unit="items",
)

left, right = ui.pair("actions")
with left:
    st.subheader("Aging of open items")
    aging = state.load("action_aging", filters)
    ui.chart(
        charts.aging(aging),
        "Open items by days since their postmortem date (or the incident start, lacking one)",
        summary["open"],
        unit="open items",
    )
with right:
    st.subheader("By owner")
    by_owner = state.load("actions_by", filters, by="owner")
    by_owner = by_owner.assign(key=by_owner["key"].fillna("(no owner)"))
    ranked = by_owner.sort_values(["overdue", "open"], ascending=False)
    ui.chart(
        charts.group_bars(ranked, key="key", values=["open", "overdue"], top=12, title="Owner"),
        "Open and overdue items of the 12 owners with the most overdue",
        summary["total"],
        unit="items",
    )

columns = [
    "key",
    "total",
    "open",
    "done",
    "dropped",
    "overdue",
    "completion_rate",
    "small_sample",
    "on_time_rate",
    "done_with_dates",
    "on_time_small_sample",
    "median_days_to_close",
]
config = {
    "total": st.column_config.NumberColumn(
        "items incl. dropped", help="Every fix and action, dropped ones included"
    ),
    "completion_rate": st.column_config.NumberColumn("completion", format="percent"),
    "on_time_rate": st.column_config.NumberColumn("on time", format="percent"),
    "median_days_to_close": st.column_config.NumberColumn(
        "median days to close",
        help="Days from the postmortem date to done, over the done items with both dates",
    ),
    # each rate's own flag: an owner's on-time rate of 1 item read "100%" beside an unticked
    # box that spoke of its completion (its 12 items)
    "small_sample": st.column_config.CheckboxColumn(
        "few items",  # a small sample (R25: "< 5 items" read as a count)
        help="A small sample: completion over under 5 items (done + open)",
        width="small",
    ),
    "done_with_dates": st.column_config.NumberColumn(
        "dated done",
        help="Done items with a due and a done date: the on-time rate's base",
        width="small",
    ),
    "on_time_small_sample": st.column_config.CheckboxColumn(
        "few dated",
        help="A small sample: on time over under 5 done items with both dates",
        width="small",
    ),
}
tab_owner, tab_service, tab_team = st.tabs(["Every owner", "Every service", "Every team"])
with tab_owner:
    ui.table(ranked[columns], column_config={**config, "key": "owner"}, name="actions-by-owner")
for tab, dimension in ((tab_service, "service"), (tab_team, "team")):
    with tab:
        grouped = state.load("actions_by", filters, by=dimension)
        grouped = grouped.assign(key=grouped["key"].fillna(f"(no {dimension})"))
        ui.table(
            grouped.sort_values(["overdue", "open"], ascending=False)[columns],
            column_config={**config, "key": dimension},
            name=f"actions-by-{dimension}",
        )
ui.caption(
    "Per owner, service and team. An item of an incident with two services or two teams "
    "counts under both, as under either one's filter; its team is the incident's, whoever "
    "owns the item. Items include dropped ones, which the rates and the No owner card "
    "leave out",
    summary["total"],
    unit="items",
)
