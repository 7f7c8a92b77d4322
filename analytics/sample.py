"""A deterministic, realistic sample postmortem archive (`postmortems sample`).

`write_sample_archive(out)` writes `count` postmortems (Markdown + YAML frontmatter) spread
over ~26 months (`SPAN_DAYS`) from `start`, on 29 services, in the mix of aliases and value
forms real archives use, plus `postmortems.toml`, a README, a template, a PR template in
`.github/` and a `scratch/` note (all five must be skipped by the ingester). Only
`random.Random(seed)` is used, never the clock: the same arguments give byte-identical files.
"Now" for the archive is 5 days after its last incident (2026-11-25 with the defaults).

Two options give the shape of a large company's decade (`years=10, services=300`); left at
None, the output is what it was before they existed:

- `years`: the archive spans that many years (at least `SPAN_DAYS`) ending where the default
  one ends, so "now" stays the same and the start moves earlier. Random incidents spread over
  the whole span with the same month factor and weekend dip; the big-release bumps repeat
  yearly (the default span's four are days 165 and 350 of two consecutive years).
- `services`: that many services (at least the 29 base ones): the base ones, then derived
  names round-robin over them (`checkout-api-2`, `payments-api-2`, ..., `checkout-api-3`),
  each owned by its base service's team (`sample_data.service_names`, `team_of`). Random
  incidents draw from all of them; data-platform's derived services count as its own.

The planted stories keep their base services and their dates whatever these options: day
offsets count from `start` (the last `SPAN_DAYS` of a longer span) or back from the end.

Planted stories (found by slug, which never changes; the ids are those of the committed
`data/sample-archive/`, written with the defaults; other arguments renumber them). Stories
are planted once, and only when `count >= MIN_COUNT_FOR_STORIES`:

1. Deployment-pipeline pattern on `checkout-api` (one service, one primary category):
   PM-2025-076 checkout-502s-after-deploy, PM-2025-087 checkout-latency-spike-during-rollout
   (`service: checkout`, an alias), PM-2025-107 checkout-errors-after-config-bundle-deploy
   (`category: deploy`, an alias), PM-2025-124 black-friday-checkout-outage-after-hotfix-deploy,
   PM-2025-137 checkout-500s-after-partial-rollout: 5 incidents in 154 days. The first four
   fixes are L5 ("more alerting"; those of 087 and 107 still open when the next repeat
   started); the fifth is the L4 fix "Pipeline gate: canary stage + automated rollback", done
   2026-01-14, after which no `checkout-api` x deployment-pipeline incident occurs (it held).
   Random incidents in archives up to 2000 are drawn to form no other service x category
   pattern; the one other planted (and active) pattern is `search-api` x capacity:
   PM-2026-053, PM-2026-070, PM-2026-099 (Jun-Oct 2026).
2. L5 reflex (fix at L5, chain level L3/L4): the first four story-1 incidents, the first two
   `search-api` ones, PM-2025-006 inventory-counts-drifted-after-migration and PM-2026-007
   session-store-evictions-logged-users-out; plus ~20% of the random ones.
3. Late postmortems: PM-2026-023 payments-double-charge-during-failover (SEV1, written 41
   days after resolution, timeline reconstructed), PM-2024-030 notification-emails-sent-twice
   (9 days, no timeline field). Pending late (draft, no postmortem date, resolved 5-18 days
   before "now"): PM-2026-109 mobile-login-failures-after-certificate-rotation, PM-2026-114
   orders-stuck-in-pending-after-queue-backlog, PM-2026-118
   cart-totals-wrong-after-pricing-rules-update. ~25% of the random ones are late too.
4. Overdue actions for `data-platform-team`: PM-2026-034
   warehouse-etl-wrote-duplicate-order-rows has four open actions due April-May 2026 (one
   owner written as the alias `dp-team`); random data-platform-team actions mostly stay open.
5. Actions only in the body (no frontmatter `actions`): checklists in PM-2024-018,
   PM-2025-053, PM-2025-110, PM-2026-072; `| Action | Owner | Due | Status | Ticket |` tables
   in PM-2025-011 and PM-2026-050; PM-2026-032 uses the Google SRE columns
   (`| Action Item | Type | Owner | Bug |`, DONE/TODO in the bug cell).
6. Broken files: PM-2025-026 malformed YAML (unclosed flow list), PM-2025-102 no closing
   `---`, PM-2026-046 `resolved: 2026-13-45`, PM-2025-117 no `started` (nor any alias),
   PM-2026-059 duplicate id (repeats PM-2026-058, the file before it in path order),
   PM-2026-003 `severity: SEV9` (a warning only), PM-2026-014 `actions` written as a mapping
   instead of a list.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from analytics.sample_data import (
    ACTION_TITLES,
    CANARY_TEST,
    CATEGORIES,
    CATEGORY_WEIGHTS,
    FEELINGS,
    FIX_SUMMARIES,
    MONTH_FACTOR,
    OVERDUE_ACTIONS,
    PEOPLE,
    RELEASE_DAYS,
    RELEASE_EVERY,
    RESERVED,
    SERVICES,
    SPAN_DAYS,
    STORY_FIXES,
    STORY_OTHERS,
    TICKET_PREFIX,
    TITLES,
    WINDOW,
    YEAR_DAYS,
    Incident,
    Item,
    service_names,
    team_of,
)
from analytics.sample_render import display_name, render_postmortem, write_extras, write_text

NOW_LAG_DAYS = 5  # "now" for statuses: 5 days after the last incident
MIN_COUNT_FOR_STORIES = 60
BUMP_DAYS = 21  # how long volume stays up after a big release


@dataclass(frozen=True)
class Shape:
    """Where the random incidents fall: days 0..`days` after `origin`, on `services`."""

    origin: datetime
    days: int
    releases: tuple[int, ...]  # days after `origin` where a release bump begins
    services: tuple[str, ...]
    data_platform: tuple[str, ...]  # data-platform-team's services, derived ones included


def write_sample_archive(
    out: Path,
    count: int = 300,
    seed: int = 7,
    start: date = date(2024, 10, 1),
    body_kb: float = 1.0,
    *,
    years: float | None = None,
    services: int | None = None,
) -> list[Path]:
    """Write a sample archive of `count` postmortems below `out`; return their paths, sorted.

    The archive ends `SPAN_DAYS` after `start`; it begins at `start`, or `years` before its
    end. `services` (default: the 29 base ones) is how many services incidents land on.
    Existing files with the same names are overwritten; nothing is deleted.

    Example:
        write_sample_archive(Path("data/sample-archive"), count=300, seed=7)
        write_sample_archive(Path("/tmp/decade"), count=100_000, years=10, services=300)
    """
    if count < 0:
        raise ValueError(f"count must be 0 or more, got {count}")
    anchor = datetime(start.year, start.month, start.day, tzinfo=UTC)
    shape = _shape(anchor, years, services)
    rng = random.Random(seed)
    now = anchor + timedelta(days=SPAN_DAYS + NOW_LAG_DAYS)
    planted = _planted(rng, anchor, now) if count >= MIN_COUNT_FOR_STORIES else []
    seen: dict[tuple[str, str], list[datetime]] = {}
    for incident in planted:
        for service in incident.services:
            seen.setdefault((service, incident.categories[0]), []).append(incident.started)
    incidents = planted + _random_incidents(rng, shape, now, count - len(planted), seen)
    incidents.sort(key=lambda i: i.started)
    _assign_ids(incidents)
    written: list[Path] = []
    for position, incident in enumerate(incidents):
        previous = incidents[position - 1] if position else None
        if incident.defect == "duplicate-id" and previous is not None:
            incident.overrides["id"] = f"id: {previous.id}"
            previous.overrides["id"] = f"id: {previous.id}"
    for incident in incidents:
        text = render_postmortem(incident, random.Random(f"{seed}:{incident.id}"), body_kb)
        written.append(write_text(out / incident.path, text))
    write_extras(out)
    return sorted(written)


# --- time and services ------------------------------------------------------------------


def _shape(anchor: datetime, years: float | None, services: int | None) -> Shape:
    """The span and services of the random incidents; `anchor` is the default span's start."""
    names = service_names(services)
    data_platform = tuple(s for s in names if team_of(s) == "data-platform")
    if years is None:
        return Shape(anchor, SPAN_DAYS, RELEASE_DAYS, names, data_platform)
    days = round(years * YEAR_DAYS)
    if days < SPAN_DAYS:
        least = f"{SPAN_DAYS} days (~{SPAN_DAYS / YEAR_DAYS:.2f})"
        raise ValueError(f"years must cover at least {least}, got {years}")
    offset = days - SPAN_DAYS  # the anchor's day: the default span is the last SPAN_DAYS
    repeats = range(days // RELEASE_EVERY + 2)
    bumps = {offset + day - RELEASE_EVERY * k for day in RELEASE_DAYS for k in repeats}
    releases = tuple(sorted(day for day in bumps if -BUMP_DAYS < day <= days))
    origin = anchor - timedelta(days=offset)
    return Shape(origin, days, releases, names, data_platform)


def _day_weights(shape: Shape) -> list[float]:
    weights = []
    for day in range(shape.days + 1):
        moment = shape.origin + timedelta(days=day)
        weight = MONTH_FACTOR[moment.month - 1] * (0.7 if moment.weekday() >= 5 else 1.0)
        for release in shape.releases:
            if 0 <= day - release < BUMP_DAYS:
                weight *= 1.8 - (day - release) / 30
        weights.append(weight)
    return weights


def _clock(rng: random.Random, day: datetime) -> datetime:
    hour = rng.choices(range(24), weights=[1] * 8 + [3] * 10 + [2] * 4 + [1] * 2)[0]
    return day + timedelta(hours=hour, minutes=rng.randrange(60))


def _would_form_pattern(times: list[datetime], moment: datetime) -> bool:
    """True when `moment` would make 3 incidents of one key within 180 days."""
    near = sorted([t for t in times if abs(t - moment) <= WINDOW] + [moment])
    at = near.index(moment)
    return any(
        lo >= 0 and lo + 2 < len(near) and near[lo + 2] - near[lo] <= WINDOW
        for lo in range(at - 2, at + 1)
    )


# --- incidents --------------------------------------------------------------------------


def _random_incidents(
    rng: random.Random,
    shape: Shape,
    now: datetime,
    n: int,
    seen: dict[tuple[str, str], list[datetime]],
) -> list[Incident]:
    if n <= 0:
        return []
    days = sorted(rng.choices(range(shape.days + 1), weights=_day_weights(shape), k=n))
    # Small archives get no accidental service x category patterns, so the planted ones stand
    # out; at benchmark sizes that is impossible and not worth the time.
    tries = 30 if n <= 2000 else 0
    incidents = []
    for day in days:
        started = _clock(rng, shape.origin + timedelta(days=day))
        services, category = _draw_tags(rng, shape)
        for _ in range(tries):
            keys = [(service, category) for service in services]
            if not any(_would_form_pattern(seen.get(key, []), started) for key in keys):
                break
            services, category = _draw_tags(rng, shape)
        for service in services if tries else ():
            seen.setdefault((service, category), []).append(started)
        incident = _incident(rng, now, "", started, services, category, dependencies=shape.services)
        incidents.append(incident)
    return incidents


def _draw_tags(rng: random.Random, shape: Shape) -> tuple[list[str], str]:
    while True:
        category = rng.choices(CATEGORIES, weights=list(CATEGORY_WEIGHTS.values()))[0]
        first = rng.choice(shape.services)
        if category in ("data-corruption", "database") and rng.random() < 0.4:
            first = rng.choice(shape.data_platform)
        services = [first]
        if rng.random() < 0.25:
            services.append(rng.choice([s for s in shape.services if s != first]))
        if not (category == RESERVED[1] and RESERVED[0] in services):
            return services, category


def _incident(
    rng: random.Random,
    now: datetime,
    title: str,
    started: datetime,
    services: list[str],
    category: str,
    severity: int | None = None,
    *,
    dependencies: tuple[str, ...] = SERVICES,  # a title may name one of these as the cause
) -> Incident:
    """A complete random incident; planted stories then override what their story needs."""
    severity = severity or rng.choices((1, 2, 3, 4), weights=(6, 20, 46, 28))[0]
    svc = services[0]
    if not title:
        template = rng.choice(TITLES[category])
        dep = rng.choice([s for s in dependencies if s != svc])
        title = template.format(S=display_name(svc), s=svc, d=dep)
    lag = rng.uniform(120, 1200) if category == "alerting-gap" else rng.uniform(1, 40)
    detected = started + timedelta(minutes=lag)
    duration = rng.uniform(15, {1: 300, 2: 240, 3: 480, 4: 1440}[severity])
    resolved = detected + timedelta(minutes=duration)
    late = rng.random() < (0.15 if severity <= 2 else 0.3)
    hours = rng.uniform(73, 600) if late else rng.uniform(3, 70)
    postmortem: datetime | None = resolved + timedelta(hours=hours)
    status = rng.choices(("published", "review", "draft", "Final"), weights=(80, 10, 8, 2))[0]
    if postmortem is not None and (postmortem > now or (status == "draft" and rng.random() < 0.5)):
        postmortem, status = None, "draft"
    categories = [category]
    if rng.random() < 0.2:
        categories.append(rng.choice([c for c in CATEGORIES if c != category]))
    chain = rng.choices(("L1", "L2", "L3", "L4", "L5", None), weights=(3, 7, 25, 38, 20, 7))[0]
    written = postmortem or resolved
    incident = Incident(
        title=title,
        started=started,
        severity=severity,
        services=list(services),
        categories=categories,
        detected=detected if rng.random() < 0.9 else None,
        resolved=resolved if rng.random() < 0.96 else None,
        postmortem=postmortem,
        status=status,
        timeline=rng.choices(("during", "after", None), weights=(65, 20, 15))[0],
        chain_level=chain,
        tags=rng.sample(
            (
                "rollback",
                "config",
                "latency",
                "5xx",
                "customer-facing",
                "oncall",
                "peak",
                "migration",
                "retries",
                "paging",
            ),
            rng.randint(0, 3),
        ),
        authors=rng.sample(PEOPLE, rng.randint(1, 3)),
    )
    fixes = rng.choices((0, 1, 2), weights=(7, 88, 5))[0]
    for _ in range(fixes):
        incident.fixes.append(_fix(rng, now, incident, written))
    for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(10, 25, 30, 25, 10))[0]):
        incident.actions.append(_action(rng, now, incident, written))
    return incident


