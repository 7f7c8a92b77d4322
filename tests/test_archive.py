"""Parsing one archive file (analytics/archive.py); the archive's config and file list."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from archive_factory import (
    RECURRENCE_KEYS,
    codes,
    load,
    parse,
    postmortem,
    query,
    without_missing_keys,
    write_archive,
)

from analytics.archive import to_json
from analytics.archive_fields import STATUS_WORDS
from analytics.config import ArchiveConfig, ConfigError, iter_archive_files, load_config
from analytics.metrics import Filters, summary

BERLIN = ArchiveConfig(timezone="Europe/Berlin")


def fm(lines: str, body: str = "# Title\n") -> str:
    return f"---\n{lines}---\n{body}"


# --- every frontmatter alias of SPEC maps to its canonical field ---------------------------

STARTED = "started: 2026-03-02T14:05:00Z\n"


@pytest.mark.parametrize("key", ["id", "incident_id", "key"])
def test_id_aliases(key):
    assert load(fm(f"{key}: PM-2026-031\n" + STARTED)).id == "PM-2026-031"


def test_id_defaults_to_the_file_stem():
    parsed = parse(fm(STARTED), path="2026/checkout-502s.md")
    assert parsed.postmortem is not None
    assert parsed.postmortem.id == "checkout-502s"


def test_title_defaults_to_first_heading_else_id():
    assert load(fm("id: PM-1\n" + STARTED, "intro\n# Checkout 502s #\n## Impact\n")).title == (
        "Checkout 502s"
    )
    assert load(fm("id: PM-1\n" + STARTED, "no heading\n")).title == "PM-1"
    assert load(fm("id: PM-1\ntitle: Given\n" + STARTED, "# Other\n")).title == "Given"


@pytest.mark.parametrize("key", ["severity", "sev", "priority"])
def test_severity_aliases(key):
    pm = load(fm(f"{key}: P2\n" + STARTED))
    assert (pm.severity, pm.severity_rank) == ("SEV2", 2)


@pytest.mark.parametrize("key", ["services", "service", "affected_services", "components"])
def test_services_aliases(key):
    assert load(fm(f"{key}: [Checkout_API, Payments]\n" + STARTED)).services == [
        "checkout-api",
        "payments",
    ]


def test_services_string_or_list():
    assert load(fm("service: Checkout API\n" + STARTED)).services == ["checkout-api"]
    assert load(fm("services: [checkout-api]\n" + STARTED)).services == ["checkout-api"]
    assert load(fm("services:\n  - a\n  - b\n" + STARTED)).services == ["a", "b"]


@pytest.mark.parametrize(
    ("line", "categories"),
    [
        ("category: Deployment Pipeline\n", ["deployment-pipeline"]),
        ("categories: [Config_Change, capacity]\n", ["config-change", "capacity"]),
        ("type: dependency\n", ["dependency"]),
    ],
)
def test_category_aliases_and_first_of_categories_is_primary(line, categories):
    pm = load(fm(line + STARTED))
    assert pm.categories == categories
    assert pm.category == categories[0]


# --- no category or no services: counted, but never a repeat (a warning each) ------------

NO_CATEGORY = (
    "no `category`: the incident counts, but can never repeat another or be repeated, be in "
    "a pattern, or have a fix that held or recurred (expected e.g. "
    "`category: deployment-pipeline`)"
)
NO_SERVICES = (
    "no `services`: the incident counts, but can never repeat another or be repeated, be in "
    "a service's pattern (only in its category's), or have a fix that held or recurred "
    "(expected e.g. `services: [checkout-api]`)"
)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("category: db\nservices: [api]\n", []),
        ("services: [api]\n", [("missing-category", None, NO_CATEGORY)]),
        ("category: db\n", [("missing-services", None, NO_SERVICES)]),
        ("", [("missing-category", None, NO_CATEGORY), ("missing-services", None, NO_SERVICES)]),
        # a key left blank (as `postmortems new` writes it): its line, to fill it in
        (
            "category:\nservices: []\n",
            [("missing-category", 3, "line 3: " + NO_CATEGORY),
             ("missing-services", 4, "line 4: " + NO_SERVICES)],
        ),
        (
            "type: ''\ncomponents: [' ']\n",
            [("missing-category", 3, "line 3: " + NO_CATEGORY),
             ("missing-services", 4, "line 4: " + NO_SERVICES)],
        ),
        # a list item left empty was a service named "none"; a word meaning none, or a
        # template's blank, a category of its own that repeats and patterns were made of
        (
            "category: n/a\nservices:\n  -\n",
            [("missing-category", 3, "line 3: " + NO_CATEGORY),
             ("missing-services", 4, "line 4: " + NO_SERVICES)],
        ),
        (
            "category: TBD\nservices: [<service>, api]\n",
            [("placeholder", 4, "line 4: `services` is `<service>`, a template placeholder: "
              "read as no services; fill it in or delete it"),
             ("placeholder", 3, "line 3: `category` is `TBD`, a template placeholder: read "
              "as no category; fill it in or delete it"),
             ("missing-category", 3, "line 3: " + NO_CATEGORY)],
        ),
    ],
)  # fmt: skip
def test_no_category_or_no_services_is_a_warning_and_the_file_loads(lines, expected):
    """Such an incident counted in every total while recurrence could never see it, and
    nothing said so."""
    parsed = parse(fm(STARTED + lines))
    assert [(p.code, p.line, p.message) for p in parsed.problems] == expected
    assert all(p.severity == "warning" for p in parsed.problems)
    assert parsed.postmortem is not None and not parsed.rejected


def test_a_name_that_may_be_one_is_kept():
    """`todo` may be a service's name, and a tag is no key of recurrence: kept (review D6)."""
    pm = load(fm(STARTED + "category: db\nservices: [todo, TBD]\ntags: [unknown, none]\n"))
    assert (pm.services, pm.tags) == (["todo"], ["unknown", "none"])


def test_no_category_or_no_services_comes_after_the_files_other_problems():
    # an alias's warning, a field's, YAML's repeated key, each as before; then the two
    parsed = parse(fm(STARTED + "sev: high\nseverity: apocalyptic\nseverity: bad\n"))
    assert [(p.code, p.line) for p in parsed.problems] == [
        ("duplicate-key", 3),
        ("unknown-severity", 5),
        ("duplicate-key", 5),
        ("missing-category", None),
        ("missing-services", None),
    ]
    # a rejected file too: it is not counted, but fixing its error alone would not do
    rejected = parse(fm("title: t\ncategory: ''\n"))
    assert rejected.postmortem is None and rejected.rejected
    assert [(p.code, p.severity, p.line) for p in rejected.problems] == [
        ("missing-started", "error", None),
        ("missing-category", "warning", 3),
        ("missing-services", "warning", None),
    ]
    assert rejected.problems[1].message.startswith(
        "line 3: no `category`: once the file loads, the incident will count, but can never"
    )


def test_an_incident_without_a_category_or_services_counts_in_the_summary(make_db):
    """Counted as an incident, never as a repeat: B shares A's service, C A's category."""
    db = make_db(
        {
            "a.md": fm("id: A\nstarted: 2026-03-02\ncategory: db\nservices: [api]\n"),
            "b.md": fm("id: B\nstarted: 2026-03-03\nservices: [api]\n"),
            "c.md": fm("id: C\nstarted: 2026-03-04\ncategory: db\n"),
        }
    )
    data = summary(db, Filters(as_of="2026-04-01"))
    assert (data["postmortems"], data["rejected"], data["repeats"]) == (3, 0, 0)
    assert data["fix_levels"]["no_fix"] == 3
    assert query(db, "SELECT path, status, warnings FROM files ORDER BY path") == [
        ("a.md", "loaded", 0), ("b.md", "loaded", 1), ("c.md", "loaded", 1)
    ]  # fmt: skip
    assert query(db, "SELECT path, code FROM problems ORDER BY path") == [
        ("b.md", "missing-category"), ("c.md", "missing-services")
    ]  # fmt: skip


@pytest.mark.parametrize("key", ["tags", "labels"])
def test_tags_aliases(key):
    assert load(fm(f"{key}: [Config, Roll Back]\n" + STARTED)).tags == ["config", "roll-back"]


@pytest.mark.parametrize("key", ["teams", "team", "owner_team"])
def test_teams_aliases(key):
    assert load(fm(f"{key}: Payments Team\n" + STARTED)).teams == ["payments-team"]


