"""A deterministic, realistic sample postmortem archive (`postmortems sample`).

`write_sample_archive(out)` writes `count` postmortems (Markdown + YAML frontmatter) spread
over ~26 months from `start`, in the mix of aliases and value forms real archives use, plus
`postmortems.toml`, a README, a template, a PR template in `.github/` and a `scratch/` note
(all five must be skipped by the ingester). Only `random.Random(seed)` is used, never the
clock: the same arguments give byte-identical files. "Now" for the archive is 5 days after
its last incident (2026-11-25 with the defaults).

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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

SPAN_DAYS = 780  # 2024-10-01 -> 2026-11-20: ~26 months
NOW_LAG_DAYS = 5  # "now" for statuses: 5 days after the last incident
MIN_COUNT_FOR_STORIES = 60

# fmt: off
TEAMS: dict[str, tuple[str, ...]] = {
    "payments": ("checkout-api", "payments-api", "billing-service", "fraud-detection"),
    "storefront": ("web-frontend", "cart-service", "catalog-service", "pricing-engine"),
    "discovery": ("search-api", "search-indexer", "recommendations", "image-resizer"),
    "identity": ("user-auth", "identity-gateway", "session-store"),
    "platform": ("api-gateway", "cdn-edge", "kafka-cluster", "redis-cache", "postgres-primary"),
    "data-platform": ("warehouse-etl", "data-pipeline", "reporting-api"),
    "fulfilment": ("orders-service", "inventory-service", "shipping-service", "notifications"),
    "mobile": ("mobile-bff", "feature-flags"),
}
SERVICE_TEAM = {svc: team for team, svcs in TEAMS.items() for svc in svcs}
SERVICES = tuple(SERVICE_TEAM)
CATEGORY_WEIGHTS = {
    "deployment-pipeline": 18, "config-change": 16, "capacity": 12, "dependency-failure": 12,
    "database": 10, "network": 8, "third-party": 8, "alerting-gap": 7, "data-corruption": 5,
    "security": 4,
}
CATEGORIES = tuple(CATEGORY_WEIGHTS)
PEOPLE = ("a.chen", "m.okafor", "s.patel", "j.kowalski", "l.garcia", "r.nakamura", "d.smith",
          "e.novak", "k.osei", "t.berg", "n.haddad", "p.silva")
MONTH_FACTOR = (0.85, 0.9, 1.0, 1.0, 0.95, 0.95, 0.9, 0.85, 1.05, 1.05, 1.5, 1.35)
RELEASE_DAYS = (165, 350, 530, 715)  # big releases (days after start): volume rises after
WINDOW = timedelta(days=180)
ACRONYMS = {"api": "API", "etl": "ETL", "bff": "BFF", "cdn": "CDN"}
RESERVED = ("checkout-api", "deployment-pipeline")  # story 1's pair: never drawn at random

TITLES = {
    "deployment-pipeline": ("{S} 5xx spike after deploy", "{S} rollout stuck half way",
                            "Bad build of {s} shipped to production",
                            "{S} crash loop after release"),
    "config-change": ("{S} outage after config push", "Feature flag flip broke {s}",
                      "Wrong timeout in {s} config",
                      "{S} rejected traffic after TLS config change"),
    "capacity": ("{S} saturated at evening peak", "{S} ran out of connections",
                 "{S} disk full", "{S} throttled during campaign traffic"),
    "dependency-failure": ("{S} timeouts when {d} degraded", "{S} errors from {d} retries storm",
                           "{S} degraded by slow {d}"),
    "database": ("Slow queries on {s} after index change", "Replica lag broke {s} reads",
                 "{S} deadlocks after schema migration"),
    "network": ("Packet loss between zones hit {s}", "DNS failures for {s}",
                "{S} unreachable after firewall change"),
    "third-party": ("Payment provider outage broke {s}", "SMS vendor delays hit {s}",
                    "CDN vendor incident slowed {s}"),
    "alerting-gap": ("{S} degraded for hours unnoticed", "Silent failure of {s} batch job",
                     "{S} errors missed by paging"),
    "data-corruption": ("Duplicate rows written by {s}", "{S} served stale data",
                        "{S} truncated records on import"),
    "security": ("Leaked token for {s} rotated", "Credential stuffing against {s}",
                 "Expired certificate on {s}"),
}
FIX_SUMMARIES = {
    "L1": ("Revisit the single-region bet for {s} in the annual plan",),
    "L2": ("Add load assumptions for {s} to the discovery brief template",
           "Validate vendor SLA assumptions for {s} before launch"),
    "L3": ("Ship the {s} capacity-planning story this cycle",
           "Add the missing migration-rollback story for {s} to scope",
           "Schedule the {s} retry-budget story in the current milestone"),
    "L4": ("Pipeline check: block {s} deploys without a passing smoke test",
           "Add integration test for {s} config schema", "Enforce query plan review for {s}"),
    "L5": ("Add more monitoring for {s}", "Add alert on {s} error rate",
           "Update the {s} runbook", "Add dashboard for {s} latency"),
}
ACTION_TITLES = ("Update the {s} runbook", "Add alert on {s} saturation",
                 "Document rollback steps for {s}", "Load test {s} at 2x peak",
                 "Add retry budget to {s} client", "Review on-call handover for {s}",
                 "Backfill missing data for {s}", "Add chaos test for {s} dependency")
FEELINGS = ("Be more careful when editing {s} config", "Pay more attention to {s} dashboards",
            "Remember to check {s} before deploying")
OPEN_WORDS = ("open", "todo", "new", "planned", "in progress", "blocked", "TODO", "Open")
DONE_WORDS = ("done", "closed", "completed", "complete", "fixed", "resolved", "shipped",
              "merged", "Done")
DROPPED_WORDS = ("won't fix", "wontfix", "cancelled", "canceled", "dropped", "obsolete")
SEVERITY_WORDS = {1: ("critical",), 2: ("high", "major"), 3: ("medium", "moderate"),
                  4: ("low", "minor")}
LEVEL_NAMES = {"L1": "strategy", "L2": "discovery", "L3": "scope", "L4": "execution",
               "L5": "operation"}
TICKET_PREFIX = {"payments": "PAY", "storefront": "SHOP", "discovery": "DISC", "identity": "IAM",
                 "platform": "PLAT", "data-platform": "DATA", "fulfilment": "FUL", "mobile": "MOB"}
# fmt: on


@dataclass
class Item:
    """A fix or an action as the generator knows it; `status` is the canonical status."""

    title: str
    owner: str | None
    due: date | None
    status: str  # open | done | dropped
    done: date | None = None
    level: str | None = None
    ticket: str | None = None
    test: str | None = None


@dataclass
class Incident:
    title: str
    started: datetime
    severity: int
    services: list[str]
    categories: list[str]
    detected: datetime | None = None
    resolved: datetime | None = None
    postmortem: datetime | None = None
    status: str = "published"
    timeline: str | None = "during"
    chain_level: str | None = None
    fixes: list[Item] = field(default_factory=list)
    actions: list[Item] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    body_actions: str | None = None  # "checklist" | "table" | "google" -> not in frontmatter
    defect: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)  # frontmatter key -> raw lines
    id: str = ""
    path: str = ""


def write_sample_archive(
    out: Path,
    count: int = 300,
    seed: int = 7,
    start: date = date(2024, 10, 1),
    body_kb: float = 1.0,
) -> list[Path]:
    """Write a sample archive of `count` postmortems below `out`; return their paths, sorted.

    Existing files with the same names are overwritten; nothing is deleted.

    Example:
        write_sample_archive(Path("data/sample-archive"), count=300, seed=7)
    """
    if count < 0:
        raise ValueError(f"count must be 0 or more, got {count}")
    rng = random.Random(seed)
    origin = datetime(start.year, start.month, start.day, tzinfo=UTC)
    now = origin + timedelta(days=SPAN_DAYS + NOW_LAG_DAYS)
    planted = _planted(rng, origin, now) if count >= MIN_COUNT_FOR_STORIES else []
    seen: dict[tuple[str, str], list[datetime]] = {}
    for incident in planted:
        for service in incident.services:
            seen.setdefault((service, incident.categories[0]), []).append(incident.started)
    incidents = planted + _random_incidents(rng, origin, now, count - len(planted), seen)
    incidents.sort(key=lambda i: i.started)
    _assign_ids(incidents)
    written: list[Path] = []
    for position, incident in enumerate(incidents):
        previous = incidents[position - 1] if position else None
        if incident.defect == "duplicate-id" and previous is not None:
            incident.overrides["id"] = f"id: {previous.id}"
            previous.overrides["id"] = f"id: {previous.id}"
    for incident in incidents:
        text = _render(incident, random.Random(f"{seed}:{incident.id}"), body_kb)
        written.append(_write(out / incident.path, text))
    _write_extras(out)
    return sorted(written)


# --- time -------------------------------------------------------------------------------


def _day_weights(origin: datetime) -> list[float]:
    weights = []
    for day in range(SPAN_DAYS + 1):
        moment = origin + timedelta(days=day)
        weight = MONTH_FACTOR[moment.month - 1] * (0.7 if moment.weekday() >= 5 else 1.0)
        for release in RELEASE_DAYS:
            if 0 <= day - release < 21:
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
    origin: datetime,
    now: datetime,
    n: int,
    seen: dict[tuple[str, str], list[datetime]],
) -> list[Incident]:
    if n <= 0:
        return []
    days = sorted(rng.choices(range(SPAN_DAYS + 1), weights=_day_weights(origin), k=n))
    # Small archives get no accidental service x category patterns, so the planted ones stand
    # out; at benchmark sizes that is impossible and not worth the time.
    tries = 30 if n <= 2000 else 0
    incidents = []
    for day in days:
        started = _clock(rng, origin + timedelta(days=day))
        services, category = _draw_tags(rng)
        for _ in range(tries):
            keys = [(service, category) for service in services]
            if not any(_would_form_pattern(seen.get(key, []), started) for key in keys):
                break
            services, category = _draw_tags(rng)
        for service in services if tries else ():
            seen.setdefault((service, category), []).append(started)
        incidents.append(_incident(rng, now, "", started, services, category))
    return incidents


def _draw_tags(rng: random.Random) -> tuple[list[str], str]:
    while True:
        category = rng.choices(CATEGORIES, weights=list(CATEGORY_WEIGHTS.values()))[0]
        first = rng.choice(SERVICES)
        if category in ("data-corruption", "database") and rng.random() < 0.4:
            first = rng.choice(TEAMS["data-platform"])
        services = [first]
        if rng.random() < 0.25:
            services.append(rng.choice([s for s in SERVICES if s != first]))
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
) -> Incident:
    """A complete random incident; planted stories then override what their story needs."""
    severity = severity or rng.choices((1, 2, 3, 4), weights=(6, 20, 46, 28))[0]
    svc = services[0]
    if not title:
        template = rng.choice(TITLES[category])
        dep = rng.choice([s for s in SERVICES if s != svc])
        title = template.format(S=_display(svc), s=svc, d=dep)
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
    item = _item(rng, now, summary, SERVICE_TEAM[svc] + "-team", written)
    item.level = level if rng.random() > 0.04 else None  # an unleveled fix now and then
    item.test = None if rng.random() < 0.2 else _test_for(rng, svc)
    return item


def _action(rng: random.Random, now: datetime, incident: Incident, written: datetime) -> Item:
    svc = rng.choice(incident.services)
    owner = rng.choice((SERVICE_TEAM[svc] + "-team", "sre-team", rng.choice(incident.authors)))
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


def _display(service: str) -> str:
    words = [ACRONYMS.get(word, word) for word in service.split("-")]
    return " ".join(words)[0].upper() + " ".join(words)[1:]


# --- planted stories ----------------------------------------------------------------------

# day after start (<= 0: days before the archive's end), hour, title, service, category, sev,
# chain level, fix (summary, level, owner, due day, status, done day or None)
# fmt: off
FixSpec = tuple[str, str, str, int, str, int | None]
STORY_FIXES: tuple[tuple[float, float, str, str, str, int, str, FixSpec], ...] = (
    (298, 14.1, "Checkout 502s after deploy", *RESERVED, 2, "L4",
     ("Add alert on checkout 5xx rate", "L5", "payments-team", 312, "done", 307)),
    (333, 10.7, "Checkout latency spike during rollout", *RESERVED, 3, "L4",
     ("Add deploy dashboard and latency alert for checkout", "L5", "sre-team", 350,
      "in progress", None)),
    (372, 16.3, "Checkout errors after config bundle deploy", *RESERVED, 2, "L4",
     ("More monitoring on checkout pod readiness", "L5", "payments-team", 395, "todo", None)),
    (423, 18.5, "Black Friday checkout outage after hotfix deploy", *RESERVED, 1, "L4",
     ("Page on-call faster on checkout error budget burn", "L5", "sre-team", 431, "done", 430)),
    (452, 9.25, "Checkout 500s after partial rollout", *RESERVED, 2, "L4",
     ("Pipeline gate: canary stage + automated rollback for checkout-api", "L4",
      "platform-team", 480, "done", 470)),
    (-150, 19.4, "Search timeouts during catalog reindex", "search-api", "capacity", 2, "L3",
     ("Alert on search queue depth", "L5", "discovery-team", -130, "done", -135)),
    (-96, 20.1, "Search API saturated by bot traffic", "search-api", "capacity", 3, "L3",
     ("Add search capacity dashboard", "L5", "discovery-team", -70, "open", None)),
    (-31, 21.0, "Search p99 over 5s at evening peak", "search-api", "capacity", 2, "L3",
     ("Ship the search autoscaling capacity-plan story this cycle", "L3", "discovery-team",
      SPAN_DAYS + 40, "open", None)),
    (110, 11.5, "Inventory counts drifted after migration", "inventory-service", "database", 3,
     "L3", ("Add monitoring for inventory drift", "L5", "fulfilment-team", 130, "done", 126)),
    (480, 8.3, "Session store evictions logged users out", "session-store", "capacity", 2, "L4",
     ("Alert on session-store eviction rate", "L5", "identity-team", 500, "done", 497)),
)
CANARY_TEST = "a deliberately bad checkout-api build is rolled back by the canary gate"
# day, hour, title, service, category, severity, what is planted
STORY_OTHERS: tuple[tuple[float, float, str, str, str, int, str], ...] = (
    (520, 13.0, "Payments double-charge during failover", "payments-api", "database", 1,
     "late:41"),
    (70, 15.2, "Notification emails sent twice", "notifications", "config-change", 3, "late:9"),
    (-13, 7.5, "Mobile login failures after certificate rotation", "mobile-bff", "security", 2,
     "pending"),
    (-6, 12.0, "Orders stuck in pending after queue backlog", "orders-service",
     "dependency-failure", 3, "pending"),
    (0, 10.0, "Cart totals wrong after pricing rules update", "cart-service", "config-change", 2,
     "pending"),
    (560, 3.2, "Warehouse ETL wrote duplicate order rows", "warehouse-etl", "data-corruption", 2,
     "overdue"),
    (36, 11.0, "Config push disabled guest checkout", "web-frontend", "config-change", 3,
     "body:checklist:## Action items"),
    (125, 11.0, "Fraud checks timed out at peak", "fraud-detection", "capacity", 3,
     "body:table:## Follow-ups"),
    (230, 11.0, "Kafka partition rebalance stalled consumers", "kafka-cluster", "network", 3,
     "body:checklist:## Follow-ups"),
    (390, 11.0, "Billing invoices delayed by stuck cron", "billing-service", "alerting-gap", 3,
     "body:checklist:## Remediation"),
    (545, 11.0, "Redis failover dropped sessions", "redis-cache", "database", 3,
     "body:google:## Action Items"),
    (620, 11.0, "Identity gateway rejected valid tokens", "identity-gateway", "security", 3,
     "body:table:## Remediation"),
    (690, 11.0, "Shipping labels printed with wrong carrier", "shipping-service", "third-party",
     3, "body:checklist:### Follow-up actions"),
    (170, 16.0, "Catalog images missing after CDN purge", "cdn-edge", "config-change", 3,
     "defect:malformed-yaml"),
    (360, 16.0, "Shipping quotes failing for EU addresses", "shipping-service", "third-party",
     3, "defect:unclosed-frontmatter"),
    (600, 16.0, "Reporting API slow after warehouse upgrade", "reporting-api", "database", 3,
     "defect:impossible-date"),
    (405, 16.0, "Feature flag service returned stale flags", "feature-flags", "config-change",
     3, "defect:missing-started"),
    (655, 16.0, "Kafka consumer lag on orders topic", "kafka-cluster", "capacity", 3,
     "defect:duplicate-id"),
    (470, 16.0, "Recommendations carousel empty on home page", "recommendations",
     "dependency-failure", 3, "defect:unknown-severity"),
    (490, 16.0, "Image resizer OOM on large uploads", "image-resizer", "capacity", 3,
     "defect:mapping-for-list"),
)
OVERDUE_ACTIONS = (  # title, owner, due day, status, level, ticket
    ("Add idempotency key to orders load", "data-platform-team", 575, "open", "L4", "DATA-412"),
    ("Dedupe historical orders rows", "dp-team", 580, "in progress", None, "DATA-413"),
    ("Reconcile finance report for affected days", "data-platform-team", 590, "blocked", None,
     None),
    ("Add row-count check between staging and warehouse", "data-platform-team", 600, "todo",
     "L4", "DATA-420"),
)
# fmt: on


def _planted(rng: random.Random, origin: datetime, now: datetime) -> list[Incident]:
    end = origin + timedelta(days=SPAN_DAYS)

    def moment(day: float, hour: float = 0) -> datetime:
        return (end if day <= 0 else origin) + timedelta(days=day, hours=hour)

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


# --- rendering ----------------------------------------------------------------------------


def _scalar(value: str) -> str:
    """A YAML scalar: plain when YAML reads it back as the same string, else double-quoted."""
    if re.fullmatch(r"[A-Za-z][\w .,/()+&'@-]*", value) and not re.search(r": | #", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flow(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def _when(rng: random.Random, moment: datetime, form: str = "") -> str:
    form = form or rng.choices(("z", "naive", "offset"), weights=(60, 25, 15))[0]
    if form == "date":
        return f"{moment:%Y-%m-%d}"
    if form == "naive":
        return f"{moment:%Y-%m-%d %H:%M}"
    if form == "offset":
        minutes = rng.choice((60, 120, -300, -480, 330))
        local = moment + timedelta(minutes=minutes)
        sign, absolute = ("+" if minutes >= 0 else "-"), abs(minutes)
        return f"{local:%Y-%m-%dT%H:%M:%S}{sign}{absolute // 60:02d}:{absolute % 60:02d}"
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def _level(rng: random.Random, level: str) -> str:
    name = LEVEL_NAMES[level]
    forms = (level, level, level, level[1], name, f"{level} {name.capitalize()}", level.lower())
    return rng.choice(forms)


def _status(rng: random.Random, status: str) -> str:
    words = {"open": OPEN_WORDS, "done": DONE_WORDS, "dropped": DROPPED_WORDS}.get(status)
    if words is None:
        return status  # already the words an author wrote
    return status if rng.random() < 0.5 else rng.choice(words)


def _name(rng: random.Random, value: str, aliases: dict[str, str]) -> str:
    if value in aliases and rng.random() < 0.3:
        return aliases[value]
    if rng.random() < 0.04:
        return _display(value) if value.endswith("-api") else value.replace("-", "_").title()
    return value


SERVICE_ALIASES = {"checkout-api": "checkout", "search-api": "search"}
CATEGORY_ALIASES = {"deployment-pipeline": "deploy"}
OWNER_ALIASES = {"data-platform-team": "dp-team"}


def _item_lines(rng: random.Random, item: Item, fix: bool) -> list[str]:
    title_key = rng.choice(
        ("summary", "summary", "title")
        if fix
        else ("title", "title", "summary", "action", "description")
    )
    lines = [f"{title_key}: {_scalar(item.title)}"]
    if item.level:
        lines.append(f"level: {_level(rng, item.level)}")
    if item.owner:
        owner = _name(rng, item.owner, OWNER_ALIASES)
        lines.append(f"{rng.choice(('owner', 'owner', 'assignee'))}: {_scalar(owner)}")
    if item.due:
        lines.append(f"{rng.choice(('due', 'due', 'due_date'))}: {item.due}")
    if fix and item.test:
        key = rng.choice(("test", "test", "verification", "testable"))
        lines.append(f"{key}: {_scalar(item.test)}")
    if not (item.done and rng.random() < 0.08):  # a done date alone means done
        lines.append(f"status: {_scalar(_status(rng, item.status))}")
    if item.done:
        key = rng.choice(("done", "done", "closed", "completed", "done_at", "closed_at"))
        lines.append(f"{key}: {item.done}")
    if item.ticket:
        lines.append(f"{rng.choice(('ticket', 'ticket', 'issue', 'bug'))}: {item.ticket}")
    return lines


def _frontmatter(incident: Incident, rng: random.Random) -> list[str]:
    fm: dict[str, list[str]] = {}
    id_key = rng.choices(("id", "incident_id", "key", ""), weights=(70, 10, 5, 15))[0]
    fm["id"] = [f"{id_key}: {incident.id}"] if id_key else []
    fm["title"] = [f"title: {_scalar(incident.title)}"] if rng.random() < 0.9 else []
    fm["status"] = [f"status: {incident.status}"]
    sev = incident.severity
    fm["severity"] = [
        rng.choices(
            (
                f"severity: SEV{sev}",
                f"sev: {sev}",
                f"priority: P{sev}",
                f"severity: {rng.choice(SEVERITY_WORDS[sev])}",
                f"severity: sev-{sev}",
                f"severity: S{sev}",
            ),
            weights=(50, 12, 12, 12, 7, 7),
        )[0]
    ]
    services = [_name(rng, s, SERVICE_ALIASES) for s in incident.services]
    if len(services) == 1 and rng.random() < 0.35:
        fm["services"] = [f"service: {_scalar(services[0])}"]
    else:
        key = rng.choices(("services", "affected_services", "components"), weights=(8, 1, 1))[0]
        fm["services"] = [f"{key}: {_flow([_scalar(s) for s in services])}"]
    categories = [_name(rng, c, CATEGORY_ALIASES) for c in incident.categories]
    if len(categories) > 1:
        fm["category"] = [f"categories: {_flow(categories)}"]
    else:
        fm["category"] = [f"{rng.choice(('category', 'category', 'type'))}: {categories[0]}"]
    if incident.tags:
        fm["tags"] = [f"{rng.choice(('tags', 'tags', 'labels'))}: {_flow(incident.tags)}"]
    team = SERVICE_TEAM[incident.services[0]]
    fm["teams"] = [rng.choice((f"teams: [{team}]", f"team: {team}", f"owner_team: {team}"))]
    key = rng.choices(
        ("started", "started_at", "start", "incident_start", "incident_date", "date"),
        weights=(55, 15, 8, 8, 10, 4),
    )[0]
    form = "date" if key in ("incident_date", "date") else ""
    fm["started"] = [f"{key}: {_when(rng, incident.started, form)}"]
    if incident.detected:
        key = rng.choice(("detected", "detected", "detected_at"))
        fm["detected"] = [f"{key}: {_when(rng, incident.detected)}"]
    if incident.resolved:
        key = rng.choices(
            ("resolved", "resolved_at", "ended", "end", "incident_end"), weights=(60, 20, 8, 6, 6)
        )[0]
        fm["resolved"] = [f"{key}: {_when(rng, incident.resolved)}"]
    if incident.postmortem:
        key = rng.choices(
            ("postmortem_date", "written", "published", "reviewed_at", "postmortem_at"),
            weights=(60, 10, 15, 10, 5),
        )[0]
        anchor = incident.resolved or incident.started
        days_after = (incident.postmortem.date() - anchor.date()).days
        form = "date" if days_after >= 2 and rng.random() < 0.3 else ""
        fm["postmortem"] = [f"{key}: {_when(rng, incident.postmortem, form)}"]
    if incident.timeline:
        word = incident.timeline
        if rng.random() < 0.3:
            word = {"during": rng.choice(("live", "realtime")), "after": "reconstructed"}[word]
        fm["timeline"] = [f"{rng.choice(('timeline_written', 'timeline'))}: {word}"]
    if incident.chain_level:
        key = rng.choices(("chain_level", "root_level", "level"), weights=(80, 12, 8))[0]
        fm["chain_level"] = [f"{key}: {_scalar(_level(rng, incident.chain_level))}"]
    key = rng.choices(("authors", "participants", "people"), weights=(80, 12, 8))[0]
    fm["authors"] = [f"{key}: {_flow(incident.authors)}"]
    if len(incident.fixes) == 1:
        fm["fix"] = ["fix:"] + ["  " + line for line in _item_lines(rng, incident.fixes[0], True)]
    elif incident.fixes:
        fm["fix"] = ["fix:"]
        for fix in incident.fixes:
            lines = _item_lines(rng, fix, True)
            fm["fix"] += ["  - " + lines[0]] + ["    " + line for line in lines[1:]]
    if incident.actions and not incident.body_actions:
        key = rng.choices(("actions", "action_items", "follow_ups"), weights=(80, 12, 8))[0]
        fm["actions"] = [f"{key}:"]
        for action in incident.actions:
            if action.owner is None and rng.random() < 0.6:  # a bare line, as people write
                fm["actions"].append(f"  - {_scalar(action.title)}")
                continue
            lines = _item_lines(rng, action, False)
            fm["actions"] += ["  - " + lines[0]] + ["    " + line for line in lines[1:]]
    _apply_defect(incident, fm)
    for key, raw in incident.overrides.items():
        if key in fm:
            fm[key] = raw.splitlines()
    return [line for lines in fm.values() for line in lines]


def _apply_defect(incident: Incident, fm: dict[str, list[str]]) -> None:
    if incident.defect == "malformed-yaml":
        fm["services"] = [f"services: [{incident.services[0]}, api-gateway"]
    elif incident.defect == "impossible-date":
        fm["resolved"] = [f"resolved: {incident.started.year}-13-45"]
    elif incident.defect == "missing-started":
        fm["started"] = []
    elif incident.defect == "unknown-severity":
        fm["severity"] = ["severity: SEV9"]
    elif incident.defect == "mapping-for-list":
        action = incident.actions[0]
        fm["actions"] = [
            "actions:",
            f"  title: {action.title}",
            f"  owner: {action.owner}",
            f"  due: {action.due}",
            "  status: open",
        ]


PROSE = (
    "The change had been reviewed, but the reviewer had no way to see its effect on "
    "production-sized data.",
    "Dashboards for {s} showed the error rate rising, but the alert threshold was tuned for a "
    "much larger outage.",
    "On-call followed the runbook, which still described the previous architecture of {s}.",
    "A retry policy in the clients multiplied load on {s} once the first timeouts appeared.",
    "Rolling back took longer than expected because the previous artefact had already been "
    "garbage-collected.",
    "Customer support noticed the problem before monitoring did, through a spike in tickets.",
    "We had seen a smaller version of this failure before and had not written it down.",
    "Load on {s} is strongly seasonal, and capacity had been planned from the quiet months.",
    "A single incident commander kept decisions in one channel, which worked well.",
    "The status page was updated late, because nobody owned that task during the first hour.",
    "Several engineers joined the call without a clear role, which slowed the diagnosis.",
    "The {team} team owns {s}, but the failing component was changed by another team.",
    "Staging did not reproduce the failure because it runs with a tenth of production data.",
    "Nobody was paged for the first symptoms; they only showed up on a weekly report.",
)
CAUSES = {
    "deployment-pipeline": "A release of {s} went to all hosts at once; the pipeline had no "
    "canary stage and no automatic rollback, so a bad build reached every customer.",
    "config-change": "A configuration change to {s} was pushed without validation against the "
    "schema the service expects.",
    "capacity": "{S} ran out of headroom: traffic grew faster than the capacity plan assumed.",
    "dependency-failure": "{S} depends on a downstream service that slowed down, and its "
    "timeouts were longer than its callers'.",
    "database": "A database change behind {s} altered query plans under production load.",
    "network": "Network changes between zones dropped a share of the traffic to {s}.",
    "third-party": "A vendor that {s} relies on had an outage, and there was no fallback.",
    "alerting-gap": "{S} failed quietly: no alert covered the symptom customers saw.",
    "data-corruption": "{S} wrote records twice after a partial failure and retry.",
    "security": "A credential used by {s} expired or leaked and had to be rotated in a hurry.",
}
EVENTS = (
    "rolled back the last change",
    "scaled {s} out",
    "failed over to the standby",
    "disabled the feature flag",
    "restarted the stuck workers",
    "paused the import job",
)


def _body(incident: Incident, rng: random.Random, body_kb: float) -> list[str]:
    svc = incident.services[0]
    words = {"s": svc, "S": _display(svc), "team": SERVICE_TEAM[svc]}
    lasted = (incident.resolved or incident.started + timedelta(hours=1)) - incident.started
    minutes = int(lasted.total_seconds() // 60)
    share = {
        1: rng.randint(40, 100),
        2: rng.randint(10, 40),
        3: rng.randint(2, 10),
        4: rng.randint(1, 3),
    }[incident.severity]
    people = incident.authors
    timeline = [f"- {incident.started:%H:%M} First errors on {svc}."]
    if incident.detected:
        timeline.append(f"- {incident.detected:%H:%M} {people[0]} acknowledged the page.")
    middle = incident.started + lasted / 2
    event = rng.choice(EVENTS).format(**words)
    timeline.append(f"- {middle:%H:%M} {rng.choice(people)} {event}.")
    if incident.resolved:
        timeline.append(f"- {incident.resolved:%H:%M} Error rate back to baseline; resolved.")
    lines = [
        f"# {incident.title}",
        "",
        "## Summary",
        "",
        f"On {incident.started:%Y-%m-%d}, {_display(svc)} was degraded for {minutes} minutes "
        f"(SEV{incident.severity}). " + CAUSES[incident.categories[0]].format(**words),
        "",
        "## Impact",
        "",
        f"About {share}% of requests to {svc} failed or timed out during the incident.",
        "",
        "## Timeline",
        "",
        "All times UTC.",
        "",
        *timeline,
        "",
        "## Root cause",
        "",
        " ".join(rng.sample(PROSE, 2)).format(**words),
        "",
    ]
    target = int(body_kb * 1024)
    size = sum(len(line) + 1 for line in lines)
    if size < target - 200:
        lines += ["## Contributing factors", ""]
        while size < target - 200:
            paragraph = " ".join(rng.sample(PROSE, 4)).format(**words)
            lines += [paragraph, ""]
            size += len(paragraph) + 2
    lines += ["## Lessons learned", "", f"- {rng.choice(PROSE).format(**words)}", ""]
    if incident.body_actions:
        lines += [incident.overrides["body_heading"], ""]
        lines += _body_actions(incident, rng) + [""]
    return lines


def _body_actions(incident: Incident, rng: random.Random) -> list[str]:
    kind = incident.body_actions
    actions = incident.actions
    if kind == "checklist":
        rows = []
        for a in actions:
            mark = "x" if a.status == "done" else " "
            details = [f"owner: @{a.owner}"] if a.owner else []
            details += [f"due {a.due}"] if a.due else []
            details += [f"ticket: {a.ticket}"] if a.ticket else []
            suffix = f" ({', '.join(details)})" if details else ""
            rows.append(f"- [{mark}] {a.title}{suffix}")
        return rows
    if kind == "google":
        rows = ["| Action Item | Type | Owner | Bug |", "| --- | --- | --- | --- |"]
        for a in actions:
            marker = "DONE" if a.status == "done" else "TODO"
            level = LEVEL_NAMES[a.level] if a.level else "-"
            rows.append(
                f"| {a.title} | {level} | {a.owner or '-'} | {a.ticket or 'n/a'} {marker} |"
            )
        return rows
    rows = ["| Action | Owner | Due | Status | Ticket |", "| --- | --- | --- | --- | --- |"]
    for a in actions:
        marker = "DONE" if a.status == "done" else "TODO"
        owner = f"@{a.owner}" if a.owner else "-"
        rows.append(f"| {a.title} | {owner} | {a.due or '-'} | {marker} | {a.ticket or '-'} |")
    return rows


def _render(incident: Incident, rng: random.Random, body_kb: float) -> str:
    frontmatter = _frontmatter(incident, rng)
    body = _body(incident, rng, body_kb)
    closing = [] if incident.defect == "unclosed-frontmatter" else ["---"]
    return "\n".join(["---", *frontmatter, *closing, "", *body])


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


CONFIG = """\
# Settings for `postmortems ingest` (see the spec's "The archive" section).
timezone = "UTC"
exclude = ["scratch/*"]

