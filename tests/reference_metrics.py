"""A plain-Python reference for SPEC's `summary --json` headline numbers.

Independent of the SQL: it parses the archive with `analytics.archive.parse_file` and counts
with lists and sets, following SPEC's "Metrics" section and the documented choices of
docs/metrics.md. tests/test_metrics_oracle.py compares it with `analytics.metrics.summary`.

Example:

    archive = load_archive(Path("data/sample-archive"))
    reference_summary(archive, as_of=date(2026, 11, 1), services=("checkout-api",))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from analytics.archive import ActionItem, Postmortem, parse_file
from analytics.config import iter_archive_files, load_config

LEVELS = ("L1", "L2", "L3", "L4", "L5")


@dataclass
class Archive:
    """The postmortems that reach the metrics, the count of rejected files, the timezone."""

    postmortems: list[Postmortem]
    rejected: int
    tz: ZoneInfo


def load_archive(root: Path) -> Archive:
    """Parse every archive file; reject files with errors and every repeated id but the first."""
    config = load_config(root)
    files = sorted(iter_archive_files(root, config), key=lambda f: f.path)
    seen: set[str] = set()
    postmortems: list[Postmortem] = []
    rejected = 0
    for found in files:
        parsed = parse_file(found.path, Path(found.absolute).read_bytes(), found.mtime_ns, config)
        pm = parsed.postmortem
        # A duplicate id is an error on every file but the first in path order (among the
        # files that parse: a broken file's id does not take the id away from a good one).
        if parsed.rejected or pm is None or pm.id in seen:
            rejected += 1
        else:
            seen.add(pm.id)
            postmortems.append(pm)
    return Archive(postmortems, rejected, ZoneInfo(config.timezone))


def linear_quantile(values: list[float], q: float) -> float | None:
    """numpy's default (linear) quantile, like DuckDB quantile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _norm(values: Iterable[str] | None) -> set[str]:
    return set(values or ())