@pytest.mark.parametrize(
    "key", ["started", "start", "started_at", "incident_start", "incident_date", "date"]
)
def test_started_aliases(key):
    pm = load(fm(f"{key}: 2026-03-02T14:05:00Z\n"))
    assert pm.started == datetime(2026, 3, 2, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize("key", ["detected", "detected_at"])
def test_detected_aliases(key):
    pm = load(fm(STARTED + f"{key}: 2026-03-02T14:09:00Z\n"))
    assert pm.detected == datetime(2026, 3, 2, 14, 9, tzinfo=UTC)


@pytest.mark.parametrize("key", ["resolved", "resolved_at", "ended", "end", "incident_end"])
def test_resolved_aliases(key):
    pm = load(fm(STARTED + f"{key}: 2026-03-02T14:47:00Z\n"))
    assert pm.resolved == datetime(2026, 3, 2, 14, 47, tzinfo=UTC)


@pytest.mark.parametrize(
    "key",
    [
        "postmortem_date",
        "postmortem_at",
        "written",
        "written_at",
        "published",
        "published_at",
        "review_date",
        "reviewed_at",
    ],
)
def test_postmortem_date_aliases(key):
    pm = load(fm(STARTED + f"{key}: 2026-03-04T10:00:00Z\n"))
    assert pm.postmortem_date == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("timeline_written: during\n", "during"),
        ("timeline: live\n", "during"),
        ("timeline_written: realtime\n", "during"),
        ("timeline_written: after\n", "after"),
        ("timeline: reconstructed\n", "after"),
    ],
)
def test_timeline_aliases_and_words(line, expected):
    assert load(fm(STARTED + line)).timeline_written == expected


@pytest.mark.parametrize("key", ["chain_level", "root_level", "level"])
def test_chain_level_aliases(key):
    assert load(fm(STARTED + f"{key}: L3 Scope\n")).chain_level == "L3"


@pytest.mark.parametrize("key", ["authors", "participants", "people"])
def test_authors_aliases(key):
    assert load(fm(STARTED + f"{key}: [a.person, B.Other]\n")).authors == ["a.person", "B.Other"]


@pytest.mark.parametrize("key", ["actions", "action_items", "follow_ups", "followups"])
def test_actions_aliases(key):
    pm = load(fm(STARTED + f"{key}:\n  - Alert on p99\n"))
    assert [(a.kind, a.title, a.status) for a in pm.actions] == [("action", "Alert on p99", "open")]


@pytest.mark.parametrize("key", ["actions", "action_items", "follow_ups", "fixes"])
@pytest.mark.parametrize("flow", [False, True])  # the fast reader's lines, then PyYAML's
def test_every_items_line_is_found_under_an_alias(key, flow):
    """Under `action_items:` the 4th item on had no line, nor had its warnings."""
    kind = "fix" if key == "fixes" else "action"
    key = "fix" if key == "fixes" else key
    items = "".join(
        f"  - title: {n}\n    status: {'someday' if n == 5 else 'open'}\n" for n in range(6)
    )
    text = fm(STARTED + ("flow: &x 1\n" if flow else "") + f"{key}:\n" + items + RECURRENCE_KEYS)
    parsed = parse(text)
    first = 4 + flow
    assert parsed.postmortem is not None
    assert [(a.kind, a.line) for a in parsed.postmortem.actions] == [
        (kind, first + 2 * n) for n in range(6)
    ]
    assert [(p.code, p.line) for p in parsed.problems] == [("unknown-status", first + 11)]


@pytest.mark.parametrize("key", ["title", "summary", "action", "description"])
def test_action_title_aliases(key):
    pm = load(fm(STARTED + f"actions:\n  - {key}: Alert on p99\n"))
    assert pm.actions[0].title == "Alert on p99"


def test_action_field_aliases():
    pm = load(
        fm(
            STARTED
            + "actions:\n"
            + "  - title: a\n    assignee: Payments Team\n    due_date: 2026-04-01\n"
            + "    issue: PAY-1\n    closed: 2026-04-02\n"
            + "  - title: b\n    bug: PAY-2\n    completed: 2026-04-03\n"
            + "  - title: c\n    link: https://x/3\n    done_at: 2026-04-04\n"
            + "  - title: d\n    ticket: PAY-4\n    closed_at: 2026-04-05\n"
            + "  - title: e\n    done: 2026-04-06\n"
        )
    )
    assert [(a.owner, a.due, a.ticket, a.done, a.status) for a in pm.actions] == [
        ("payments-team", date(2026, 4, 1), "PAY-1", date(2026, 4, 2), "done"),
        (None, None, "PAY-2", date(2026, 4, 3), "done"),
        (None, None, "https://x/3", date(2026, 4, 4), "done"),
        (None, None, "PAY-4", date(2026, 4, 5), "done"),
        (None, None, None, date(2026, 4, 6), "done"),
    ]


@pytest.mark.parametrize(
    "key", ["completed_at", "completedAt", "Completed On", "date_closed", "resolved_at"]
)
def test_a_done_date_as_an_export_names_it(key):
    """R23: an incident platform's export wrote `completed_at`; it was kept in `extra`, so
    every item was done without a date (counted done on any as-of date, never late)."""
    pm = load(
        fm(STARTED + f"actions:\n  - title: a\n    state: Completed\n    {key}: 2026-04-02\n")
    )
    assert [(a.status, a.done, a.extra) for a in pm.actions] == [("done", date(2026, 4, 2), None)]


def test_camel_case_keys_are_their_fields():
    pm = load(
        fm(
            "startedAt: 2026-03-02T14:05:00Z\nresolvedAt: 2026-03-02T15:00:00Z\n"
            "actionItems:\n  - title: a\n    dueDate: 2026-04-01\n"
        )
    )
    assert (pm.started, pm.resolved) == (
        datetime(2026, 3, 2, 14, 5, tzinfo=UTC),
        datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
    )
    assert [a.due for a in pm.actions] == [date(2026, 4, 1)]
    # a capital inside a one-word name is no camelCase boundary where the name reads as
    # written (D14: `PostMortem Date` became post_mortem_date, unknown)
    pm = load(
        fm(
            STARTED + "PostMortem Date: 2026-03-04\nTimeLine: after\n"
            "actions:\n  - title: a\n    DeadLine: 2026-04-01\n"
        )
    )
    assert (pm.postmortem_date, pm.timeline_written, pm.actions[0].due) == (
        datetime(2026, 3, 4, tzinfo=UTC),
        "after",
        date(2026, 4, 1),
    )
    # the text as written, as for its snake_case name (YAML 1.1 reads 0042 as 34)
    assert load(fm("incidentId: 0042\n" + STARTED)).id == "0042"


def test_an_items_other_keys_are_kept_and_a_second_alias_is_warned():
    """SPEC: unknown keys are kept. A fix's or action's `priority`, `notes` or second alias
    (`description` beside `title`) were dropped without a word."""
    parsed = parse(
        fm(
            STARTED
            + "fix:\n  summary: Canary gate\n  description: the long story\n  priority: high\n"
            + "actions:\n"
            + "  - title: a\n    owner: ops\n    assignee: dev\n    notes: [x, 1]\n"
            + "  - title: b\n"
            + RECURRENCE_KEYS
        )
    )
    assert parsed.postmortem is not None
    fix, first, second = parsed.postmortem.actions
    assert (fix.title, fix.extra) == (
        "Canary gate",
        {"description": "the long story", "priority": "high"},
    )
    assert (first.owner, first.extra) == ("ops", {"assignee": "dev", "notes": ["x", 1]})
    assert second.extra is None
    warnings = [(p.code, p.line, p.message) for p in parsed.problems]
    assert warnings == [
        ("duplicate-key", 5, "line 5: `fix` item has both `summary` and `description` for its "
         "title: `summary` is read (the first), `description` is kept with the item's other keys "
         "(`extra`)"),
        ("duplicate-key", 10, "line 10: `action` item has both `owner` and `assignee` for its "
         "owner: `owner` is read (the field's own name), `assignee` is kept with the item's other "
         "keys "
         "(`extra`)"),
    ]  # fmt: skip


def test_an_items_own_key_wins_over_an_alias_above_it():
    """As in the frontmatter (`started:` over a `date:` above it): a template's `summary:`
    above the real `title:` was read, and `assignee:` above `owner:` (review D4)."""
    parsed = parse(
        fm(
            STARTED
            + "actions:\n"
            + "  - summary: TEMPLATE\n    title: Add a canary\n"
            + "    assignee: old\n    owner: ops\n    due: 2026-02-01\n"
            + RECURRENCE_KEYS
        )
    )
    assert parsed.postmortem is not None
    (item,) = parsed.postmortem.actions
    assert (item.title, item.owner) == ("Add a canary", "ops")
    assert item.extra == {"summary": "TEMPLATE", "assignee": "old"}
    assert [(p.code, p.line) for p in parsed.problems] == [
        ("duplicate-key", 5), ("duplicate-key", 7)
    ]  # fmt: skip
    assert "`title` is read (the field's own name), `summary` is kept" in parsed.problems[0].message


