"""The sample archive: deterministic, the size asked for, and the planted stories are there.

Two archives: the default one (`data/sample-archive/`) and a decade one (`years=10,
services=300`), which must hold the same stories on the same dates. Reads the files with
`yaml.safe_load` and a few lines of alias handling; only the planted problems are checked
with the ingester.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from archive_factory import query
from click.testing import CliRunner

from analytics.cli import main
from analytics.ingest import ingest
from analytics.sample import write_sample_archive
from analytics.sample_data import SERVICE_TEAM, SERVICES, STORY_FIXES, STORY_OTHERS, service_names
from analytics.sample_render import display_name

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "sample-archive"
SERVICE_ALIASES = {"checkout": "checkout-api", "search": "search-api"}
CATEGORY_ALIASES = {"deploy": "deployment-pipeline"}
OWNER_ALIASES = {"dp-team": "data-platform-team"}
STARTED_KEYS = ("started", "start", "started_at", "incident_start", "incident_date", "date")
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # same rules, faster
LEVEL_NAMES = {"strategy": 1, "discovery": 2, "scope": 3, "execution": 4, "operation": 5}
DECADE = {"count": 3000, "years": 10, "services": 300}
END = date(2026, 11, 20)  # the last incident's day in both archives; "now" is 5 days later
STORY_SLUGS = [
    "-".join(re.findall(r"[a-z0-9]+", story[2].lower())[:7]) for story in STORY_FIXES + STORY_OTHERS
]
PLANTED_PROBLEMS = [
    ("catalog-images-missing-after-cdn-purge", "error", "yaml-invalid"),
    ("feature-flag-service-returned-stale-flags", "error", "missing-started"),
    ("image-resizer-oom-on-large-uploads", "error", "wrong-type"),
    ("kafka-consumer-lag-on-orders-topic", "error", "duplicate-id"),
    ("recommendations-carousel-empty-on-home-page", "warning", "unknown-severity"),
    ("reporting-api-slow-after-warehouse-upgrade", "error", "invalid-date"),
    ("shipping-quotes-failing-for-eu-addresses", "error", "frontmatter-unclosed"),
]


@pytest.fixture(scope="module")
def default_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("archive")
    write_sample_archive(out)
    return out


@pytest.fixture(scope="module")
def decade_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("decade")
    write_sample_archive(out, **DECADE)
    return out


@pytest.fixture(scope="module", params=["default", "decade"])
def archive(request: pytest.FixtureRequest) -> Path:
    """Each archive shape: every story test runs on both."""
    return request.getfixturevalue(f"{request.param}_archive")


def postmortem_files(root: Path) -> list[Path]:
    skipped = ("README.md", "templates/", "scratch/", ".github/")
    return sorted(
        p for p in root.rglob("*.md") if not p.relative_to(root).as_posix().startswith(skipped)
    )


def split(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    _, frontmatter, body = text.split("---\n", 2)
    return yaml.load(frontmatter, Loader=SAFE_LOADER), body


def name(value: Any, aliases: dict[str, str]) -> str:
    normal = re.sub(r"[\s_]+", "-", str(value).strip().lower())
    return aliases.get(normal, normal)


def first(fm: dict[str, Any], *keys: str) -> Any:
    return next((fm[key] for key in keys if key in fm), None)


def services(fm: dict[str, Any]) -> list[str]:
    raw = first(fm, "services", "service", "affected_services", "components")
    return [name(s, SERVICE_ALIASES) for s in ([raw] if isinstance(raw, str) else raw)]


def category(fm: dict[str, Any]) -> str:
    raw = first(fm, "category", "type") or fm["categories"][0]
    return name(raw, CATEGORY_ALIASES)


def level(value: Any) -> str:
    text = str(value).strip().lower()
    word = LEVEL_NAMES.get(text.split()[-1])
    return f"L{word}" if word else f"L{text.lstrip('l')[0]}"


def started(fm: dict[str, Any]) -> datetime:
    value = first(fm, *STARTED_KEYS)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


@functools.cache
def readable(root: Path) -> dict[Path, dict[str, Any]]:
    """Frontmatter of every postmortem that parses (the planted broken ones do not all)."""
    found = {}
    for path in postmortem_files(root):
        try:
            fm, _ = split(path)
        except (yaml.YAMLError, ValueError):
            continue
        if isinstance(fm, dict) and first(fm, *STARTED_KEYS):
            found[path] = fm
    return found


@functools.cache
def stems(root: Path) -> dict[str, Path]:
    return {p.stem: p for p in postmortem_files(root)}


def by_slug(root: Path, slug: str) -> Path:
    (path,) = [p for stem, p in stems(root).items() if slug in stem]
    return path


def slug_of(path: Path) -> str:
    return path.stem.split("-", 3)[3]  # PM-2025-076-checkout-502s-after-deploy -> the slug


def team(fm: dict[str, Any]) -> str:
    raw = first(fm, "teams", "team", "owner_team")
    return raw if isinstance(raw, str) else raw[0]


@pytest.mark.parametrize("options", [{}, {"years": 10, "services": 300}])
def test_same_arguments_give_identical_bytes(tmp_path: Path, options: dict[str, Any]) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    write_sample_archive(one, count=120, seed=3, **options)
    write_sample_archive(two, count=120, seed=3, **options)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)


def test_committed_archive_is_what_the_generator_writes(default_archive: Path) -> None:
    archive = default_archive
    committed = sorted(p.relative_to(COMMITTED) for p in COMMITTED.rglob("*") if p.is_file())
    assert committed == sorted(p.relative_to(archive) for p in archive.rglob("*") if p.is_file())
    assert all((COMMITTED / f).read_bytes() == (archive / f).read_bytes() for f in committed)


def test_options_left_at_none_are_the_default_archive(tmp_path: Path) -> None:
    write_sample_archive(tmp_path, count=75, seed=3, years=None, services=None)
    default = tmp_path.parent / "default"
    write_sample_archive(default, count=75, seed=3)
    files = sorted(p.relative_to(default) for p in default.rglob("*") if p.is_file())
    assert all((tmp_path / f).read_bytes() == (default / f).read_bytes() for f in files)


@pytest.mark.parametrize("count", [0, 10, 75, 300])
def test_count_is_honoured(tmp_path: Path, count: int) -> None:
    written = write_sample_archive(tmp_path, count=count)
    assert len(written) == count
    assert postmortem_files(tmp_path) == written
    assert (tmp_path / "postmortems.toml").is_file()
    assert (tmp_path / "templates" / "postmortem.md").is_file()


def test_spans_two_years_and_ends_near_the_end_of_the_span(default_archive: Path) -> None:
    starts = sorted(started(fm) for fm in readable(default_archive).values())
    assert starts[-1] - starts[0] >= timedelta(days=730)
    assert starts[0].date() >= date(2024, 10, 1)
    assert date(2026, 11, 15) <= starts[-1].date() <= END


def test_decade_spans_ten_years_ending_where_the_default_ends(decade_archive: Path) -> None:
    starts = sorted(started(fm).date() for fm in readable(decade_archive).values())
    assert date(2016, 11, 20) <= starts[0] <= date(2016, 12, 5)
    assert starts[-1] == END
    years = {day.year for day in starts}
    assert years == set(range(2016, 2027))
    per_year = [sum(day.year == year for day in starts) for year in range(2017, 2026)]
    assert min(per_year) > 0.7 * max(per_year)  # spread over the whole span


def test_decade_uses_many_services_owned_by_their_base_team(decade_archive: Path) -> None:
    found = readable(decade_archive).values()
    names = {s for fm in found for s in services(fm)}
    assert len(names) > 250 and names <= set(service_names(300))
    for fm in found:
        base = re.sub(r"-\d+$", "", services(fm)[0])
        assert team(fm) == SERVICE_TEAM[base]
    data_platform = [services(fm)[0] for fm in found if team(fm) == "data-platform"]
    derived = [s for s in data_platform if s not in SERVICES]
    assert len(derived) > len(data_platform) / 2  # derived data-platform services count too


def test_decade_keeps_the_stories_on_their_services_and_dates(
    default_archive: Path, decade_archive: Path
) -> None:
    default, decade = readable(default_archive), readable(decade_archive)
    checked = 0
    for story in STORY_SLUGS:
        one, other = by_slug(default_archive, story), by_slug(decade_archive, story)
        assert slug_of(one) == slug_of(other) == story
        if one in default:  # not 4 of the planted broken ones: no YAML or no `started`
            assert services(default[one]) == services(decade[other])
            assert started(default[one]).date() == started(decade[other]).date()
            checked += 1
    assert checked == len(STORY_SLUGS) - 4


def test_planted_problems_are_what_the_ingester_finds(archive: Path, tmp_path: Path) -> None:
    db = tmp_path / "pm.duckdb"
    ingest(archive, db)
    found = query(db, "SELECT path, severity, code FROM problems ORDER BY code")
    assert sorted((slug_of(Path(path)), sev, code) for path, sev, code in found) == PLANTED_PROBLEMS


def test_derived_service_names() -> None:
    assert service_names() == SERVICES and len(SERVICES) == 29
    assert service_names(31)[29:] == ("checkout-api-2", "payments-api-2")
    assert service_names(300)[-1] == "search-indexer-11"
    assert display_name("checkout-api-2") == "Checkout API 2"
    assert display_name("warehouse-etl-10") == "Warehouse ETL 10"
    with pytest.raises(ValueError, match="at least 29"):
        service_names(20)


def test_too_short_a_span_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 780 days"):
        write_sample_archive(tmp_path, count=10, years=2)
    result = CliRunner().invoke(main, ["sample", "--out", str(tmp_path), "--services", "10"])
    assert result.exit_code == 2 and "--services must be at least 29" in result.output
    result = CliRunner().invoke(
        main, ["sample", "--out", str(tmp_path), "--count", "70", "--years", "3"]
    )
    assert result.exit_code == 0, result.output
    assert min(started(fm).date() for fm in readable(tmp_path).values()) < date(2024, 10, 1)


def test_tags_are_varied(archive: Path) -> None:
    found = readable(archive).values()
    assert len({s for fm in found for s in services(fm)}) >= 20
    assert len({category(fm) for fm in found}) >= 8
    assert len({team(fm) for fm in found}) >= 6
    sevs = {str(first(fm, "severity", "sev", "priority")) for fm in found}
    assert {"SEV1", "SEV2", "SEV3", "SEV4", "P2", "2", "high"} <= sevs


def test_checkout_deployment_pattern_then_the_fix_held(archive: Path) -> None:
    slugs = (
        "checkout-502s-after-deploy",
        "checkout-latency-spike-during-rollout",
        "checkout-errors-after-config-bundle-deploy",
        "black-friday-checkout-outage-after-hotfix-deploy",
        "checkout-500s-after-partial-rollout",
    )
    story = [split(by_slug(archive, slug))[0] for slug in slugs]
    assert all(services(fm) == ["checkout-api"] for fm in story)
    assert all(category(fm) == "deployment-pipeline" for fm in story)
    assert story[1]["service"] == "checkout" and story[2]["category"] == "deploy"
    starts = [started(fm) for fm in story]
    assert starts == sorted(starts) and starts[-1] - starts[0] <= timedelta(days=180)
    assert [level(fm["fix"]["level"]) for fm in story] == ["L5"] * 4 + ["L4"]
    canary = story[-1]["fix"]
    assert "canary" in first(canary, "summary", "title")
    assert canary.get("status", "done").lower() == "done"
    same_key = [
        fm
        for fm in readable(archive).values()
        if "checkout-api" in services(fm) and category(fm) == "deployment-pipeline"
    ]
    assert len(same_key) == 5  # nothing before, nothing after the fix
    done = first(canary, "done", "closed", "completed", "done_at", "closed_at")
    assert date(2026, 11, 20) - done > timedelta(days=180)


def test_active_search_capacity_pattern(archive: Path) -> None:
    slugs = ("search-timeouts-during", "search-api-saturated", "search-p99-over-5s")
    story = [split(by_slug(archive, slug))[0] for slug in slugs]
    assert {(services(fm)[0], category(fm)) for fm in story} == {("search-api", "capacity")}
    assert started(story[-1]) > datetime(2026, 10, 1, tzinfo=UTC)


def test_l5_reflex_fixes(archive: Path) -> None:
    for slug in ("inventory-counts-drifted", "session-store-evictions-logged-users-out"):
        fm, _ = split(by_slug(archive, slug))
        assert level(first(fm, "chain_level", "root_level", "level")) in ("L3", "L4")
        assert level(fm["fix"]["level"]) == "L5"


def test_late_and_pending_late_postmortems(archive: Path) -> None:
    fm, _ = split(by_slug(archive, "payments-double-charge-during-failover"))
    assert first(fm, "timeline_written", "timeline") in ("after", "reconstructed")
    for slug in (
        "mobile-login-failures-after-certificate-rotation",
        "orders-stuck-in-pending-after-queue-backlog",
        "cart-totals-wrong-after-pricing-rules-update",
    ):
        fm, _ = split(by_slug(archive, slug))
        assert fm["status"] == "draft"
        assert not {"postmortem_date", "written", "published", "reviewed_at"} & set(fm)
        assert started(fm) > datetime(2026, 11, 1, tzinfo=UTC)


def test_overdue_actions_for_data_platform(archive: Path) -> None:
    fm, _ = split(by_slug(archive, "warehouse-etl-wrote-duplicate-order-rows"))
    actions = first(fm, "actions", "action_items", "follow_ups")
    owners = {name(first(a, "owner", "assignee"), OWNER_ALIASES) for a in actions}
    assert owners == {"data-platform-team"} and len(actions) == 4
    assert all(first(a, "due", "due_date") < date(2026, 6, 1) for a in actions)
    assert all(a["status"].lower() in ("open", "todo", "in progress", "blocked") for a in actions)


def test_actions_only_in_the_body(archive: Path) -> None:
    heading = re.compile(
        r"^#+ (Action items|Follow-ups|Remediation|Follow-up actions)$", re.I | re.M
    )
    found = {"checklist": 0, "table": 0}
    for path in postmortem_files(archive):
        try:
            fm, body = split(path)
        except (yaml.YAMLError, ValueError):  # the planted broken files
            continue
        if not isinstance(fm, dict) or not heading.search(body):
            continue
        assert not {"actions", "action_items", "follow_ups"} & set(fm), path
        found["checklist"] += bool(re.search(r"^- \[[ x]\] ", body, re.M))
        found["table"] += bool(re.search(r"^\| Action( Item)? \|", body, re.M))
    assert found == {"checklist": 4, "table": 3}


def test_broken_files(archive: Path) -> None:
    with pytest.raises(yaml.YAMLError):
        split(by_slug(archive, "catalog-images-missing-after-cdn-purge"))
    unclosed = by_slug(archive, "shipping-quotes-failing-for-eu-addresses").read_text()
    assert unclosed.startswith("---\n") and "\n---\n" not in unclosed
    impossible = by_slug(archive, "reporting-api-slow-after-warehouse-upgrade").read_text()
    assert re.search(r"^resolved: \d{4}-13-45$", impossible, re.M)
    fm, _ = split(by_slug(archive, "feature-flag-service-returned-stale-flags"))
    assert first(fm, *STARTED_KEYS) is None
    assert split(by_slug(archive, "recommendations-carousel-empty"))[0]["severity"] == "SEV9"
    fm, _ = split(by_slug(archive, "image-resizer-oom-on-large-uploads"))
    assert isinstance(fm["actions"], dict)
    duplicate = by_slug(archive, "kafka-consumer-lag-on-orders-topic")
    files = postmortem_files(archive)
    previous = files[files.index(duplicate) - 1]
    assert split(duplicate)[0]["id"] == split(previous)[0]["id"]


def test_time_span_follows_start(tmp_path: Path) -> None:
    write_sample_archive(tmp_path, count=80, seed=1, start=date(2020, 1, 1), body_kb=0.2)
    starts = sorted(started(fm) for fm in readable(tmp_path).values())
    assert starts[0].date() >= date(2020, 1, 1)
    assert starts[-1].date() == date(2020, 1, 1) + timedelta(days=780)
    assert len([p for p in postmortem_files(tmp_path) if "checkout-502s" in p.name]) == 1


def test_the_command_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    first = CliRunner().invoke(main, ["sample", "--out", str(out), "--count", "20"])
    assert first.exit_code == 0, first.output
    files = sorted(out.rglob("*"))
    again = CliRunner().invoke(main, ["sample", "--out", str(out), "--count", "5"])
    assert again.exit_code == 2 and f"--out {out} is not empty" in again.output
    assert sorted(out.rglob("*")) == files  # nothing added, nothing removed
    assert CliRunner().invoke(main, ["sample", "--out", str(tmp_path / "new")]).exit_code == 0
