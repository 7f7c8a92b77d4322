"""Fix levels: at which chain level postmortems land their fix, and the L5 reflex."""

import streamlit as st

from analytics import display, palette
from dashboards import charts, state, ui

filters = ui.start(
    "Fix levels",
    "L1 Strategy · L2 Discovery · L3 Scope · L4 Execution · L5 Operation. "
    "'More monitoring' is an L5 fix, and rarely the right level.",
)

levels = state.load("fix_levels", filters)
share = state.load("l5_share", filters).iloc[0]
counts = dict(zip(levels["level"], levels["count"], strict=True))
cols = ui.cards(4)
cols[0].metric("L5 share of fixes", ui.pct(share["l5_share"]))
cols[0].caption(
    f"{ui.number(share['l5'])} of {ui.number(share['leveled'])} leveled fixes"
    + (f" · {ui.SMALL_SAMPLE_NOTE}" if share["small_sample"] else "")
)
cols[1].metric("Leveled fixes", ui.number(share["leveled"]))
cols[2].metric("Fixes without a level", ui.number(counts["unleveled"]))
cols[3].metric("Postmortems without a fix", ui.number(counts["no_fix"]))

st.subheader("Did the fixes hold")
outcomes = state.load("fix_effectiveness", filters)
by_outcome = dict(zip(outcomes["outcome"], outcomes["count"], strict=True))
said = display.fix_outcomes_said(state.parameters().window_days)
for column, outcome in zip(ui.cards(len(palette.FIX_OUTCOMES)), palette.FIX_OUTCOMES, strict=True):
    label, note = said[outcome]
    column.metric(label, ui.number(by_outcome[outcome]))
    column.caption(note)
ui.caption(
    "Each fix of the filtered incidents, by what became of it (fix effectiveness in "
    "docs/metrics.md; "
    "the dots of Recurrence's Category focus, a fix each). The window opens on the fix's "
    "done day, not on its incident's start as a repeat's does",
    int(outcomes["count"].sum()),
    unit="fixes",
)
# which fix did what, on demand (a listing of every fix: ~100 ms at 100k): the counts alone
# sent the on-call to Category focus to find whether the last fix held (review R17)
if st.toggle("List each fix and what became of it", key="fix_list"):
    fixes = state.load("fix_outcomes", filters).sort_values(
        "done", ascending=False, na_position="last", kind="stable"
    )
    if fixes.empty:
        ui.nothing("No fix in these filters.")
    else:
        ui.table(
            fixes,
            rows_as=lambda rows: rows.assign(
                link=ui.incident_links(rows["postmortem_id"]),
                outcome=rows["outcome"].str.replace("_", " "),  # as the cards say it
                recurred_by=list(  # as the report and the explorer say it: "PM-15 68.5 d after"
                    map(display.recurred_by_said, rows["recurred_by"], rows["recurred_after_days"])
                ),
            )[["link", "outcome", "fix", "level", "owner", "done", "recurred_by", "window_ends"]],
            column_config={"link": ui.POSTMORTEM_LINK},
            name="fix-outcomes",
        )
        ui.caption(
            "Each fix of the filtered incidents, the latest done first", len(fixes), unit="fixes"
        )

# Both monthly charts span the same months: the latest TREND_MONTHS through the last day
# counted, or every month of the sidebar's dates
by_month = ui.every_month_by(
    state.load("fix_levels_by_month", filters), "level", filters, fill={"count": 0}
)
months = set(by_month["month"])

left, right = ui.pair("fix-levels")
with left:
    st.subheader("Fix-level mix")
    ui.chart(
        charts.level_counts(levels),
        # the bars add up to more than n where a postmortem has several fixes (R25)
        "Fixes per level, plus fixes with no level and postmortems with no fix; a postmortem "
        "with several fixes counts in one bar for each",
        ui.scope_count(filters),
    )
with right:
    st.subheader("L5 share by month")
    rates = state.load("monthly_rates", filters)
    l5 = ui.every_month_by(rates[rates["metric"] == "l5_share"], "metric", filters)
    ui.chart(
        charts.rate_trend(l5),
        f"L5 fixes / leveled fixes per incident start month, {ui.trend_said(filters)}; "
        "hollow points are small samples (each point's n in its tooltip)",
        share["leveled"],
        unit="leveled fixes in the filters",
    )
    ui.say_if_one_month(months, filters)

st.subheader("Levels by month")
if by_month.empty:
    ui.nothing("No months in these filters.")
else:
    ui.chart(
        charts.levels_by_month(by_month),
        f"Fixes per level by incident start month, {ui.trend_said(filters)} (no fix counts "
        "postmortems)",
        ui.scope_count(filters),
    )
    ui.say_if_one_month(months, filters)

st.subheader("Chain level × fix level")
crosstab = state.load("fix_level_crosstab", filters)
ui.chart(
    charts.heatmap(
        crosstab.assign(label=crosstab["count"].astype(str)),
        row="chain_level",
        column="fix_level",
        value="count",
        text="label",
        order=palette.LEVEL_ORDER,
    ),
    "Fixes by the incident's chain level (rows; 'none' when not stated) and the fix's level",
    ui.scope_count(filters),
)

st.subheader("The L5 reflex")
reflex = state.load("l5_reflex", filters)
if reflex.empty:
    ui.nothing("No L5 fix for an incident traced to another level.")
else:
    newest = reflex.sort_values("started", ascending=False, kind="stable")  # a page: the latest
    ui.table(  # the fix and its state before the title, which the id's slug often repeats
        newest.assign(link=ui.incident_links(newest["postmortem_id"]))[
            ["link", "fix", "status", "owner", "chain_level", "started", "postmortem_title"]
        ],
        column_config={
            "link": ui.POSTMORTEM_LINK,
            "started": st.column_config.DatetimeColumn("started", format="YYYY-MM-DD"),
        },
        name="l5-reflex",
    )
ui.caption(
    "Fixes at L5 (operation) whose incident traces to another level or none",
    len(reflex),
    unit="fixes",
)
