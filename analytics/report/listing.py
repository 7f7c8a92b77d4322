"""The month's postmortems, one line each, with what each one raises."""

from __future__ import annotations

from analytics import metrics
from analytics.display import FLAG_NAMES, flag_name, pattern_name
from analytics.report.context import Context
from analytics.report.format import day, first_rows, names, text
from analytics.report.render import Cell, CellValue, Inline, Note, Section, Table, section

__all__ = ["postmortems_section"]


def postmortems_section(ctx: Context) -> Section:
    incidents = metrics.incidents(ctx.db, ctx.month, repeat_of=False).sort_values(["started", "id"])
    flags = metrics.discipline(ctx.db, ctx.month).set_index("id")["flags"]
    # Each member of a pattern (the incidents' in_pattern) is named by its pattern: a
    # service × category one where there is one (it says where to look; category patterns
    # cover most of a busy archive), else its category's.
    patterns = metrics.patterns(ctx.db, ctx.month)
    member_of: dict[str, str] = {}
    for row in patterns.sort_values("service", na_position="last").to_dict(orient="records"):
        name = pattern_name(row["category"], row["service"])
        for pm_id in row["ids"]:
            member_of.setdefault(str(pm_id), name)
    rows: list[tuple[CellValue, ...]] = []
    for r in incidents.itertuples(index=False):
        notes: list[Inline] = []
        if r.is_repeat:
            notes.append(Cell("repeat", tone="bad"))
        pattern = member_of.get(str(r.id))
        if pattern:
            notes.append(Cell(f"pattern {pattern}", tone="warn"))
        if r.ttp_state == "pending_late" or r.ttp_late:
            notes.append(Cell(flag_name("late", r.ttp_state), tone="bad"))
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
            "Notes: a repeat of an earlier incident; a member of a pattern (named by its "
            "service × category pattern where it is in one, else by its category's); "
            f"a postmortem written after {ctx.parameters.ttp_hours} h or still unwritten; then "
            "the discipline flags "
            "the postmortem raises (docs/metrics.md)."
        ),
    )
