"""Follow-through: fix levels, time to postmortem, and actions closed, opened and overdue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from analytics import metrics
from analytics.metrics.headline import SMALL_SAMPLE
from analytics.report import charts
from analytics.report.context import Context
from analytics.report.format import (
    day,
    first_rows,
    hours,
    missing,
    num,
    number,
    pct,
    plural,
    text,
)
from analytics.report.render import (
    Block,
    Cell,
    CellValue,
    Chart,
    Note,
    Section,
    Table,
    para,
    section,
)

__all__ = ["actions_section", "fix_levels_section", "ttp_section"]

LEVELS = ("L1", "L2", "L3", "L4", "L5", "unleveled", "no_fix")
LIST_LIMIT = 15  # most overdue items, owners and unwritten postmortems listed; rest counted
CLOSED_LIMIT = 20
TTP_BARS = 60  # more written postmortems: bands of hours, not a bar each (16 px per bar)


def _owner(value: object) -> CellValue:
    return Cell("no owner", tone="bad") if missing(value) else str(value)


def fix_levels_section(ctx: Context) -> Section:
    period = ctx.period
    levels = {level: ctx.measure(f"fix_levels.{level}") for level in LEVELS}
    rows = tuple(
        (
            Cell(  # no fix, as the dashboard writes it
                level.replace("_", " "), tone="bad" if level == "L5" and row["this_month"] else None
            ),
            num(row["this_month"]),
            num(row["previous_month"]),
            number(row["three_month_average"]),
        )
        for level, row in levels.items()
    )
    reflex = tuple(
        (
            ctx.link(r.postmortem_id),
            text(r.postmortem_title),
            "not stated" if missing(r.chain_level) else str(r.chain_level),
            text(r.fix),
            _owner(r.owner),
        )
        for r in metrics.l5_reflex(ctx.db, ctx.month).itertuples(index=False)
    )
    reflex, reflex_cut = first_rows(reflex, "L5 reflex fixes", "the monthly_review notebook")
    share = ctx.measure("l5_share")
    return section(
        "Fix levels",
        "fix-levels",
        para(
            f"L5 share: {pct(share['this_month'])}, {share['numerator']} of "
            f"{share['denominator']} leveled fixes ({pct(share['previous_month'])} in "
            f"{period.previous.name}). "
            "\u201cMore monitoring\u201d is an L5 fix, and rarely the right level."
        ),
        Table(
            ("Fix level", period.name, period.previous.name, "3-month average"),
            rows,
            numeric=(1, 2, 3),
        ),
        Chart(
            "fix-levels",
            charts.fix_levels_chart(metrics.fix_levels(ctx.db, ctx.month)),
            f"Fixes by level, {period.name}",
        ),
        subsections=(
            section(
                "L5 reflex",
                "l5-reflex",
                para("Fixes at L5 (operation) for incidents whose chain level is not L5."),
                Table(
                    ("Postmortem", "Title", "Chain level", "Fix", "Owner"),
                    reflex,
                    empty="No L5 reflex this month.",
                ),
                *reflex_cut,
            ),
        ),
    )


def _resolved(row: Any) -> str:
    """The resolved date, or where there is none the start it counts from, said so (it read
    as a resolved date)."""
    if missing(row.resolved):
        return f"none; started {day(row.started)}"
    return day(row.resolved)


def _from_start(row: Any) -> str:
    """Marks hours counted from the start, as SPEC's approximate (no resolved time)."""
    return " (from start)" if row.approximate else ""