def reference_summary(
    archive: Archive,
    *,
    as_of: date,
    start: date | None = None,
    end: date | None = None,
    severities: Iterable[str] = (),
    services: Iterable[str] = (),
    categories: Iterable[str] = (),
    teams: Iterable[str] = (),
    window_days: int = 180,
    pattern_min: int = 3,
    ttp_hours: int = 72,
) -> dict[str, Any]:
    """The headline keys of `summary --json` (filter values already normalised)."""
    tz = archive.tz
    # Instants in UTC: Python adds a timedelta to a zoned datetime in wall-clock time, and
    # compares two datetimes of the same zone by wall clock; SPEC wants exact instants.
    now = datetime.combine(as_of, time(0), tzinfo=tz).astimezone(UTC)
    window = timedelta(days=window_days)

    def local_date(moment: datetime) -> date:
        return moment.astimezone(tz).date()

    def local_midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)

    # as_of cuts the archive: later incidents do not exist, intrinsic facts included.
    universe = [pm for pm in archive.postmortems if pm.started < now]

    want_sev, want_svc = _norm(severities), _norm(services)
    want_cat, want_team = _norm(categories), _norm(teams)

    def passes(pm: Postmortem) -> bool:
        day = local_date(pm.started)
        if start is not None and day < start:
            return False
        if end is not None and day > end:
            return False
        if want_sev and pm.severity not in want_sev:
            return False
        if want_svc and not want_svc & set(pm.services):
            return False
        if want_cat and pm.category not in want_cat:
            return False
        return not (want_team and not want_team & set(pm.teams))

    scoped = [pm for pm in universe if passes(pm)]
    scoped_ids = {pm.id for pm in scoped}

    def same_kind(a: Postmortem, b: Postmortem) -> bool:
        """Share at least one service and the same (stated) primary category."""
        return (
            a.category is not None
            and a.category == b.category
            and bool(set(a.services) & set(b.services))
        )

    # Incidents by primary category: only those can be of the same kind.
    by_category: dict[str, list[Postmortem]] = {}
    for pm in universe:
        if pm.category is not None:
            by_category.setdefault(pm.category, []).append(pm)

    def kin(pm: Postmortem) -> list[Postmortem]:
        return [other for other in by_category.get(pm.category or "", []) if same_kind(pm, other)]

    # 1. Recurrence, intrinsic over the universe.
    def is_repeat(b: Postmortem) -> bool:
        return any(a.started < b.started and b.started - a.started <= window for a in kin(b))

    repeats = sum(1 for pm in scoped if is_repeat(pm))

    # 1b. Patterns: per key, windows from each incident reaching `window` forward.
    keys: dict[tuple[str, str | None], list[Postmortem]] = {}
    for pm in universe:
        if pm.category is None:
            continue
        keys.setdefault((pm.category, None), []).append(pm)
        for service in set(pm.services):
            keys.setdefault((pm.category, service), []).append(pm)
    patterns = []
    for (category, service), members in keys.items():
        members = sorted(members, key=lambda pm: pm.started)
        count = 0
        ids: dict[str, Postmortem] = {}
        for first in members:
            inside = [pm for pm in members if first.started <= pm.started <= first.started + window]
            count = max(count, len(inside))
            if len(inside) >= pattern_min:
                ids.update((pm.id, pm) for pm in inside)
        if count < pattern_min or not set(ids) & scoped_ids:
            continue
        starts = [pm.started for pm in ids.values()]
        patterns.append(
            {
                "category": category,
                "service": service,
                "count": count,
                "first": local_date(min(starts)).isoformat(),
                "last": local_date(max(starts)).isoformat(),
                "active": any(now - window <= s <= now for s in starts),
                "ids": sorted(ids),
            }
        )

    # The archive as it stood at as_of (docs/metrics.md, "as_of rewinds recorded facts"):
    # a postmortem dated at or after "now" was not written yet; an item marked done on a
    # local date on or after as_of (00:00 of as_of comes before any moment of that day) was
    # still open. Done without a done date and dropped items cannot be rewound.
    def written_at(pm: Postmortem) -> datetime | None:
        if pm.postmortem_date is not None and pm.postmortem_date < now:
            return pm.postmortem_date
        return None

    def as_it_stood(item: ActionItem) -> ActionItem:
        if item.status == "done" and item.done is not None and item.done >= as_of:
            return replace(item, status="open", done=None)
        return item

    # 2. Fix levels, every declared fix whatever its status.
    items: list[tuple[Postmortem, ActionItem]] = [
        (pm, as_it_stood(item)) for pm in scoped for item in pm.actions
    ]
    fixes = [(pm, item) for pm, item in items if item.kind == "fix"]
    fix_levels = {level: 0 for level in LEVELS}
    fix_levels["unleveled"] = 0
    for _, fix in fixes:
        fix_levels[fix.level if fix.level in LEVELS else "unleveled"] += 1
    fix_levels["no_fix"] = sum(
        1 for pm in scoped if not any(item.kind == "fix" for item in pm.actions)
    )

    # 3. Time to postmortem.
    limit = timedelta(hours=ttp_hours)
    hours: list[float] = []
    on_time = pending_late = 0
    for pm in scoped:
        origin = pm.resolved or pm.started
        written = written_at(pm)
        if written is not None:
            spent = (written - origin).total_seconds() / 3600
            hours.append(spent)
            on_time += spent <= ttp_hours
        elif origin < now - limit:
            pending_late += 1
    eligible = len(hours) + pending_late

    # 4. Actions: fixes and actions of the scoped incidents.
    statuses = [item.status for _, item in items]
    n_open, n_done = statuses.count("open"), statuses.count("done")
    overdue = sum(
        1
        for _, item in items
        if item.status == "open" and item.due is not None and item.due < as_of
    )
    dated = [
        item
        for _, item in items
        if item.status == "done" and item.done is not None and item.due is not None
    ]
    done_on_time = sum(1 for item in dated if item.done <= item.due)  # type: ignore[operator]

    # 5. Fix effectiveness: a done fix's window from 00:00 local of its done date.
    outcomes = dict.fromkeys(("held", "recurred", "watching", "not_done", "dropped", "unknown"), 0)
    for pm, fix in fixes:
        if fix.status != "done":
            outcomes["dropped" if fix.status == "dropped" else "not_done"] += 1
            continue
        if fix.done is None or pm.category is None or not pm.services:
            outcomes["unknown"] += 1  # no done date, or nothing can recur on it
            continue
        opens = local_midnight(fix.done)
        closes = opens + window
        if any(other.id != pm.id and opens <= other.started <= closes for other in kin(pm)):
            outcomes["recurred"] += 1
        elif now <= closes:
            outcomes["watching"] += 1
        else:
            outcomes["held"] += 1

    return {
        "as_of": as_of.isoformat(),
        "postmortems": len(scoped),
        "rejected": archive.rejected,
        "repeats": repeats,
        "repeat_rate": _rate(repeats, len(scoped)),
        "patterns": patterns,
        "fix_levels": fix_levels,
        "ttp": {
            "eligible": eligible,
            "on_time": on_time,
            "on_time_rate": _rate(on_time, eligible),
            "median_hours": linear_quantile(hours, 0.5),
            "p90_hours": linear_quantile(hours, 0.9),
            "pending_late": pending_late,
        },
        "actions": {
            "total": len(items),
            "open": n_open,
            "done": n_done,
            "dropped": statuses.count("dropped"),
            "overdue": overdue,
            "completion_rate": _rate(n_done, n_done + n_open),
            "on_time_rate": _rate(done_on_time, len(dated)),
        },
        "fixes": outcomes,
    }
