"""Monthly review: the month's headline numbers against the months before, its patterns,
and what needs attention at the month's end."""

from typing import Any

import pandas as pd
import streamlit as st

from dashboards import charts, state, ui

filters = ui.start(
    "Monthly review",
    "One month of incidents (by start date), as of the first day of the next month, "
    "against the three months before. Sidebar filters apply.",
)

by_month = state.load("incidents_by_month", filters)
months = sorted(by_month["month"].unique(), reverse=True)
current_month = filters.as_of.strftime("%Y-%m") if filters.as_of else months[0]
closed = [m for m in months if m < current_month]
default_month = closed[0] if closed else months[0]
month = st.selectbox(
    "Month",
    months,
    index=months.index(default_month),
    key="month",
    bind="query-params",
    help="Defaults to the last month that has ended.",
)

scoped = state.month_filters(filters, month)
if scoped is None:
    st.info(state.EMPTY_MESSAGE)
    st.stop()
month_end_as_of = scoped.as_of
earlier = state.previous_months(month, 3)
earlier_filters = [state.month_filters(filters, m) for m in earlier]
wanted = [scoped, *[f for f in earlier_filters if f is not None]]
loaded = dict(zip(wanted, state.load_many("summary", wanted), strict=True))
series: list[tuple[str, dict[str, Any] | None]] = [(month, loaded[scoped])]
series += [(m, loaded.get(f) if f else None) for m, f in zip(earlier, earlier_filters, strict=True)]

this, previous = series[0][1], series[1][1]
assert this is not None
at_month_end = filters.replace(as_of=month_end_as_of)
actions_now = state.load("action_summary", at_month_end).iloc[0]
previous_as_of = state.month_filters(filters, earlier[0])
actions_before = (
    state.load("action_summary", filters.replace(as_of=previous_as_of.as_of)).iloc[0]
    if previous_as_of is not None
    else None
)