def test_a_blank_name_of_a_field_leaves_the_filled_one():
    # own names won even when empty: `assignee: alice` above an empty `owner:` lost the
    # owner, and `date:` above an empty `started:` rejected the file (review D5)
    parsed = parse(
        fm(
            "date: 2026-01-05\nstarted:\n"
            + "actions:\n"
            + "  - summary: Add retry budget\n    title:\n"
            + "    assignee: alice\n    owner:\n    due_date: 2026-02-01\n    due: TBD\n"
        )
    )
    assert parsed.postmortem is not None, parsed.problems
    assert parsed.postmortem.started.date().isoformat() == "2026-01-05"
    (item,) = parsed.postmortem.actions
    assert (item.title, item.owner, str(item.due)) == ("Add retry budget", "alice", "2026-02-01")
    messages = [p.message for p in parsed.problems if p.code == "duplicate-key"]
    assert len(messages) == 4 and all("(the one filled in)" in m for m in messages), messages


def test_an_open_item_with_a_done_date_is_open_and_warned():
    # `status: open` beside `done: 2026-02-03`: counted open, as written, but not silently
    parsed = parse(
        fm(
            STARTED
            + "actions:\n"
            + "  - title: a\n    status: open\n    done: 2026-02-03\n"
            + "  - title: b\n    done: 2026-02-03\n"  # no status: done
            + "  - title: c\n    status: done\n    done: 2026-02-03\n"
            + RECURRENCE_KEYS
        )
    )
    assert parsed.postmortem is not None
    assert [item.status for item in parsed.postmortem.actions] == ["open", "done", "done"]
    assert [(p.code, p.line) for p in parsed.problems] == [("open-with-done-date", 5)]
    # an unknown word is one warning, not two
    unknown = parse(
        fm(
            STARTED
            + "actions:\n  - title: a\n    status: finished?\n    done: 2026-02-03\n"
            + RECURRENCE_KEYS
        )
    )
    assert [p.code for p in unknown.problems] == ["unknown-status"]
    assert "has a done date (2026-02-03); counted as open" in parsed.problems[0].message


def test_a_plain_item_yaml_reads_as_a_number_or_a_word_is_a_title_as_written():
    """`- 017`, `- 1:30` or `- yes` rejected the whole file ("expected a mapping"), though
    plain strings are items (archive.md)."""
    parsed = parse(
        fm(
            STARTED
            + "actions:\n  - 017\n  - 1:30  # a comment\n  - yes\n  - 2026-05-01\n  - 4.50\n"
            + RECURRENCE_KEYS
        )
    )
    assert parsed.postmortem is not None, parsed.problems
    assert [a.title for a in parsed.postmortem.actions] == [
        "017",
        "1:30",
        "yes",
        "2026-05-01",
        "4.50",
    ]
    assert not parsed.problems


def test_fix_mapping_with_its_aliases():
    pm = load(
        fm(
            STARTED
            + "fix:\n"
            + "  title: Cold-cache warming job\n"
            + "  level: L3\n"
            + "  assignee: Platform_Team\n"
            + "  due_date: 2026-03-20\n"
            + "  verification: render p95 < 500ms\n"
            + "  status: Done\n"
            + "  completed: 2026-03-18\n"
        )
    )
    assert pm.fix_count == 1
    [fix] = pm.actions
    assert (fix.kind, fix.source, fix.title, fix.level, fix.owner) == (
        "fix",
        "frontmatter",
        "Cold-cache warming job",
        "L3",
        "platform-team",
    )
    assert (fix.due, fix.test, fix.status, fix.status_raw, fix.done) == (
        date(2026, 3, 20),
        "render p95 < 500ms",
        "done",
        "Done",
        date(2026, 3, 18),
    )
    assert fix.line == 4


def test_a_templates_blanks_left_in_read_as_missing_with_a_warning():
    """A copied template's fix was "owned" by `<owner>` and "testable" by `TBD`, so neither
    the discipline flags nor the No owner card said anything."""
    parsed = parse(
        fm(
            STARTED
            + "fix:\n"
            + "  title: TBD\n"
            + "  assignee: <owner>\n"
            + "  verification: '...'\n"
            + "  ticket: n/a\n"
            + "  level: L4\n"  # one value filled in: a fix, not a blank one
            + "actions:\n"
            + "  - title: Alert on p99\n"
            + "    owner: none\n"
            + "    test: FIXME\n"
            + "  - title: Keep the TODO list short\n"
            + "    owner: '{{ owner }}'\n"
            + RECURRENCE_KEYS
        )
    )
    assert parsed.postmortem is not None
    fix, first, second = parsed.postmortem.actions
    assert (fix.title, fix.owner, fix.test, fix.ticket) == (None, None, None, None)
    assert (first.title, first.owner, first.test) == ("Alert on p99", None, None)
    assert (second.title, second.owner) == ("Keep the TODO list short", None)
    assert sorted((p.code, p.line) for p in parsed.problems) == [
        ("placeholder", 4), ("placeholder", 5), ("placeholder", 6),  # not ticket: n/a
        ("placeholder", 12), ("placeholder", 14),
    ]  # fmt: skip
    assert min(parsed.problems, key=lambda p: p.line != 5).message == (
        "line 5: `fix.owner` is `<owner>`, a template placeholder: read as no owner; "
        "fill it in or delete it"
    )


@pytest.mark.parametrize("key", ["detected", "resolved", "postmortem_date"])
def test_a_placeholder_for_an_incident_date_it_may_lack_is_no_date(key):
    """`postmortem_date: YYYY-MM-DD` was an error: the incident left every count, as if it
    had never happened, for a date the author had not filled in."""
    parsed = parse(fm(STARTED + f"{key}: YYYY-MM-DD\nresolved_at: TBD\n" + RECURRENCE_KEYS))
    assert parsed.postmortem is not None and not parsed.rejected
    assert getattr(parsed.postmortem, key) is None
    second = "duplicate-key" if key == "resolved" else "placeholder"  # resolved_at: TBD
    assert sorted((p.code, p.severity, p.line) for p in parsed.problems) == sorted(
        [("placeholder", "warning", 3), (second, "warning", 4)]
    )
    # a date that is no date stays an error (SPEC: `resolved` is 2026-13-45, not a date)
    error = [("invalid-date", "error")]
    assert codes(parse(fm(STARTED + f"{key}: 2026-13-45\n" + RECURRENCE_KEYS))) == error
    assert codes(parse(fm(f"started: YYYY-MM-DD\n{key}: 2026-03-02\n" + RECURRENCE_KEYS))) == error


def test_an_autolink_an_address_or_a_mention_in_angle_brackets_is_no_placeholder():
    """`<https://...>` (a Markdown autolink), `<alice@example.com>` and `<@U024BE7LH>` were
    read as placeholders: the ticket and owner lost, and the author told to fill them in."""
    parsed = parse(
        fm(STARTED + "fix:\n  summary: Canary\n  owner: <alice@example.com>\n"
           "  ticket: <https://jira.example.com/browse/PLAT-1>\n"
           "actions:\n  - title: Page\n    owner: <@U024BE7LH>\n" + RECURRENCE_KEYS)
    )  # fmt: skip
    assert parsed.problems == [] and parsed.postmortem is not None
    fix, action = parsed.postmortem.actions
    assert fix.owner == "<alice@example.com>" and action.owner == "<@u024be7lh>"
    assert fix.ticket == "<https://jira.example.com/browse/PLAT-1>"


