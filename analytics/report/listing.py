"""The month's postmortems, one line each, with what each one raises."""

from __future__ import annotations

from analytics import metrics
from analytics.report.context import Context
from analytics.report.format import day, names, text
from analytics.report.render import Cell, CellValue, Inline, Note, Section, Table, section

__all__ = ["postmortems_section"]


def postmortems_section(ctx: Context) -> Section:
    incidents = metrics.incidents(ctx.db, ctx.month).sort_values(["started", "id"])
    flags = metrics.discipline(ctx.db, ctx.month).set_index("id")["flags"]
    rows: list[tuple[CellValue, ...]] = []
    for r in incidents.itertuples(index=False):
        notes: list[Inline] = []
        if r.is_repeat:
            notes.append(Cell("repeat", tone="bad"))
        if r.in_pattern:
            notes.append(Cell("in a pattern", tone="warn"))
        if r.ttp_state == "pending_late":
            notes.append(Cell("postmortem overdue", tone="bad"))
        elif r.ttp_late:
            notes.append(Cell("written late", tone="bad"))
        rest = [str(f).replace("_", " ") for f in flags.get(r.id, []) if f != "late"]
        if rest:
            notes.append(Cell(", ".join(rest), tone="muted"))
        joined: list[Inline] = []
        for note in notes:
            joined += [note, "; "]
        rows.append(
            (
                day(r.started),
                ctx.link(r.id, r.path),
                text(r.title),
                text(r.severity),
                names(r.services),
                text(r.category),
                text(r.status),
                tuple(joined[:-1]),
            )
        )
    return section(
        f"Postmortems of {ctx.period.name}",
        "postmortems",
        Table(
            (
                "Started",
                "Postmortem",
                "Title",
                "Severity",
                "Services",
                "Category",
                "Status",
                "Notes",
            ),
            tuple(rows),
            nowrap=(0,),
            empty="No incident started this month.",
        ),
        Note("Grey notes are the discipline flags each postmortem raises (docs/metrics.md)."),
    )
