"""Patterns, repeat incidents and fixes that did not hold."""

from __future__ import annotations

import pandas as pd

from analytics import metrics
from analytics.display import days, fix_outcomes_said, pattern_name
from analytics.metrics import Filters
from analytics.palette import FIX_OUTCOMES
from analytics.report import format as report_format
from analytics.report.context import Context
from analytics.report.format import day, first_rows, names, num, text
from analytics.report.render import (
    Block,
    Cell,
    CellValue,
    Inline,
    Note,
    Section,
    Table,
    para,
    section,
)

__all__ = ["patterns_section", "repeats_section"]

# the second: "Most in any 180 days", the archive's window in it (`_pattern_columns`)
PATTERN_COLUMNS = (
    "Pattern",
    "Most in any {window} days",
    "First",
    "Last",
    "This month",
    "Incidents",
)
# A pattern of more than SHOW_ALL_UP_TO incidents lists this month's latest MONTH_SHOWN; a
# repeat lists the latest REPEATS_SHOWN earlier incidents it repeats. The rest are counted.
SHOW_ALL_UP_TO = 6
MONTH_SHOWN = 10
REPEATS_SHOWN = 5


def _pattern_table(
    ctx: Context,
    frame: pd.DataFrame,
    month_ids: set[str],
    month_all: set[str],
    empty: str,
    what: str,
) -> tuple[Table, list[Block]]:
    """month_ids: this month's incidents in the filters; month_all: all this month's. The
    patterns that grew this month come first (the most this month first), then the rest in
    the metric's order (the most incidents in a window first); the first ROWS_SHOWN are
    listed, with a note of how many there are (`what`: the patterns' name in it)."""
    found = []
    for row in frame.to_dict(orient="records"):
        ids = [str(i) for i in row["ids"]]  # by start
        found.append((row, ids, [i for i in ids if i in month_ids]))
    found.sort(key=lambda item: -len(item[2]))  # stable: the metric's order within
    summary = f"“postmortems summary --json --as-of {ctx.period.as_of}”"
    if ctx.base != ctx.base.replace(severities=(), services=(), categories=(), teams=()):
        summary += " with the report's filters"
    listed, cut = first_rows(tuple(found), what, summary)
    rows: list[tuple[CellValue, ...]] = []
    for row, ids, in_month in listed:
        shown = ids if len(ids) <= SHOW_ALL_UP_TO else in_month[-MONTH_SHOWN:]
        cells: list[Inline] = list(ctx.links(shown))
        outside = sum(i in month_all and i not in month_ids for i in ids)
        counts = (
            (len(in_month) - len(shown), "more this month"),
            (outside, "this month outside the filters"),
            (len(ids) - len(in_month) - outside, "earlier"),
        )
        rest = ", ".join(f"{n:,} {kind}" for n, kind in counts if n > 0)
        if not shown:
            detail = f": {rest}" if outside else ""  # else all earlier
            cells.append(Cell(f"{len(ids):,} incidents{detail}", tone="muted"))
        elif len(shown) < len(ids):
            cells.append(Cell(f" +{rest}", tone="muted"))
        label = pattern_name(row["category"], row["service"])
        rows.append(
            (
                Cell(label, tone="bad" if in_month else None),
                num(row["count"]),
                day(row["first"]),
                day(row["last"]),
                num(len(in_month)),
                tuple(cells),
            )
        )
    columns = tuple(c.format(window=ctx.parameters.window_days) for c in PATTERN_COLUMNS)
    return Table(columns, tuple(rows), numeric=(1, 4), nowrap=(2, 3), empty=empty), cut


def patterns_section(ctx: Context) -> Section:
    """New patterns (there at the month's end, not at its start) and every active one."""
    period = ctx.period
    now = metrics.patterns(ctx.db, ctx.backlog)
    new = metrics.new_patterns(ctx.db, period.first, ctx.base)

    def ids_of(filters: Filters) -> set[str]:
        found = metrics.incidents(ctx.db, filters, repeat_of=False, columns=("id",))
        return set(found["id"].astype(str))

    month_ids = ids_of(ctx.month)
    unfiltered = ctx.base.replace(severities=(), services=(), categories=(), teams=())
    month_all = month_ids if unfiltered == ctx.base else ids_of(period.filters(unfiltered))
    month = (month_ids, month_all)

    def tables(frame: pd.DataFrame, empty: str, what: str) -> list[Block]:
        table, cut = _pattern_table(ctx, frame, *month, empty, what)
        return [table, *cut]

    active = now[now["active"].astype(bool)]
    window, minimum = ctx.parameters.window_days, ctx.parameters.pattern_min
    return section(
        "Patterns",
        "patterns",
        para(
            f"A pattern is a primary category, or a service × category pair, with at least "
            f"{minimum} incidents within {window} days; it is active when one of them started "
            f"in the {window} days before {period.as_of}. Marked patterns (bold, and red in HTML) "
            "grew this month."
        ),
        subsections=(
            section(
                f"New in {period.name}",
                "patterns-new",
                *tables(new, "No pattern formed this month.", "new patterns"),
            ),
            section(
                "Active: service × category",
                "patterns-service",
                *tables(
                    active[active["service"].notna()],
                    "No active service × category pattern.",
                    "active service × category patterns",
                ),
            ),
            section(
                "Active: category",
                "patterns-category",
                *tables(
                    active[active["service"].isna()],
                    "No active category pattern.",
                    "active category patterns",
                ),
                Note(
                    f"In these tables a pattern of more than {SHOW_ALL_UP_TO} incidents lists "
                    f"only this month's (the latest {MONTH_SHOWN}) and counts the rest; the "
                    "dashboard's recurrence page lists them all."
                ),
            ),
        ),
    )