def test_an_item_of_placeholders_alone_is_blank_and_leaves_the_body_its_actions():
    """A copied template's `fix:` and `actions:` of TBDs counted as an unleveled fix and an
    open untitled action, and hid the body table's real actions (review D3)."""
    parsed = parse(
        fm(STARTED + "fix:\n  summary: TBD\n  owner: <owner>\n  due: YYYY-MM-DD\n"
           "  status: TBD\nactions:\n  - title: TBD\n    owner: <owner>\n  - TODO\n",
           body="## Action items\n| Action | Status |\n|---|---|\n| Add canary | done |\n"
           "| Page on p99 | open |\n")
    )  # fmt: skip
    assert parsed.postmortem is not None
    assert parsed.postmortem.fix_count == 0
    assert [(a.kind, a.title, a.status) for a in parsed.postmortem.actions] == [
        ("action", "Add canary", "done"), ("action", "Page on p99", "open")
    ]  # fmt: skip
    # each skipped with a word, where it is (R20: the fix was gone without one)
    assert [(p.code, p.line, p.message) for p in without_missing_keys(parsed).problems] == [
        ("placeholder", 4, "line 4: `fix` item is a template's blanks (`summary: TBD`, "
         "`owner: <owner>`, `due: YYYY-MM-DD`, `status: TBD`): read as no fix; fill it in "
         "or delete it"),
        ("placeholder", 9, "line 9: `actions` item is a template's blanks (`title: TBD`, "
         "`owner: <owner>`): not read as an action; fill it in or delete it"),
        ("placeholder", 11, "line 11: `actions` item is a template's blanks (`TODO`): not "
         "read as an action; fill it in or delete it"),
    ]  # fmt: skip


def test_a_plain_placeholder_fix_is_warned_of_on_its_key_s_line():
    """`fix: TBD` has no item line: its warning had none (D12)."""
    parsed = parse(fm(STARTED + "fix: TBD\nactions: TODO\n"))
    assert [(p.code, p.line) for p in without_missing_keys(parsed).problems] == [
        ("placeholder", 3), ("placeholder", 4)
    ]  # fmt: skip


def test_a_misspelt_key_of_a_field_not_given_says_the_field_it_may_be():
    """R22: `resovled:` went without a word (the time to postmortem then counted from
    started), `serivces:` said only that the services were missing."""
    parsed = parse(
        fm(STARTED + "resovled: 2026-03-02T15:00:00Z\ntimeline_writen: during\n"
           "serivces: [a]\ncategory: b\npriority: P1\njira_url: x\ndetection: z\n"
           "severity_note: y\ntype: postmortem\nresolved_note: n\n")
    )  # fmt: skip
    assert parsed.postmortem is not None
    unknown = [(p.line, p.message) for p in parsed.problems if p.code == "unknown-key"]
    assert unknown == [
        (3, "line 3: `resovled` is no field of a postmortem: kept with its other keys "
            "(`extra`); did you mean `resolved`?"),
        (4, "line 4: `timeline_writen` is no field of a postmortem: kept with its other "
            "keys (`extra`); did you mean `timeline_written`?"),
        (5, "line 5: `serivces` is no field of a postmortem: kept with its other keys "
            "(`extra`); did you mean `services`?"),
    ]  # fmt: skip
    assert parsed.postmortem.resolved is None and "resovled" in parsed.postmortem.extra
    # one of a field that is given is taken as meant (`resolved_note` beside `resolved`)
    given = parse(fm(STARTED + "resolved: 2026-03-02T15:00:00Z\nresolvd: x\n" + RECURRENCE_KEYS))
    assert [p.code for p in given.problems] == []
    # given blank, it is not given: the misspelt one holds the value (D13)
    blank = parse(fm(STARTED + "resolved:\nresovled: 2026-03-02T15:00:00Z\n" + RECURRENCE_KEYS))
    assert [(p.code, p.line) for p in blank.problems] == [("unknown-key", 4)]


def test_a_key_of_its_own_near_a_field_s_name_is_no_misspelling():
    """D13: `resolver: alice` was "did you mean `resolved`?", `published_by` and
    `unpublished` `published`, `coauthors` `authors`, `statuses` `status`."""
    keys = (
        "resolver: alice\nincident_lead: bob\npostmortem: https://x\nunpublished: true\n"
        "publish: yes\npublished_by: x\nunresolved: true\ncoauthors: [a]\nstatuses: [a]\n"
        "types: [a]\nsubcategories: [a]\nunaffected_services: [a]\nsev1: true\nkeys: [a]\n"
        "rewritten: true\nseverity_note: x\nresolution: x\ndetected_by: x\nimpact: x\n"
    )
    parsed = parse(fm(STARTED + keys + RECURRENCE_KEYS))
    assert [p.code for p in parsed.problems] == []


@pytest.mark.parametrize(
    ("word", "near"),
    [("in progres", "did you mean 'in progress' (open)? "), ("compelted", "did you mean "
     "'completed' (done)? "), ("pondering", "")],
)  # fmt: skip
def test_an_unknown_status_word_near_a_known_one_says_which(word, near):
    """R22: `in progres` got the list of every status word to read through."""
    parsed = parse(fm(STARTED + f"fix:\n  summary: x\n  status: {word}\n" + RECURRENCE_KEYS))
    [problem] = parsed.problems
    assert problem.code == "unknown-status"
    assert f"counted as open ({near}expected " in problem.message


def test_a_plain_string_fix_has_its_key_s_line():
    """R22: `fix: Add a canary` was stored with no line."""
    [fix] = load(fm(STARTED + "fix: Add a canary\n")).actions
    assert (fix.title, fix.line) == ("Add a canary", 3)


def test_an_empty_skeleton_item_is_skipped_without_a_word():
    """`postmortems new`'s `fix:` of empty keys and `status: open` is no fix yet, and no
    placeholder: nothing to warn of."""
    parsed = parse(fm(STARTED + "fix:\n  summary:\n  owner:\n  status: open\n"
                      "actions:\n  - title: ''\n    owner: n/a\n"))  # fmt: skip
    assert parsed.postmortem is not None and parsed.postmortem.fix_count == 0
    assert [p.code for p in without_missing_keys(parsed).problems] == []


def test_a_body_rows_placeholders_and_a_template_example_row():
    parsed = parse(  # the body's lines are checked: the two keys would move them
        fm(STARTED)
        + "## Action items\n"
        + "| Action | Owner | Ticket |\n|---|---|---|\n"
        + "| Add canary | <team> | TBD |\n"
        + "| TBD | <owner> | |\n"
        + "- [ ] ???\n"
    )
    parsed = without_missing_keys(parsed)
    assert parsed.postmortem is not None
    assert [(a.title, a.owner, a.ticket) for a in parsed.postmortem.actions] == [
        ("Add canary", None, None)
    ]
    assert [(p.code, p.line, p.message.split(": ", 2)[-1]) for p in parsed.problems] == [
        ("placeholder", 8, "read as no owner; fill it in or delete it"),
        ("placeholder", 8, "read as no ticket; fill it in or delete it"),
        ("placeholder", 9, "the row is not read as an action; fill it in or delete it"),
        ("placeholder", 10, "the row is not read as an action; fill it in or delete it"),
    ]


@pytest.mark.parametrize("key", ["test", "verification", "testable"])
def test_fix_test_aliases(key):
    assert load(fm(STARTED + f"fix:\n  summary: x\n  {key}: p95 < 500ms\n")).actions[0].test == (
        "p95 < 500ms"
    )


def test_fix_as_a_list_counts_every_fix():
    fixes = "fix:\n  - summary: one\n    level: L5\n  - summary: two\n    level: 4\n"
    pm = load(fm(STARTED + fixes))
    assert pm.fix_count == 2
    assert [(a.kind, a.title, a.level, a.line) for a in pm.actions] == [
        ("fix", "one", "L5", 4),
        ("fix", "two", "L4", 6),
    ]


def test_fixes_come_before_actions():
    pm = load(fm(STARTED + "fix: {summary: f}\nactions: [a1, {title: a2, status: wip}]\n"))
    assert [(a.kind, a.title, a.status) for a in pm.actions] == [
        ("fix", "f", "open"),
        ("action", "a1", "open"),
        ("action", "a2", "open"),
    ]


# --- action status -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [("todo", "open"), ("in progress", "open"), ("shipped", "done"), ("won't fix", "dropped")],
)
def test_action_status_is_normalised_and_kept_raw(status, expected):
    pm = load(fm(STARTED + f'actions:\n  - title: x\n    status: "{status}"\n'))
    assert (pm.actions[0].status, pm.actions[0].status_raw) == (expected, status)


def test_unknown_action_status_is_open_with_a_warning():
    parsed = parse(
        fm(STARTED + "actions:\n  - title: x\n    status: pondering\n" + RECURRENCE_KEYS)
    )
    assert parsed.postmortem is not None
    assert codes(parsed) == [("unknown-status", "warning")]
    assert parsed.problems[0].line == 5  # the `status:` line, not the item's first
    action = parsed.postmortem.actions[0]
    assert (action.status, action.status_raw) == ("open", "pondering")