def _fix(rng: random.Random, now: datetime, incident: Incident, written: datetime) -> Item:
    svc, chain = incident.services[0], incident.chain_level
    level = "L5" if chain == "L5" or rng.random() < 0.2 else chain or rng.choice(("L3", "L4"))
    summary = rng.choice(FIX_SUMMARIES[level]).format(s=svc)
    if level == "L5" and rng.random() < 0.04:
        summary = rng.choice(FEELINGS).format(s=svc)
    elif rng.random() < 0.02:
        summary = f"{incident.authors[0]} to double-check {svc} deploys"
    item = _item(rng, now, summary, team_of(svc) + "-team", written)
    item.level = level if rng.random() > 0.04 else None  # an unleveled fix now and then
    item.test = None if rng.random() < 0.2 else _test_for(rng, svc)
    return item


def _action(rng: random.Random, now: datetime, incident: Incident, written: datetime) -> Item:
    svc = rng.choice(incident.services)
    owner = rng.choice((team_of(svc) + "-team", "sre-team", rng.choice(incident.authors)))
    item = _item(rng, now, rng.choice(ACTION_TITLES).format(s=svc), owner, written)
    item.level = rng.choice(("L3", "L4", "L5")) if rng.random() < 0.5 else None
    return item


def _item(rng: random.Random, now: datetime, title: str, owner: str, written: datetime) -> Item:
    due = (written + timedelta(days=rng.randint(7, 60))).date()
    done_share = 0.25 if owner == "data-platform-team" else 0.8
    item = Item(title=title, owner=owner, due=due, status="open")
    roll = rng.random()
    if due < now.date() and roll < done_share or roll < done_share / 4:
        finished = (written + timedelta(days=rng.randint(1, 75))).date()
        if finished <= now.date():
            item.status, item.done = "done", finished
    elif roll > 0.96:
        item.status = "dropped"
    if rng.random() < 0.07:
        item.owner = None
    if rng.random() < 0.07:
        item.due = None
    if rng.random() < 0.6:
        item.ticket = (
            f"{TICKET_PREFIX.get(owner.removesuffix('-team'), 'OPS')}-{rng.randint(100, 4999)}"
        )
    return item