[aliases.service]
checkout = "checkout-api"
search = "search-api"

[aliases.category]
deploy = "deployment-pipeline"

[aliases.owner]
dp-team = "data-platform-team"
"""
README = """\
# Postmortem archive

One Markdown file per incident, in a folder per year: `2025/PM-2025-014-checkout-502s.md`.
Start from `templates/postmortem.md`. Write it within 72 hours of resolving the incident,
keep the timeline as it happens, name the chain level and land one owned, dated, testable fix.

`postmortems.toml` sets the timezone for naive times and the alias maps.
"""
TEMPLATE = """\
---
id: PM-YYYY-NNN
title: One line, what customers saw
status: draft
severity: SEV3
services: []
category:
teams: []
started: YYYY-MM-DDTHH:MM:SSZ
detected:
resolved:
postmortem_date:
timeline_written: during
chain_level:
authors: []
fix:
  summary:
  level:
  owner:
  due:
  test:
  status: open
actions: []
---

# Title

## Summary

## Impact

## Timeline

## Root cause

## Lessons learned
"""
PR_TEMPLATE = """\
## Postmortem checklist

- [ ] Written within 72 hours of resolution
- [ ] Chain level named, one fix with owner, due date and test
"""
SCRATCH = """\
# Retro ideas (not a postmortem)

- Group the checkout incidents by deploy for the next review.
"""


def _write_extras(out: Path) -> None:
    extras = {
        "postmortems.toml": CONFIG,
        "README.md": README,
        "templates/postmortem.md": TEMPLATE,
        ".github/pull_request_template.md": PR_TEMPLATE,
        "scratch/retro-ideas.md": SCRATCH,
    }
    for name, text in extras.items():
        _write(out / name, text)