def test_done_date_without_status_means_done():
    pm = load(fm(STARTED + "actions:\n  - title: x\n    done: 2026-03-10\n  - title: y\n"))
    assert [(a.status, a.done) for a in pm.actions] == [
        ("done", date(2026, 3, 10)),
        ("open", None),
    ]


def test_done_true_without_status_means_done():
    assert load(fm(STARTED + "actions:\n  - title: x\n    done: true\n")).actions[0].status == (
        "done"
    )


def test_explicit_status_wins_over_done_date():
    pm = load(fm(STARTED + "actions:\n  - {title: x, status: dropped, done: 2026-03-10}\n"))
    assert pm.actions[0].status == "dropped"


# --- dates and timezones -------------------------------------------------------------------


def test_date_only_is_midnight_in_the_archive_timezone():
    assert load(fm("started: 2026-03-02\n")).started == datetime(2026, 3, 2, tzinfo=UTC)
    assert load(fm("started: 2026-03-02\n"), BERLIN).started == datetime(2026, 3, 1, 23, tzinfo=UTC)


def test_space_separated_datetime_left_as_text_by_yaml():
    pm = load(fm("started: 2026-09-01 10:00\nresolved: '2026-09-01 11:30'\n"))
    assert pm.started == datetime(2026, 9, 1, 10, tzinfo=UTC)
    assert pm.resolved == datetime(2026, 9, 1, 11, 30, tzinfo=UTC)


def test_offsets_and_z():
    pm = load(
        fm(
            "started: 2026-03-02T14:05:00+01:00\n"
            "detected: 2026-03-02T13:09:00Z\n"
            "resolved: 2026-03-02 09:47:00-05:00\n"
        ),
        BERLIN,
    )
    assert (pm.started, pm.detected, pm.resolved) == (
        datetime(2026, 3, 2, 13, 5, tzinfo=UTC),
        datetime(2026, 3, 2, 13, 9, tzinfo=UTC),
        datetime(2026, 3, 2, 14, 47, tzinfo=UTC),
    )


def test_naive_times_use_the_toml_timezone_including_summer_time(tmp_path):
    write_archive(tmp_path, {"postmortems.toml": 'timezone = "Europe/Berlin"\n'})
    config = load_config(tmp_path)
    winter = load(fm("started: 2026-01-15 10:00\n"), config)
    summer = load(fm("started: 2026-07-15T10:00:00\n"), config)
    dst_day = load(fm("started: 2026-03-29 03:30\n"), config)
    assert winter.started == datetime(2026, 1, 15, 9, tzinfo=UTC)
    assert summer.started == datetime(2026, 7, 15, 8, tzinfo=UTC)
    assert dst_day.started == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_due_date_with_a_time_is_the_day_in_the_archive_timezone():
    pm = load(fm(STARTED + "actions:\n  - {title: x, due: '2026-04-01T23:30:00Z'}\n"), BERLIN)
    assert pm.actions[0].due == date(2026, 4, 2)


# --- original and extra --------------------------------------------------------------------


def test_original_keeps_raw_values_where_normalisation_changed_them():
    pm = load(
        fm(
            STARTED
            + "severity: sev-2\n"
            + "service: Deploy_API \n"
            + "categories: [Config Change]\n"
            + "tags: [rollback]\n"
            + "level: scope\n"
            + "timeline: live\n"
        )
    )
    assert pm.original == {
        "severity": "sev-2",
        "services": "Deploy_API",  # YAML already trims a plain scalar
        "category": ["Config Change"],
        "chain_level": "scope",
        "timeline_written": "live",
    }


def test_original_is_empty_when_values_are_already_canonical():
    pm = load(fm(STARTED + "severity: SEV2\nservices: [checkout-api]\nchain_level: L3\n"))
    assert pm.original == {}


def test_unknown_keys_are_kept_in_extra_as_json():
    pm = load(
        fm(
            STARTED
            + "customer_impact: 1200 orders\n"
            + "Region: [eu-west-1]\n"
            + "links: {runbook: https://x}\n"
            + "on_call: 2026-03-02\n"
        )
    )
    assert pm.extra == {
        "customer_impact": "1200 orders",
        "Region": ["eu-west-1"],
        "links": {"runbook": "https://x"},
        "on_call": "2026-03-02",
    }
    assert json.loads(to_json(pm.extra)) == pm.extra


def test_keys_are_matched_case_insensitively_and_the_first_alias_wins():
    parsed = parse(fm("Started: 2026-03-02\nService: a\ncomponents: [b]\ncategory: db\n"))
    assert parsed.postmortem is not None
    assert parsed.postmortem.services == ["a"]
    assert codes(parsed) == [("duplicate-key", "warning")]
    assert parsed.problems[0].line == 4  # the one not used
    assert parsed.postmortem.extra == {}


def test_a_fields_own_name_wins_over_an_alias_above_it():
    """A template's `incident_date:` above a real `started:` moved the start: the first of
    two spellings was used (review R8). The field's own name is, with the same warning."""
    parsed = parse(
        fm(
            "incident_date: 2026-01-01\nstarted: 2026-01-05\nService: a\nservices: [b]\n"
            + "category: db\n"
        )
    )
    assert parsed.postmortem is not None
    assert parsed.postmortem.started.date().isoformat() == "2026-01-05"
    assert parsed.postmortem.services == ["b"]
    assert [(p.code, p.line) for p in parsed.problems] == [
        ("duplicate-key", 2), ("duplicate-key", 4)
    ]  # fmt: skip
    assert "`incident_date` and `started` both mean started; `started` is used" in (
        parsed.problems[0].message
    )


def test_status_is_free_text_lower_cased():
    assert load(fm(STARTED + "status: Published\n")).status == "published"
    assert load(fm(STARTED + "status: In Legal Review\n")).status == "in legal review"


# --- postmortems.toml ----------------------------------------------------------------------


def test_toml_alias_maps_apply_after_name_normalisation(tmp_path):
    write_archive(
        tmp_path,
        {
            "postmortems.toml": (
                "[aliases.service]\n"
                '"Checkout_API" = "checkout"\n'
                '"pay svc" = "Payments"\n'
                "[aliases.category]\n"
                '"deploy" = "deployment-pipeline"\n'
                "[aliases.owner]\n"
                '"alice" = "payments-team"\n'
            )
        },
    )
    config = load_config(tmp_path)
    pm = load(
        fm(
            STARTED
            + "services: [Checkout API, Pay_Svc, search]\n"
            + "categories: [Deploy, capacity]\n"
            + "fix: {summary: f, owner: Alice}\n"
            + "actions: [{title: a, assignee: bob}]\n"
        ),
        config,
    )
    assert pm.services == ["checkout", "payments", "search"]
    assert pm.categories == ["deployment-pipeline", "capacity"]
    assert [a.owner for a in pm.actions] == ["payments-team", "bob"]


def test_toml_defaults(tmp_path):
    config = load_config(tmp_path)
    assert (config.timezone, config.exclude, config.max_file_bytes) == ("UTC", (), 1024 * 1024)


@pytest.mark.parametrize(
    "text",
    ['timezone = "Mars/Olympus"\n', "exclude = 'drafts'\n", "not toml = [\n"],
)
def test_bad_toml_is_a_config_error(tmp_path, text):
    write_archive(tmp_path, {"postmortems.toml": text})
    with pytest.raises(ConfigError, match="postmortems.toml"):
        load_config(tmp_path)


def test_files_read_and_excluded(tmp_path):
    good = postmortem()
    write_archive(
        tmp_path,
        {
            "postmortems.toml": 'exclude = ["drafts/*", "*-wip.md"]\n',
            "2026/a.md": good,
            "b.md": good,
            "README.md": good,
            "docs/readme.md": good,
            "template.md": good,
            "Template-incident.md": good,
            "templates/x.md": good,
            "_draft.md": good,
            "_private/c.md": good,
            ".hidden/d.md": good,
            ".e.md": good,
            "2026/.git/f.md": good,
            "drafts/g.md": good,
            "2026/h-wip.md": good,
            "notes.txt": good,
            "2026/q1/i.md": good,
            # any case, and .markdown (review R12: skipped without a word)
            "2025/J.MD": good,
            "2025/k.markdown": good,
            "2025/README.MD": good,
        },
    )
    config = load_config(tmp_path)
    assert [f.path for f in iter_archive_files(tmp_path, config)] == [
        "b.md",
        "2025/J.MD",
        "2025/k.markdown",
        "2026/a.md",
        "2026/q1/i.md",
    ]
    assert parse(fm(STARTED), path="2025/k.markdown").postmortem_id == "k"  # the stem: its id