def _test_for(rng: random.Random, svc: str) -> str:
    return rng.choice(
        (
            f"{svc} p95 under 500ms through the next peak",
            f"game day: a bad {svc} build is rejected before reaching 5% of traffic",
            f"alert fires within 5 minutes in the next {svc} failure drill",
            f"zero {svc} pages for this cause over the next 90 days",
        )
    )


# --- planted stories ----------------------------------------------------------------------


def _planted(rng: random.Random, anchor: datetime, now: datetime) -> list[Incident]:
    """The stories, dated from `anchor` (day > 0) or back from the end (day <= 0)."""
    end = anchor + timedelta(days=SPAN_DAYS)

    def moment(day: float, hour: float = 0) -> datetime:
        return (end if day <= 0 else anchor) + timedelta(days=day, hours=hour)

    def make(day: float, hour: float, title: str, svc: str, cat: str, sev: int) -> Incident:
        incident = _incident(rng, now, title, moment(day, hour), [svc], cat, sev)
        incident.detected = incident.detected or incident.started + timedelta(minutes=6)
        incident.resolved = incident.resolved or incident.detected + timedelta(minutes=50)
        return incident

    stories = []
    for day, hour, title, svc, cat, sev, chain, spec in STORY_FIXES:
        incident = make(day, hour, title, svc, cat, sev)
        summary, level, owner, due, status, done = spec
        test = CANARY_TEST if level == "L4" else _test_for(rng, svc)
        finished = moment(done).date() if done is not None else None
        fix = Item(summary, owner, moment(due).date(), status, finished, level, None, test)
        incident.chain_level, incident.fixes, incident.timeline = chain, [fix], "during"
        if svc == RESERVED[0]:
            assert incident.resolved is not None
            incident.postmortem = incident.resolved + timedelta(hours=rng.uniform(20, 60))
            incident.status = "published"
        stories.append(incident)
    stories[1].overrides["services"] = "service: checkout"
    stories[2].overrides["category"] = "category: deploy"
    for day, hour, title, svc, cat, sev, plant in STORY_OTHERS:
        incident = make(day, hour, title, svc, cat, sev)
        kind, _, detail = plant.partition(":")
        if kind == "late":
            assert incident.resolved is not None
            incident.postmortem = incident.resolved + timedelta(days=int(detail), hours=3)
            incident.status = "published"
            incident.timeline = "after" if sev == 1 else None
        elif kind == "pending":
            incident.postmortem, incident.status, incident.actions = None, "draft", []
        elif kind == "overdue":
            incident.actions = [
                Item(t, owner, moment(due).date(), status, None, level, ticket)
                for t, owner, due, status, level, ticket in OVERDUE_ACTIONS
            ]
        elif kind == "body":
            incident.body_actions, _, incident.overrides["body_heading"] = detail.partition(":")
            written = incident.postmortem or moment(day)
            incident.actions = [_action(rng, now, incident, written) for _ in range(3)]
        else:
            incident.defect = detail
            if detail == "mapping-for-list" and not incident.actions:
                incident.actions = [_action(rng, now, incident, moment(day))]
        stories.append(incident)
    return stories


def _assign_ids(incidents: list[Incident]) -> None:
    per_year: dict[int, int] = {}
    for incident in incidents:
        per_year[incident.started.year] = per_year.get(incident.started.year, 0) + 1
    width = max([3, *(len(str(n)) for n in per_year.values())])
    numbers: dict[int, int] = {}
    for incident in incidents:
        year = incident.started.year
        numbers[year] = numbers.get(year, 0) + 1
        incident.id = f"PM-{year}-{numbers[year]:0{width}d}"
        slug = "-".join(re.findall(r"[a-z0-9]+", incident.title.lower())[:7])
        incident.path = f"{year}/{incident.id}-{slug}.md"
