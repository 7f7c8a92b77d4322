"""The month's postmortems, one line each, with what each one raises."""

from __future__ import annotations

from analytics import metrics
from analytics.display import FLAG_NAMES, pattern_name
from analytics.report.context import Context
from analytics.report.format import day, first_rows, missing, names, text
from analytics.report.render import Cell, CellValue, Inline, Note, Section, Table, section

__all__ = ["postmortems_section"]


def postmortems_section(ctx: Context) -> Section:
    incidents = metrics.incidents(ctx.db, ctx.month, repeat_of=False).sort_values(["started", "id"])
    flags = metrics.discipline(ctx.db, ctx.month).set_index("id")["flags"]
    # Category patterns cover most of a busy archive; the service ones say where to look.
    service_patterns: dict[str, str] = {}
    for row in metrics.patterns(ctx.db, ctx.month).to_dict(orient="records"):
        if not missing(row["service"]):
            name = pattern_name(row["category"], row["service"])
            for pm_id in row["ids"]:
                service_patterns.setdefault(str(pm_id), name)
    rows: list[tuple[CellValue, ...]] = []
    for r in incidents.itertuples(index=False):
        notes: list[Inline] = []
        if r.is_repeat:
            notes.append(Cell("repeat", tone="bad"))
        pattern = service_patterns.get(str(r.id))
        if pattern:
            notes.append(Cell(f"pattern {pattern}", tone="warn"))
        if r.ttp_state == "pending_late":
            notes.append(Cell("postmortem pending late", tone="bad"))
        elif r.ttp_late:
            notes.append(Cell("written late", tone="bad"))
        rest = [FLAG_NAMES.get(str(f), str(f)) for f in flags.get(r.id, []) if f != "late"]
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
    shown, cut = first_rows(  # a busy month of the 100k archive: 3,925
        tuple(rows),
        f"postmortems of {ctx.period.name} (by start)",
        "the dashboard's Incident explorer, filtered to the month,",
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
            shown,
            nowrap=(0,),
            empty="No incident started this month.",
        ),
        *cut,
        Note(
            "Notes: a repeat of an earlier incident; a member of a service × category pattern; "
            "a postmortem written after 72 h or still unwritten; then the discipline flags "
            "the postmortem raises (docs/metrics.md)."
        ),
    )