def test_crlf_line_endings_parse_with_the_same_lines():
    text = fm(STARTED + "resolved: 2026-13-45\n" + RECURRENCE_KEYS).replace("\n", "\r\n")
    parsed = parse(text)
    assert [(p.code, p.line) for p in parsed.problems] == [("invalid-date", 3)]
    ok = load(fm(STARTED + "severity: SEV1\n", "# Title\r\nbody\r\n").replace("\n", "\r\n"))
    assert (ok.severity, ok.title) == ("SEV1", "Title")


def test_exclude_glob_with_double_star(tmp_path):
    write_archive(
        tmp_path,
        {
            "postmortems.toml": 'exclude = ["old/**"]\n',
            "old/2019/a.md": postmortem(),
            "older/b.md": postmortem(),
        },
    )
    assert [f.path for f in iter_archive_files(tmp_path, load_config(tmp_path))] == ["older/b.md"]


# --- where a problem of a fix or action field points ----------------------------------------


STATUSES = "(expected " + STATUS_WORDS + ")"  # every word, by what it counts as


def test_a_fix_or_action_fields_problem_points_at_that_fields_line():
    text = fm(
        STARTED  # line 2
        + "fix:\n"  # 3
        + "  summary: Warm the cache\n"  # 4
        + "  level: L9\n"  # 5
        + "  Due_Date: soon\n"  # 6: an alias, any case
        + "  status: waiting\n"  # 7
        + "actions:\n"  # 8
        + "  - title: one\n"  # 9
        + "    owner: ops\n"  # 10
        + "    # a comment\n"  # 11
        + "    status: pondering\n"  # 12
        + "  - {title: two, due: soon}\n"  # 13: flow style, the item's line
        + "  - level: nope\n"  # 14: the field on the item's `- ` line
        + RECURRENCE_KEYS
    )
    parsed = parse(text)
    found = sorted((p.line, p.code, p.message.split(":", 2)[1].strip()) for p in parsed.problems)
    assert found == [
        (5, "unknown-level", "`fix.level`"),
        (6, "invalid-date", "`fix.due` is soon, not a date; left empty (expected e.g. 2026-03-20)"),
        (
            7,
            "unknown-status",
            "fix status 'waiting' is not known; counted as open " + STATUSES,
        ),
        (
            12,
            "unknown-status",
            "action status 'pondering' is not known; counted as open " + STATUSES,
        ),
        (
            13,
            "invalid-date",
            "`action.due` is soon, not a date; left empty (expected e.g. 2026-03-20)",
        ),
        (14, "unknown-level", "`action.level`"),
    ]
    assert [p.message.startswith(f"line {p.line}: ") for p in parsed.problems] == [True] * 6
    assert parsed.postmortem is not None
    assert [a.line for a in parsed.postmortem.actions] == [4, 9, 13, 14]  # items: first lines


@pytest.mark.parametrize(
    ("value", "kind"),
    [("7", "a number"), ("true", "a yes/no value"), ("{a: 1}", "a mapping")],
)
def test_actions_that_are_not_a_list_are_an_error(value, kind):
    parsed = parse(fm(STARTED + f"actions: {value}\n" + RECURRENCE_KEYS))
    assert codes(parsed) == [("wrong-type", "error")]
    assert parsed.problems[0].message == (
        f"line 3: `actions` is {kind}, expected a list (of mappings or plain strings)"
    )
    assert parsed.postmortem is None  # rejected, not counted without its actions


def test_an_unknown_severity_says_it_is_counted_as_unknown():
    parsed = parse(fm(STARTED + "severity: catastrophic\n" + RECURRENCE_KEYS))
    assert codes(parsed) == [("unknown-severity", "warning")]
    assert "counted as severity unknown" in parsed.problems[0].message
    assert parsed.postmortem is not None
    assert parsed.postmortem.severity is None
    assert parsed.postmortem.original["severity"] == "catastrophic"


@pytest.mark.parametrize(
    ("yaml_lines", "line", "message"),
    [
        (
            "services:\n  - a\n\t- b\n",
            5,
            "frontmatter is not valid YAML: a tab indents this line; YAML indents with spaces only",
        ),
        (
            "x: !!python/object/apply:os.system ['true']\n",
            3,
            "the YAML tag !!python/object/apply:os.system is not allowed: the frontmatter is read "
            "as plain YAML (text, numbers, dates, lists, mappings), without tags; write the value "
            "without it",
        ),
        (
            "services: [a, b\ntitle: x\n",
            4,
            "frontmatter is not valid YAML: the `[` opened on line 3 is still open: did not find "
            "expected ',' or ']'",
        ),
        (
            "fix: {summary: x\ntitle: x\n",
            4,
            "frontmatter is not valid YAML: the `{` opened on line 3 is still open: did not find "
            "expected ',' or '}'",
        ),
    ],
    ids=["tab", "tag", "open-list", "open-mapping"],
)
def test_invalid_yaml_says_what_to_change(yaml_lines, line, message):
    parsed = parse(fm(STARTED + yaml_lines))
    assert [(p.code, p.line, p.message) for p in parsed.problems] == [
        ("yaml-invalid", line, f"line {line}: {message}")
    ]


def test_a_fields_line_is_at_its_items_own_indent_and_the_last_of_a_repeat():
    text = fm(
        STARTED  # line 2
        + "actions:\n"  # 3
        + "  - title: |\n"  # 4
        + "      due: soon\n"  # 5: text of the title, not the field
        + "    extra:\n"  # 6
        + "      due: later\n"  # 7: a nested mapping's
        + "    due: 2026-13-45\n"  # 8: the item's own due
        + "  - title: two\n"  # 9
        + "    status: open\n"  # 10
        + "    status: pondering\n"  # 11: YAML keeps the last
        + RECURRENCE_KEYS
    )
    parsed = parse(text)
    found = sorted((p.line, p.code) for p in parsed.problems if p.code != "duplicate-key")
    assert found == [(8, "invalid-date"), (11, "unknown-status")]


def test_two_names_of_one_service_are_one_service(tmp_path):
    """Names were de-duplicated before the alias map, so [checkout, checkout-api] gave two
    rows of checkout-api, and the per-service counts counted the incident twice."""
    write_archive(
        tmp_path,
        {
            "postmortems.toml": (
                '[aliases.service]\ncheckout = "checkout-api"\n'
                '[aliases.category]\ndeploy = "deployment-pipeline"\n'
            )
        },
    )
    pm = load(
        fm(
            STARTED
            + "services: [checkout, checkout-api, search]\n"
            + "categories: [deploy, deployment-pipeline]\n"
        ),
        load_config(tmp_path),
    )
    assert pm.services == ["checkout-api", "search"]
    assert pm.categories == ["deployment-pipeline"]


def test_a_team_alias_names_one_team(tmp_path):
    # teams could not be aliased: a renamed team (payments -> payments-team) split its
    # history in two on every by-team view (review R9)
    write_archive(tmp_path, {"postmortems.toml": '[aliases.team]\npayments = "payments-team"\n'})
    pm = load(fm(STARTED + "teams: [Payments, payments-team, search]\n"), load_config(tmp_path))
    assert pm.teams == ["payments-team", "search"]


def test_commas_separate_names_written_as_one_text():
    pm = load(
        fm(
            STARTED
            + 'services: "checkout-api, payments-api"\n'
            + "teams: Payments, Search\n"
            + "tags: [db, 'config, rollback']\n"
            + "authors: a.person, b.person\n"
        )
    )
    assert pm.services == ["checkout-api", "payments-api"]
    assert pm.teams == ["payments", "search"]
    assert pm.tags == ["db", "config", "rollback"]
    assert pm.authors == ["a.person", "b.person"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('timezon = "Europe/Berlin"\n', "unknown setting timezon; did you mean timezone?"),
        ('excludes = ["x/*"]\n', "unknown setting excludes; did you mean exclude?"),
        ('[aliases.servics]\na = "b"\n', "unknown alias table aliases.servics; did you mean"),
        ('max_file_bytes = "1MB"\n', "max_file_bytes must be a whole number of bytes above 0"),
        ("max_file_bytes = -5\n", "max_file_bytes must be a whole number of bytes above 0"),
        ("exclude = [1, 2]\n", "exclude must be a list of globs"),
        ("timezone = 1\n", "timezone must be a text"),
        ('[aliases.service]\ncheckout = ["a"]\n', "checkout must map to one name"),
        ('[aliases.service]\ncheckout = ""\n', "checkout must map to one name"),
        ('[aliases.service]\ncheckout = "a, b"\n', "checkout must map to one name"),
        ('[aliases.service]\na = "b"\n[aliases.services]\nc = "d"\n', "not both"),
        ('[aliases.severity]\nminor = "medium-ish"\n', "minor must map to a severity"),
        ("[aliases.severity]\nminor = [3]\n", "minor must map to a severity"),
        ("[aliases.severity]\na = 1\n[aliases.severities]\nb = 2\n", "not both"),
        ("[aliases.severity]\nMinor = 3\nminor = 4\n", "names 'minor' twice, as SEV3 and SEV4"),
    ],
)
def test_a_mistake_in_postmortems_toml_is_named(tmp_path, text, message):
    """These were tracebacks (exit 1, read as 'the archive has errors' in CI) or were
    silently ignored (a misspelt timezone made every naive time UTC)."""
    write_archive(tmp_path, {"postmortems.toml": text})
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(tmp_path)


