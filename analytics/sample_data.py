"""The tables the sample archive is drawn from (`analytics.sample`).

Teams and their services, category weights, people, title and fix templates, the words
authors use for statuses, severities and levels, the planted stories of the module
docstring of `analytics.sample`, the prose of the bodies and the extra files an archive
holds. Also the generator's own records, `Item` and `Incident`. Changing any value here
changes `data/sample-archive/` (tests/test_sample.py checks it is reproduced).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

SPAN_DAYS = 780  # 2024-10-01 -> 2026-11-20: ~26 months; the stories' span at any `years`
YEAR_DAYS = 365.25

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
RELEASE_EVERY = 365  # 530 and 715 are 165 and 350 a year later: longer spans repeat them
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
_DERIVED_SUFFIX = re.compile(r"-\d+$")


def service_names(count: int | None = None) -> tuple[str, ...]:
    """The base `SERVICES`, then derived ones round-robin over them up to `count` services:
    `checkout-api-2`, `payments-api-2`, ..., `feature-flags-2`, `checkout-api-3`, ..."""
    if count is None:
        return SERVICES
    if count < len(SERVICES):
        raise ValueError(f"services must be at least {len(SERVICES)}, got {count}")
    derived = (
        f"{SERVICES[i % len(SERVICES)]}-{2 + i // len(SERVICES)}"
        for i in range(count - len(SERVICES))
    )
    return (*SERVICES, *derived)


def base_service(service: str) -> str:
    """`checkout-api-3` -> `checkout-api`; a base service is its own (none ends in -digits)."""
    return _DERIVED_SUFFIX.sub("", service)


def team_of(service: str) -> str:
    """The team owning `service`: a derived service belongs to its base service's team."""
    return SERVICE_TEAM[base_service(service)]


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


# --- planted stories (see analytics.sample) --------------------------------------------

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

# --- words and prose of the rendered files ---------------------------------------------

SERVICE_ALIASES = {"checkout-api": "checkout", "search-api": "search"}
CATEGORY_ALIASES = {"deployment-pipeline": "deploy"}
OWNER_ALIASES = {"data-platform-team": "dp-team"}
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

CONFIG = """\
# Settings for `postmortems ingest` (see docs/archive.md).
timezone = "UTC"
exclude = ["scratch/*"]

[aliases.service]
checkout = "checkout-api"
search = "search-api"

[aliases.category]
deploy = "deployment-pipeline"

[aliases.owner]
dp-team = "data-platform-team"

# The metric parameters, SPEC's defaults as shown: uncomment [metrics] and the ones to
# change, for every surface (a large archive may want a shorter window or a higher minimum).
# [metrics]
# window_days = 180
# pattern_min = 3
# ttp_hours = 72
# action_slo_days = 28
"""
README = """\
# Postmortem archive

One Markdown file per incident, in a folder per year: `2025/PM-2025-014-checkout-502s.md`.
Start from `templates/postmortem.md`. Write it within 72 hours of resolving the incident,
keep the timeline as it happens, name the chain level and land one owned, dated, testable fix.

`postmortems.toml` sets the timezone for naive times, the alias maps and (commented out)
the metric parameters.
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