def ttp_section(ctx: Context) -> Section:
    period, target = ctx.period, ctx.parameters.ttp_hours
    ttp = ctx.now["ttp"]
    incidents = metrics.time_to_postmortem(ctx.db, ctx.month)
    late = tuple(
        (
            ctx.link(r.id, r.path),
            text(r.title),
            text(r.severity),
            _resolved(r),
            hours(r.hours) + _from_start(r)
            if r.ttp_state == "written"
            else Cell(
                f"pending late, {hours(r.hours_since_resolved)} so far{_from_start(r)}",
                tone="bad",
            ),
        )
        for r in incidents[incidents["late"]].sort_values("started").itertuples(index=False)
    )
    late, late_cut = first_rows(late, "late postmortems", "the monthly_review notebook")
    # incidents started before the month (the filters' end date), as of the month's end
    before = ctx.backlog.replace(end=period.first - timedelta(days=1))
    backlog = metrics.pending_late(ctx.db, before)  # the longest unwritten first
    unwritten = tuple(
        (
            ctx.link(r.id, r.path),
            text(r.title),
            text(r.severity),
            _resolved(r),
            hours(r.hours_since_resolved) + _from_start(r),
        )
        for r in backlog.head(LIST_LIMIT).itertuples(index=False)
    )
    more = len(backlog) - LIST_LIMIT
    blocks: list[Block] = [
        para(
            f"{ttp['on_time']} of {ttp['eligible']} eligible postmortems were written within "
            f"{target} h of resolution ({pct(ttp['on_time_rate'])}); median "
            f"{hours(ttp['median_hours'])}, p90 {hours(ttp['p90_hours'])}. Pending late (not "
            f"written {target} h after resolution): {ttp['pending_late']}."
        ),
        Table(
            ("Late postmortem", "Title", "Severity", "Resolved", "Time to postmortem"),
            late,
            nowrap=(3, 4),
            empty="Every postmortem of this month was on time."
            if ttp["eligible"]
            else "No postmortem of this month was due yet.",
        ),
        *late_cut,
    ]
    written = int(incidents["hours"].notna().sum())
    if 0 < written <= TTP_BARS:
        blocks.append(
            Chart(
                "time-to-postmortem",
                charts.ttp_chart(incidents, target),
                f"Hours to postmortem per incident, {period.name}",
            )
        )
        blocks.append(Note(f"Dashed line: the {target} h target; red: late."))
    elif written:
        blocks.append(
            Chart(
                "time-to-postmortem",
                charts.ttp_bands_chart(metrics.ttp_bands(ctx.db, ctx.month), target),
                f"Postmortems per band of hours to postmortem, {period.name}",
            )
        )
        blocks.append(
            Note(
                f"{written} postmortems, too many for a bar each: bands of hours on a log "
                f"scale, each √2 times as wide as the one before. Dashed line: the "
                f"{target} h target; red: late."
            )
        )
    return section(
        "Time to postmortem",
        "ttp",
        *blocks,
        subsections=(
            section(
                "Still unwritten from earlier months",
                "ttp-backlog",
                Table(
                    ("Postmortem", "Title", "Severity", "Resolved", "Since resolution"),
                    unwritten,
                    nowrap=(3, 4),
                    empty="None: every earlier incident has its postmortem.",
                ),
                *(
                    [
                        Note(
                            f"The {LIST_LIMIT} unwritten longest; {more:,} more: see the "
                            "dashboard's time to postmortem page."
                        )
                    ]
                    if more > 0
                    else []
                ),
            ),
        ),
    )


def _slo(actions: dict[str, Any]) -> str:
    """The SLO rate with its numbers: done within it, of those done or open past it."""
    if actions["total"] == actions["dropped"]:
        return "none, no fix or action"
    if not actions["slo_decided"]:  # open inside it, or no done or postmortem date (D11)
        return "none known yet (0 of 0)"
    small = ", a small sample" if actions["slo_decided"] < SMALL_SAMPLE else ""
    return (
        f"{pct(actions['slo_rate'])} ({actions['closed_within_slo']} of "
        f"{actions['slo_decided']}{small})"
    )