def test_a_leading_double_star_also_matches_no_folder(tmp_path):
    write_archive(
        tmp_path,
        {
            "postmortems.toml": 'exclude = ["**/*.wip.md", "old/**/skip.md"]\n',
            "x.wip.md": postmortem(),
            "2026/q2/y.wip.md": postmortem(),
            "old/skip.md": postmortem(),
            "old/2019/skip.md": postmortem(),
            "keep.md": postmortem(),
        },
    )
    assert [f.path for f in iter_archive_files(tmp_path, load_config(tmp_path))] == ["keep.md"]


def test_a_blank_fix_is_no_fix_but_a_filled_one_counts():
    blank = load(fm(STARTED + "fix:\n  summary:\n  level:\n  owner:\n  status: open\n"))
    assert blank.actions == []
    done = load(fm(STARTED + "fix:\n  summary:\n  status: done\n"))
    assert [(a.kind, a.status) for a in done.actions] == [("fix", "done")]
    some = load(fm(STARTED + "fix: {owner: sre}\nactions: [{title: a}, {title: ''}, ~]\n"))
    assert [(a.kind, a.owner, a.title) for a in some.actions] == [
        ("fix", "sre", None),
        ("action", None, "a"),
    ]


def test_a_yes_or_no_in_a_text_field_is_kept_as_written():
    """YAML 1.1 reads `test: yes` as True; it was stored as 'True'."""
    pm = load(fm(STARTED + "title: no\nfix:\n  summary: Gate deploys\n  test: yes\n"))
    assert (pm.title, pm.actions[0].test) == ("no", "yes")


def test_a_number_yaml_made_of_a_text_field_is_kept_as_written():
    """YAML 1.1 reads `017` as 15 and `1:30` as 90: an id, a title or a ticket was renamed
    without a word."""
    text = (
        "---\nincident_id: 017\ntitle: 1:30\n" + STARTED + "fix:\n  summary: x\n  issue: 0123\n"
        "  test: 1.50\nactions:\n  - title: 2.50\n    ticket: 0x1F\n---\n# body\n"
    )
    pm = load(text)
    assert (pm.id, pm.title) == ("017", "1:30")
    assert [(a.title, a.ticket, a.test) for a in pm.actions] == [
        ("x", "0123", "1.50"),
        ("2.50", "0x1F", None),
    ]
    assert load(fm(STARTED + "title: 42\n")).title == "42"  # a number as written is itself
    # only a field's own block-style line is read as written: a `{...}` item, an anchor, an
    # alias or a tag is read as YAML reads it (the item's whole first line was taken)
    flow = load(fm(STARTED + "fix: {summary: 1:30, owner: 017, level: L2}\n"))
    assert [(a.title, a.owner) for a in flow.actions] == [("90", "15")]
    item = load(fm(STARTED + "actions:\n  - {title: Rotate keys, owner: 017, test: yes}\n"))
    assert [(a.title, a.owner, a.test) for a in item.actions] == [("Rotate keys", "15", "True")]
    anchored = load(fm("id: &a 017\ntitle: *a\n" + STARTED))
    assert (anchored.id, anchored.title) == ("15", "15")
    tagged = load(fm("key: 017\n" + STARTED + "fix:\n  summary: x\n  test: !!bool yes\n"))
    assert (tagged.id, tagged.actions[0].test) == ("017", "True")  # an alias of `id`


def test_a_file_rejected_before_its_frontmatter_is_read_is_named_by_its_stem():
    """schema.md: a rejected file's id is the one it declares, or its stem; a file with no
    frontmatter had none, so links and Data quality could not name it."""
    for text in ("# just notes\n", "\n---\nid: X\n---\n", b"\x00\x01"):
        parsed = parse(text, path="notes/2026-09-01-gateway.md")
        assert parsed.postmortem is None
        assert parsed.postmortem_id == "2026-09-01-gateway", text


def test_a_wrong_type_is_named_in_the_readers_words():
    """Messages said `actions` is a int, got a dict, frontmatter is a str."""
    parsed = parse(fm(STARTED + "fix: 7\nactions: 3\nservices: {a: 1}\n"))
    messages = [p.message for p in parsed.problems]
    assert any("`fix` is a number, expected a mapping" in m for m in messages), messages
    assert any("`actions` is a number, expected a list" in m for m in messages), messages
    assert any("got a mapping" in m for m in messages), messages
    assert not any(re.search(r"\b(?:int|dict|str)\b", m) for m in messages), messages
    scalar = parse("---\njust text\n---\n")
    assert [p.message for p in scalar.problems] == [
        "line 2: frontmatter is the text 'just text', expected `key: value` lines"
    ]


def test_a_blank_item_keeps_the_others_lines_and_any_key_case_counts():
    """Blank items were dropped before the items were numbered: the next fix's problems
    pointed at the blank one's lines."""
    text = fm(
        STARTED
        + "fix:\n"
        + "  - summary:\n"
        + "    owner:\n"
        + "    status: open\n"
        + "  - summary: add a canary stage\n"
        + "    level: L4\n"
        + "    due: 2026-13-45\n"
        + "    test: yes\n"
        + RECURRENCE_KEYS
    )
    parsed = parse(text)
    pm = parsed.postmortem
    assert pm is not None and pm.fix_count == 1
    [fix] = pm.actions
    assert (fix.line, fix.test) == (7, "yes")
    assert [(p.code, p.line) for p in parsed.problems] == [("invalid-date", 9)]
    done = load(fm(STARTED + "fix: {Status: done}\n"))
    assert [(a.kind, a.status) for a in done.actions] == [("fix", "done")]
    spaces = load(fm(STARTED + "fix: {summary: '  ', status: open}\n"))
    assert spaces.actions == [] and spaces.fix_count == 0


def test_an_items_status_is_kept_as_written():
    """`status: yes` was kept as "True", and `done: yes` alone as a status "done" the file
    never had."""
    parsed = parse(
        fm(
            STARTED
            + "actions:\n  - title: a\n    status: yes\n  - title: b\n    done: yes\n"
            + RECURRENCE_KEYS
        )
    )
    assert parsed.postmortem is not None
    first, second = parsed.postmortem.actions
    assert (first.status_raw, first.status) == ("yes", "open")
    [problem] = parsed.problems
    assert problem.message.startswith("line 5: action status 'yes' is not known; counted as open")
    assert (second.status_raw, second.status) == (None, "done")


def test_a_chain_of_aliases_ends_at_its_last_name(tmp_path):
    """A service renamed twice: one step only split it in two (repeats between the halves
    were lost), and the middle name's incidents could be chosen by no filter."""
    write_archive(
        tmp_path,
        {
            "postmortems.toml": "[aliases.service]\n"
            'checkout = "checkout-api"\n"Checkout API" = "checkout-svc"\nsvc = "svc"\n'
        },
    )
    config = load_config(tmp_path)
    assert config.service_aliases == {
        "checkout": "checkout-svc",
        "checkout-api": "checkout-svc",
        "svc": "svc",
    }
    assert config.service("checkout") == config.service("checkout-api") == "checkout-svc"


def test_a_circle_of_aliases_stops_the_ingest(tmp_path):
    write_archive(
        tmp_path,
        {"postmortems.toml": '[aliases.category]\na = "b"\nb = "c"\nc = "b"\n'},
    )
    with pytest.raises(
        ConfigError, match=r"\[aliases.category\] goes round in a circle: b -> c -> b"
    ):
        load_config(tmp_path)