def rate_of(summary: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    return None if summary is None else summary["rates"][name]


def rate_metric(column: Any, label: str, name: str, higher_is_better: bool) -> None:
    now, before = rate_of(this, name), rate_of(previous, name)
    delta = None
    if now and before and now["rate"] is not None and before["rate"] is not None:
        delta = f"{(now['rate'] - before['rate']) * 100:+.0f} pp vs {earlier[0]}"
    n_text = f"{now['numerator']} of {now['denominator']}" if now else "no data"
    if now and now["small_sample"]:
        n_text += f" · {ui.SMALL_SAMPLE_NOTE}"
    column.metric(
        label,
        ui.pct(now["rate"] if now else None),
        delta=delta,
        delta_color="normal" if higher_is_better else "inverse",
        help=n_text,
    )
    column.caption(n_text)


st.subheader(f"Headline numbers, {month}")
cols = st.columns(6)
incidents_now = this["postmortems"]
incidents_before = previous["postmortems"] if previous else None
cols[0].metric(
    "Incidents",
    incidents_now,
    delta=None
    if incidents_before is None
    else f"{incidents_now - incidents_before:+d} vs {earlier[0]}",
    delta_color="inverse",
)
month_sev = by_month[(by_month["month"] == month) & (by_month["incidents"] > 0)]
cols[0].caption(
    " · ".join(f"{row.severity} {row.incidents}" for row in month_sev.itertuples()) or "none"
)
rate_metric(cols[1], "Repeat rate", "repeat_rate", higher_is_better=False)
rate_metric(cols[2], "On-time postmortems", "ttp.on_time_rate", higher_is_better=True)
rate_metric(cols[3], "Action completion", "actions.completion_rate", higher_is_better=True)
overdue_delta = (
    None
    if actions_before is None
    else f"{int(actions_now['overdue']) - int(actions_before['overdue']):+d} vs {earlier[0]}"
)
cols[4].metric(
    "Overdue actions", int(actions_now["overdue"]), delta=overdue_delta, delta_color="inverse"
)
cols[4].caption(f"open past due at {month_end_as_of}, all incidents in the filters")
rate_metric(cols[5], "L5 share of fixes", "l5_share", higher_is_better=False)

st.subheader("Against the months before")
rows: dict[str, dict[str, str]] = {}
for m, summary in series:
    column: dict[str, str] = {}
    if summary is None:
        rows[m] = dict.fromkeys(["Incidents"], "—")
        continue
    column["Incidents"] = str(summary["postmortems"])
    for label, name in (
        ("Repeat rate", "repeat_rate"),
        ("On-time postmortems", "ttp.on_time_rate"),
        ("Action completion", "actions.completion_rate"),
        ("L5 share of fixes", "l5_share"),
    ):
        rate = summary["rates"][name]
        flag = " ⚠" if rate["small_sample"] else ""
        column[label] = f"{ui.pct(rate['rate'])} ({rate['numerator']}/{rate['denominator']}){flag}"
    column["Pending-late postmortems"] = str(summary["ttp"]["pending_late"])
    rows[m] = column
comparison = pd.DataFrame(rows)
comparison.index.name = "Measure"
st.dataframe(comparison, width="stretch")
st.caption(
    "Each column is one month's incidents, as of the first day of the next month; "
    "(numerator/denominator) behind each rate; ⚠ marks a small sample (denominator under 5)."
)

st.subheader("Incidents by severity")
window = by_month[by_month["month"] <= month]
window = window[window["month"].isin(sorted(window["month"].unique())[-13:])]
ui.chart(
    charts.incidents_by_month(window, highlight=month),
    f"Incidents per start month and severity, the 13 months to {month} ({month} highlighted)",
    this["postmortems"],
    unit=f"incidents in {month}",
)

st.subheader("Patterns")
month_start = state.month_bounds(month)[0]
before_month = state.load("patterns", filters.replace(as_of=month_start))
at_end = state.load("patterns", at_month_end)
known = {(row.category, row.service) for row in before_month.itertuples()}
patterns = at_end.assign(
    new=[(row.category, row.service) not in known for row in at_end.itertuples()],
    service=at_end["service"].fillna("(any service)"),
    ids=at_end["ids"].map(ui.join_list),
)
shown = patterns[patterns["new"] | patterns["active"]]
if shown.empty:
    ui.nothing(f"No new or active pattern at the end of {month}.")
else:
    ui.table(
        shown[["category", "service", "count", "first", "last", "active", "new", "ids"]],
        column_config={
            "new": st.column_config.CheckboxColumn(f"new in {month}"),
            "count": st.column_config.NumberColumn("incidents in 180 days"),
        },
    )
ui.caption(
    f"Patterns (≥ 3 incidents of a category, or service × category, within 180 days) "
    f"active or new at the end of {month}",
    len(shown),
    unit="patterns",
)

st.subheader("Needs attention")
left, right = st.columns(2)
with left:
    late = state.load("pending_late", at_month_end)
    st.markdown(f"**Postmortems pending late** at {month_end_as_of}")
    if late.empty:
        ui.nothing("None: every incident resolved over 72 h ago has its postmortem.")
    else:
        ui.table(
            late.assign(
                link=late["id"].map(ui.incident_link),
                waiting=late["hours_since_resolved"].map(ui.hours),
                services=late["services"].map(ui.join_list),
            )[["link", "title", "severity", "services", "waiting"]],
            column_config={
                "link": st.column_config.LinkColumn("postmortem", display_text=r"incident=(.*)"),
                "waiting": "since resolved",
            },
        )
    ui.caption("Incidents with no postmortem, resolved over 72 h before", len(late))
with right:
    overdue = state.load("overdue_actions", at_month_end)
    st.markdown(f"**Overdue actions** at {month_end_as_of}")
    if overdue.empty:
        ui.nothing("None overdue.")
    else:
        ui.table(
            overdue.assign(link=overdue["postmortem_id"].map(ui.incident_link))[
                ["owner", "title", "due", "days_overdue", "ticket", "link"]
            ],
            column_config={
                "link": st.column_config.LinkColumn("postmortem", display_text=r"incident=(.*)")
            },
        )
    ui.caption("Open fixes and actions past their due date", len(overdue), unit="items")