def actions_section(ctx: Context) -> Section:
    period = ctx.period
    opened = ctx.now["actions"]
    backlog = metrics.action_summary(ctx.db, ctx.backlog).iloc[0]
    closed = metrics.actions_closed(ctx.db, ctx.backlog, period.first, period.last)
    closed_rows = tuple(
        (
            day(r.done),
            ctx.link(r.postmortem_id),
            text(r.title),
            str(r.kind),
            _owner(r.owner),
            "–"
            if missing(r.done_on_time)
            else Cell("on time", tone="good")
            if r.done_on_time
            else Cell("late", tone="bad"),
        )
        for r in closed.head(CLOSED_LIMIT).itertuples(index=False)
    )
    owners = metrics.actions_by(ctx.db, ctx.backlog, by="owner")
    owners = owners[owners["overdue"] > 0].sort_values(["overdue", "open"], ascending=False)
    owner_rows = tuple(
        (_owner(r.key), num(r.overdue), num(r.open), pct(r.completion_rate))
        for r in owners.head(LIST_LIMIT).itertuples(index=False)
    )
    more_owners = len(owners) - LIST_LIMIT
    teams = metrics.actions_by(ctx.db, ctx.backlog, by="team")
    teams = teams.sort_values(["overdue", "open"], ascending=False, kind="stable")
    team_rows = tuple(
        (
            "(no team)" if missing(r.key) else text(r.key),
            num(r.overdue),
            num(r.open),
            pct(r.completion_rate),
            pct(r.on_time_rate),
        )
        for r in teams.head(LIST_LIMIT).itertuples(index=False)
    )
    more_teams = len(teams) - LIST_LIMIT
    overdue = metrics.overdue_actions(ctx.db, ctx.backlog).sort_values(
        ["days_overdue", "postmortem_id", "seq"], ascending=[False, True, True]
    )
    overdue_rows = tuple(
        (ctx.link(r.postmortem_id), text(r.title), _owner(r.owner), day(r.due), num(r.days_overdue))
        for r in overdue.head(LIST_LIMIT).itertuples(index=False)
    )
    more = len(overdue) - LIST_LIMIT
    return section(
        "Actions",
        "actions",
        para(
            f"Opened: this month's {plural(ctx.now['postmortems'], 'postmortem')} "
            f"{'carries' if ctx.now['postmortems'] == 1 else 'carry'} "
            f"{plural(opened['total'], 'fix or action', 'fixes and actions')} "
            f"({opened['open']} open, {opened['done']} done, "
            f"{opened['dropped']} dropped). Closed in {period.name}: {len(closed)}, from "
            f"postmortems of any month. Overdue on {period.as_of}, over every incident: "
            f"{backlog['overdue']} open past their due date ({backlog['open']} open in all). "
            f"Closed within {ctx.parameters.action_slo_days} days of their postmortem (the "
            f"action SLO), of this month's whose outcome is known: {_slo(opened)}."
        ),
        subsections=(
            section(
                "Overdue by owner, all incidents",
                "actions-owners",
                Table(
                    ("Owner", "Overdue", "Open", "Completion"),
                    owner_rows,
                    numeric=(1, 2, 3),
                    empty="Nothing is overdue.",
                ),
                Note(
                    f"The owners with an item overdue on {period.as_of} (an owner whose open "
                    "items are not yet due is not listed, so the Open column need not add up "
                    "to the open items above), with their fixes and actions of every incident "
                    "up to that day, not only this month's: overdue, open, and completion "
                    "(done of done and open)."
                    + (f" {more_owners} more owners with overdue items." if more_owners > 0 else "")
                ),
            ),
            *(
                [
                    section(
                        "By team, all incidents",
                        "actions-teams",
                        Table(
                            ("Team", "Overdue", "Open", "Completion", "On time"),
                            team_rows,
                            numeric=(1, 2, 3, 4),
                        ),
                        Note(
                            f"The fixes and actions of every incident up to {period.as_of}, "
                            "by the incident's team, whoever owns the item: an incident with "
                            "two teams counts under both, as under either team's filter, so "
                            "the rows can add up to more than the items. Completion: done of "
                            "done and open; on time: done by the due date, of the done items "
                            "with both dates."
                            + (f" {more_teams} more teams." if more_teams > 0 else "")
                        ),
                    )
                ]
                if len(teams) > 1  # one team (or none): the numbers above are its own
                else []
            ),
            section(
                "Most overdue",
                "actions-overdue",
                Table(
                    ("Postmortem", "Fix or action", "Owner", "Due", "Days overdue"),
                    overdue_rows,
                    numeric=(4,),
                    nowrap=(3,),
                    empty="Nothing is overdue.",
                ),
                *(
                    [Note(f"{more:,} more overdue: see the dashboard's actions page.")]
                    if more > 0
                    else []
                ),
            ),
            section(
                f"Closed in {period.name}",
                "actions-closed",
                Table(
                    ("Done", "Postmortem", "Fix or action", "Kind", "Owner", "Against due date"),
                    closed_rows,
                    nowrap=(0,),
                    empty="Nothing was closed this month.",
                ),
                *(
                    [Note(f"{len(closed) - CLOSED_LIMIT} more closed this month.")]
                    if len(closed) > CLOSED_LIMIT
                    else []
                ),
            ),
        ),
    )