def test_a_severity_scale_of_the_archives_own(tmp_path):
    """R23: an incident platform's Critical/Major/Minor read as SEV1/SEV2/SEV4 by SPEC's
    words, and [aliases.severity] was refused: a team maps its own words."""
    write_archive(
        tmp_path,
        {"postmortems.toml": '[aliases.severity]\nMinor = "SEV3"\n"customer facing" = 2\n'},
    )
    config = load_config(tmp_path)
    read = {
        written: (pm.severity, pm.severity_rank, pm.original.get("severity"))
        for written in ("minor", " MINOR ", "Customer Facing", "customer_facing", "major", "P4")
        for pm in [load(fm(f'severity: "{written}"\n' + STARTED), config)]
    }
    assert read == {
        "minor": ("SEV3", 3, "minor"),
        " MINOR ": ("SEV3", 3, " MINOR "),
        "Customer Facing": ("SEV2", 2, "Customer Facing"),
        "customer_facing": ("SEV2", 2, "customer_facing"),
        "major": ("SEV2", 2, "major"),  # SPEC's words, the rest as before
        "P4": ("SEV4", 4, "P4"),
    }
    assert load(fm("severity: minor\n" + STARTED)).severity == "SEV4"  # without the table


# --- the names and forms of other templates (review R12) ---------------------------------


def test_a_key_written_with_spaces_or_hyphens_is_its_field():
    """`Postmortem Date:` was an unknown key, set aside without a word: the postmortem read
    as never written, and late."""
    parsed = parse(
        fm(
            STARTED
            + "Postmortem Date: 2026-03-03\nChain Level: L4\nTimeline-Written: during\n"
            + RECURRENCE_KEYS
            + "Action Items:\n  - {task: Alert on 5xx, state: done}\n"
        )
    )
    pm = parsed.postmortem
    assert pm is not None and parsed.problems == []
    assert (pm.postmortem_date.date(), pm.chain_level, pm.timeline_written) == (
        date(2026, 3, 3), "L4", "during"
    )  # fmt: skip
    assert [(a.title, a.status) for a in pm.actions] == [("Alert on 5xx", "done")]


def test_an_items_fields_under_the_names_a_body_table_reads():
    """A fix's `deadline:` and `state: done` were set aside: it counted open and undated."""
    pm = load(
        fm(
            STARTED
            + RECURRENCE_KEYS
            + "fix:\n  summary: Canary\n  deadline: 2026-03-20\n  state: done\n"
            + "  done: 2026-03-18\n  responsible: '@alice'\n  jira: PAY-1\n"
        )
    )
    fix = pm.actions[0]
    assert (fix.due, fix.status, fix.owner, fix.ticket) == (
        date(2026, 3, 20), "done", "alice", "PAY-1"
    )  # fmt: skip


def test_type_naming_the_document_is_no_category():
    """`type: postmortem` made every incident of a service one pattern (review R12)."""
    parsed = parse(fm(STARTED + "type: postmortem\nroot_cause_category: capacity\n"
                      "services: [api]\n"))  # fmt: skip
    assert parsed.postmortem is not None and parsed.postmortem.categories == ["capacity"]
    assert [(p.code, p.line) for p in parsed.problems] == [("type-not-category", 3)]
    assert load(fm(STARTED + "type: Deploy\nservices: [api]\n")).categories == ["deploy"]


def test_names_split_at_semicolons_and_spaced_slashes_and_ampersands():
    pm = load(fm(STARTED + "category: db\nservices: identity / auth; billing\n"
                 "teams: payments & platform, R&D\n"))  # fmt: skip
    assert (pm.services, pm.teams) == (["identity", "auth", "billing"],
                                       ["payments", "platform", "r&d"])  # fmt: skip


def test_hashtags_yaml_reads_as_a_comment_are_warned():
    """`tags: #db #outage` is an empty key to YAML: the tags were lost without a word."""
    parsed = parse(fm(STARTED + RECURRENCE_KEYS + "tags: #db #outage\nteams:  # fill in\n"))
    assert [(p.code, p.line) for p in parsed.problems] == [("yaml-comment", 5)]
    assert "quote it (`tags: '#db #outage'`)" in parsed.problems[0].message


def test_a_time_yaml_reads_as_a_number_is_named_as_written():
    """`resolved: 10:15` is 615 to YAML 1.1 (base 60): the error said "`resolved` is 615"."""
    parsed = parse(fm(STARTED + "resolved: 10:15\n" + RECURRENCE_KEYS))
    assert [p.message for p in parsed.problems] == [
        "line 3: `resolved` is 10:15, not a date (expected e.g. 2026-03-02T14:05:00Z, "
        "2026-03-02 14:05 or 2026-03-02)"
    ]


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("04/03/2026", "either way round: write the year first, 2026-03-04 or 2026-04-03"),
        ("13/03/2026 10:00", "order of day and month varies by country: write 2026-03-13"),
        ("2026-03-01 10:00 IST", "IST names several zones (India +05:30, Ireland +01:00, "
         "Israel +02:00): write the offset instead, e.g. 2026-03-01 10:00+05:30"),
        ("2026-03-01 10:00 CST", "CST names several zones"),
        ("2026-13-45", "expected e.g. 2026-03-02T14:05:00Z"),
    ],
)  # fmt: skip
def test_a_date_read_more_than_one_way_says_which_and_what_to_write(written, said):
    """docs/archive.md promised it; the message was the generic "not a date" (R16)."""
    parsed = parse(fm(STARTED + f"resolved: {written}\n" + RECURRENCE_KEYS))
    [problem] = parsed.problems
    assert (problem.code, problem.severity, problem.line) == ("invalid-date", "error", 3)
    assert problem.message.startswith(f"line 3: `resolved` is {written}, not a date (")
    assert said in problem.message
    body = "# T\n\n## Action items\n\n| Action | Owner | Due |\n| --- | --- | --- |\n"
    body += "| Add a canary | sre | 04/03/2026 |\n"
    [due] = parse(fm(STARTED + RECURRENCE_KEYS, body)).problems
    assert due.code == "invalid-date" and "2026-03-04 or 2026-04-03" in due.message


def test_a_checklist_due_in_prose_is_a_date_and_one_read_two_ways_a_warning():
    body = "# T\n\n## Action items\n- [ ] Add a canary (owner: @sre, due 20 Mar 2026)\n"
    body += "- [ ] Page on p99 (due 04/03/2026)\n"
    parsed = parse(fm(STARTED + RECURRENCE_KEYS, body))
    assert [(a.title, a.due) for a in parsed.postmortem.actions] == [
        ("Add a canary", date(2026, 3, 20)),
        ("Page on p99", None),
    ]
    [warning] = parsed.problems
    assert (warning.code, warning.severity, warning.line) == ("invalid-date", "warning", 10)
    assert "2026-03-04 or 2026-04-03" in warning.message


def test_a_symlinked_folder_is_not_followed_and_a_symlinked_file_is_read(tmp_path):
    """As docs/archive.md says (review R15: the folder was skipped unsaid)."""
    good = fm(STARTED + RECURRENCE_KEYS)
    write_archive(tmp_path / "elsewhere", {"x.md": good, "sub/y.md": good})
    archive = write_archive(tmp_path / "archive", {"a.md": good})
    (archive / "linked").symlink_to(tmp_path / "elsewhere" / "sub", target_is_directory=True)
    (archive / "b.md").symlink_to(tmp_path / "elsewhere" / "x.md")
    found = [f.path for f in iter_archive_files(archive, load_config(archive))]
    assert found == ["a.md", "b.md"]


@pytest.mark.parametrize(
    ("written", "said", "never"),
    [
        ("31/02/2026", "expected the year first", "2026-02-31"),  # no such day either way
        ("04/03/26", "not in four digits", None),
        ("1/2/2026 10:00 IST", "e.g. 2026-03-02T10:00+05:30", "1/2/2026 10:00+05:30"),
    ],
)
def test_a_dates_advice_is_a_date_that_reads(written, said, never):
    """31/02/2026 was told to write 2026-02-31, and `1/2/2026 10:00 IST` to write a value
    that is refused again (D8)."""
    [problem] = parse(fm(STARTED + f"resolved: {written}\n" + RECURRENCE_KEYS)).problems
    assert problem.code == "invalid-date" and said in problem.message
    assert never is None or never not in problem.message


def test_prose_dates_with_ordinals_and_sept_are_read():
    extra = "resolved: March 2nd, 2026\npostmortem_date: 5 Sept 2026\n"
    pm = load(fm(STARTED + extra + RECURRENCE_KEYS))
    assert pm.resolved.date() == date(2026, 3, 2) and pm.postmortem_date.date() == date(2026, 9, 5)