def repeats_section(ctx: Context) -> Section:
    """The month's repeat incidents, and done fixes whose incident came back this month."""
    period = ctx.period
    # the flags; repeat_of is not shown (the pairs give the days apart), so it is cut short
    recurrence = metrics.recurrence_incidents(ctx.db, ctx.month, repeat_of_latest=1)
    repeats = recurrence[recurrence["is_repeat"]].sort_values(["started", "id"])
    # each repeat's latest earlier ones by start, and how many it repeats in all
    pairs = metrics.repeat_pairs(
        ctx.db,
        ctx.month,
        latest=REPEATS_SHOWN,
        columns=("id", "earlier_id", "days_apart", "earlier_count"),
    )
    by_repeat: dict[str, list[tuple[str, float]]] = {}
    counts: dict[str, int] = {}
    for pm_id, earlier_id, days_apart, count in zip(
        pairs["id"].astype(str).tolist(),
        pairs["earlier_id"].astype(str).tolist(),
        pairs["days_apart"].tolist(),
        pairs["earlier_count"].tolist(),
        strict=True,
    ):
        by_repeat.setdefault(pm_id, []).append((earlier_id, days_apart))
        counts[pm_id] = count
    rows: list[tuple[CellValue, ...]] = []
    follow_through_open: list[bool] = []
    for row in repeats.itertuples(index=False):
        follow_through_open.append(bool(row.recurred_while_open))
        found = by_repeat.get(str(row.id), [])
        earlier: list[Inline] = []
        more = counts.get(str(row.id), 0) - len(found)
        if more > 0:
            earlier.append(Cell(f"{more:,} earlier, then the latest: ", tone="muted"))
        for index, (earlier_id, days_apart) in enumerate(found, 1):
            after = "; " if index < len(found) else ""  # between them, not after the last
            earlier += [
                ctx.link(earlier_id),
                Cell(f" {days(days_apart)} before{after}", tone="muted"),
            ]
        rows.append(
            (
                day(row.started),
                ctx.link(row.id, row.path),
                text(row.title),
                text(row.severity),
                f"{names(row.services)} / {text(row.category)}",
                tuple(earlier),
                Cell("yes", tone="bad") if row.recurred_while_open else Cell("no", tone="muted"),
            )
        )
    # A busy month of the 100k archive has 3,924 repeats (a 375,000 px table): past
    # ROWS_SHOWN, those whose follow-through was open come first, then by start.
    if len(rows) > report_format.ROWS_SHOWN:
        order = sorted(range(len(rows)), key=lambda i: not follow_through_open[i])
        rows = [rows[i] for i in order]
    shown_rows, rows_cut = first_rows(
        tuple(rows),
        "repeats of the month (those that came while follow-through was open first)",
        "the dashboard's Recurrence page",
    )
    recurred = metrics.fixes_recurred(ctx.db, ctx.backlog, period.first, period.last)
    failed = tuple(
        (
            ctx.link(r.postmortem_id),
            text(r.fix),
            text(r.level),
            day(r.done),
            (ctx.link(r.recurred_by), Cell(f" {days(r.recurred_after_days)} after", tone="muted")),
        )
        for r in recurred.itertuples(index=False)
    )
    failed, failed_cut = first_rows(
        failed, "fixes that did not hold", "analytics.metrics.fixes_recurred in a notebook"
    )
    window = ctx.parameters.window_days
    outcomes = metrics.fix_effectiveness(ctx.db, ctx.backlog)
    counted = dict(zip(outcomes["outcome"], outcomes["count"], strict=True))
    said = fix_outcomes_said(window)
    standing = ", ".join(
        f"{int(counted[outcome]):,} {said[outcome][0].lower()}" for outcome in FIX_OUTCOMES
    )
    return section(
        "Repeat incidents",
        "repeats",
        para(
            f"{ctx.now['repeats']} of {ctx.now['postmortems']} incidents this month repeat an "
            f"earlier one: same primary category, a shared service, at most {window} days apart. "
            "\u201cFollow-through open\u201d: a fix or action of the earlier incident was still "
            "open when the repeat started; finishing it might have prevented the repeat."
        ),
        Table(
            (
                "Started",
                "Postmortem",
                "Title",
                "Severity",
                "Services / category",
                "Repeats",
                "Follow-through open",
            ),
            shown_rows,
            nowrap=(0,),
            empty="No repeat incidents this month.",
        ),
        *rows_cut,
        Note(
            f"Repeats: the latest {REPEATS_SHOWN} earlier incidents each one repeats, with how "
            "many days before it started; the dashboard's recurrence page lists them all."
        ),
        subsections=(
            section(
                "Fixes that did not hold",
                "fixes-recurred",
                para(
                    "Done fixes, of any month, that stopped holding this month: the first "
                    "incident after the fix with a service and the category of the fixed one, "
                    f"within {window} days of it, started this month. The days count from "
                    "the fix's done date, not from the fixed incident's start as a repeat's "
                    "do, so the incident that came back need not be among its repeats. A fix "
                    "that had already failed before is not listed again (its incidents are "
                    f"this month's repeats above). Every incident's fixes on {period.as_of}: "
                    f"{standing} (as the dashboard's Fix levels page counts them)."
                ),
                Table(
                    ("Fixed incident", "Fix", "Level", "Done", "Came back as"),
                    failed,
                    nowrap=(3,),
                    empty="No fix was followed by a recurrence this month.",
                ),
                *failed_cut,
            ),
        ),
    )
