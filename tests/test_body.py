"""Action items in the Markdown body (analytics/body.py, used by analytics/archive.py)."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from archive_factory import codes, load, parse, without_missing_keys
from hypothesis import given
from hypothesis import strategies as st

from analytics.body import (
    _HEADING,
    _LIST_ITEM,
    _MARKER,
    BodyAction,
    _BlockScan,
    _unlinked,
    body_actions,
    first_heading,
)

FRONT = "---\nid: PM-1\nstarted: 2026-03-02T14:05:00Z\n---\n"  # the body starts on line 5


def test_checklist_under_action_items_heading():
    body = (
        "# Checkout 502s\n"
        "- [ ] not an action: outside the section\n"
        "## Action items\n"
        "- [ ] Alert on p99 latency (owner: @payments-team, due 2026-04-01) PAY-1234\n"
        "- [x] Roll back config push\n"
        "* [X] Add canary\n"
        "## Lessons\n"
        "- [ ] outside again\n"
    )
    assert body_actions(body) == [
        BodyAction(
            line=4,
            title="Alert on p99 latency (owner: @payments-team, due 2026-04-01) PAY-1234",
            owner="payments-team",
            due="2026-04-01",
            status="open",
            ticket="PAY-1234",
        ),
        BodyAction(line=5, title="Roll back config push", status="done"),
        BodyAction(line=6, title="Add canary", status="done"),
    ]


@pytest.mark.parametrize(
    "heading",
    [
        "## Action Items",
        "## Action item",
        "### Follow-ups",
        "## Follow ups",
        "## Followups",
        "## Remediation",
        "## Remediations",
        "## Corrective actions",
        # other templates' names for the section (review R12: their items were lost)
        "## Actions",
        "## Priority actions",
        "## Improvement actions",
        "## Action plan",
        "## Next steps",
        "## Preventive measures",
    ],
)
def test_action_section_headings(heading):
    assert [a.title for a in body_actions(f"{heading}\n- [ ] x\n")] == ["x"]


@pytest.mark.parametrize("heading", ["## Actions taken", "## Transactions", "## Impact"])
def test_what_was_done_during_the_incident_is_no_action_section(heading):
    assert body_actions(f"{heading}\n- [x] rolled back\n") == []


def test_subheading_stays_inside_the_section_and_a_sibling_ends_it():
    body = "## Follow-ups\n### Short term\n- [ ] a\n## Timeline\n- [ ] b\n"
    assert [a.title for a in body_actions(body)] == ["a"]


def test_table_columns_found_by_header_name_in_any_order():
    body = (
        "## Action items\n"
        "\n"
        "| Owner | Status | Due | Action Item | Bug | Type |\n"
        "|-------|:------:|-----|-------------|-----|------|\n"
        "| @alice | done | 2026-04-01 | Add alert | PAY-1 | L5 |\n"
        "| bob | in progress | - | Fix retry | n/a | scope |\n"
        "|  | | | | | |\n"
        "\n"
        "after the table\n"
    )
    assert body_actions(body) == [
        BodyAction(5, "Add alert", "alice", "2026-04-01", "done", "PAY-1", "L5"),
        BodyAction(6, "Fix retry", "bob", None, "in progress", None, "scope"),
    ]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Action | Owner", "owner"),
        ("Item | Assignee", "owner"),
        ("Description | Due", "due"),
        ("Action | Status", "status"),
        ("Action | Ticket", "ticket"),
        ("Action | Issue", "ticket"),
        ("Action | Bug", "ticket"),
        ("Action | Level", "level"),
        ("Action | Type", "level"),
        # headers as teams write them (their columns were dropped without a word)
        ("Action | Jira ticket", "ticket"),
        ("Action | Ticket #", "ticket"),
        ("Action | Tickets", "ticket"),
        ("Action | Link to ticket", "ticket"),
        ("Action | Jira Issue", "ticket"),
        ("Action | Due Date (UTC)", "due"),
        ("Action | Target date", "due"),
        ("Action | ETA", "due"),
        ("Task | When", "due"),
        ("Action | Ticket status", "status"),
        ("Task | Who", "owner"),
        ("Action | Action owner", "owner"),
        ("Remediation task | Owner", "owner"),
    ],
)
def test_each_column_header_name(header, field):
    body = f"## Action items\n| {header} |\n|---|---|\n| the title | VALUE |\n"
    [action] = body_actions(body)
    assert action.title == "the title"
    assert getattr(action, field) == "VALUE"


@pytest.mark.parametrize(
    "header",
    [
        "Action | Owner | Closed by | Status | PR link | Ticket | Severity level | Due",
        "Action Item | Type | Owner | Bug | Done by | Definition of done | Due date",
        "Jira item | Action | Completed on | Complete by | Closed | Progress notes | % complete",
        "Action | Target system | When discovered | Done when | Runbook link | Risk level",
        "Action | Level of effort | Work type | Completion date | Owned by | Slack thread link",
    ],
)
def test_a_header_of_a_loose_word_reads_as_no_field_and_never_pushes_out_one_that_names_it(
    header,
):
    """Read by any word they held, `Closed by` took the status from `Status`, `PR link` the
    ticket from `Ticket`, `Severity level` a chain level (its 2 read as L2), `Done by` the
    status from a DONE mark, `Jira item` the title from `Action` (review D3)."""
    names = [cell.strip() for cell in header.split("|")]
    row = ["Add canary DONE", "alice", "bob", "done", "#123", "PLAT-9", "2", "2026-02-01"]
    body = f"## Action items\n| {header} |\n|{'---|' * len(names)}\n| {' | '.join(row)} |\n"
    [action] = body_actions(body)
    read = dict(zip(names, row, strict=False))
    exact = {"Action": "title", "Action Item": "title", "Owner": "owner", "Status": "status",
             "Ticket": "ticket", "Type": "level", "Bug": "ticket", "Due": "due",
             "Due date": "due", "Completed on": "done"}  # fmt: skip
    fields = {field: read[name] for name, field in exact.items() if name in read}
    if fields["title"] == row[0] and "status" not in fields:
        fields["title"] = "Add canary"  # its DONE mark read as the status (with a status
        # column the title is kept whole: `Clean up every TODO` lost its TODO, D8)
    if "status" not in fields:
        fields["status"] = "DONE"  # a mark in any cell, as no column is the status
    got = {field: getattr(action, field) for field in ("title", "owner", "due", "status",
                                                       "ticket", "level", "done")}  # fmt: skip
    assert got == {field: fields.get(field) for field in got}
    assert set(action.extra or {}) == {name for name in read if name not in exact}


def test_a_done_column_answered_yes_or_no_is_a_status_and_unread_columns_are_kept():
    """`Task | Who | When | Done?` lost its dates and read a `yes` row as open; the cells of
    columns that are no field (Priority, a second one) were dropped without a word; a done
    date's column was kept in `extra`, so no body item had a done date (R20)."""
    body = (
        "## Follow-ups\n"
        "| Task | Who | When | Done? | Priority | Date closed | | Priority |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| Add alert | alice | 2026-04-01 | **Yes** | P1 | 2026-03-30 | note | high |\n"
        "| Fix retry | bob | 2026-05-01 | no | | | | |\n"
        "| Warm cache | carol | | ✅ | P3 | | | |\n"
    )
    read = [(a.title, a.owner, a.due, a.status, a.answered, a.extra) for a in body_actions(body)]
    assert read == [
        ("Add alert", "alice", "2026-04-01", "**Yes**", "done",
         {"Priority": "P1", "column 7": "note", "Priority (column 8)": "high"}),
        ("Fix retry", "bob", "2026-05-01", "no", "open", None),
        ("Warm cache", "carol", None, "✅", "done", {"Priority": "P3"}),
    ]  # fmt: skip
    text = "---\nstarted: 2026-03-02\n---\n" + body.replace("2026-05-01", "next sprint")
    stored = load(text).actions
    assert [(a.status, a.status_raw, a.due, a.done) for a in stored] == [
        ("done", "**Yes**", date(2026, 4, 1), date(2026, 3, 30)), ("open", "no", None, None),
        ("done", "✅", None, None)
    ]  # fmt: skip
    assert stored[1].extra == {"due": "next sprint"}  # a due that is no date is kept


def test_done_or_todo_marker_in_a_cell_counts_as_status():
    body = (
        "## Remediation\n"
        "| Action | Owner | Bug |\n"
        "| --- | --- | --- |\n"
        "| Add alert | alice | PAY-1 **DONE** |\n"
        "| TODO Fix retry | bob | PAY-2 |\n"
        "| Warm cache _DONE_ | dave | |\n"
        "| Plain | carol | |\n"
    )
    assert [(a.title, a.status, a.ticket) for a in body_actions(body)] == [
        ("Add alert", "DONE", "PAY-1"),
        ("Fix retry", "TODO", "PAY-2"),
        ("Warm cache", "DONE", None),
        ("Plain", None, None),
    ]


def test_body_actions_become_action_items_with_file_lines():
    text = FRONT + (
        "# Title\n"
        "## Action items\n"
        "- [ ] Alert on p99 (owner: Payments_Team, due 2026-04-01)\n"
        "- [x] Roll back\n"
        "\n"
        "| Action | Owner | Status | Type |\n"
        "| --- | --- | --- | --- |\n"
        "| Add canary | @bob | DONE | L4 |\n"
        "| Doc runbook | carol | wontfix | mitigate |\n"
        "| TODO Warm cache | dave | | |\n"
    )
    pm = load(text)
    assert [
        (a.kind, a.source, a.title, a.owner, a.due, a.status, a.level, a.line) for a in pm.actions
    ] == [
        (
            "action",
            "body",
            "Alert on p99",  # the trailing (owner, due) note is not part of the title
            "payments-team",
            date(2026, 4, 1),
            "open",
            None,
            7,
        ),
        ("action", "body", "Roll back", None, None, "done", None, 8),
        ("action", "body", "Add canary", "bob", None, "done", "L4", 12),
        ("action", "body", "Doc runbook", "carol", None, "dropped", None, 13),
        ("action", "body", "Warm cache", "dave", None, "open", None, 14),
    ]
    # a type that is no chain level is kept, as an unread column is
    assert [a.extra for a in pm.actions] == [None, None, None, {"level": "mitigate"}, None]


def test_body_actions_ignored_when_frontmatter_has_actions():
    text = (
        "---\nid: PM-1\nstarted: 2026-03-02\nactions: [From frontmatter]\n---\n"
        "## Action items\n- [ ] From body\n"
    )
    assert [(a.title, a.source) for a in load(text).actions] == [
        ("From frontmatter", "frontmatter")
    ]


def test_body_actions_used_beside_a_fix():
    text = "---\nstarted: 2026-03-02\nfix: {summary: F}\n---\n## Follow-ups\n- [ ] B\n"
    assert [(a.kind, a.title, a.source) for a in load(text).actions] == [
        ("fix", "F", "frontmatter"),
        ("action", "B", "body"),
    ]


def test_unknown_body_status_is_open_with_a_warning_on_its_line():
    text = FRONT + "## Action items\n| Action | Status |\n|---|---|\n| x | someday |\n"
    parsed = without_missing_keys(parse(text))  # FRONT's keys would move the body's lines
    assert codes(parsed) == [("unknown-status", "warning")]
    assert parsed.problems[0].line == 8
    assert parsed.postmortem is not None
    assert (parsed.postmortem.actions[0].status, parsed.postmortem.actions[0].status_raw) == (
        "open",
        "someday",
    )


def test_bad_due_in_the_body_is_a_warning_not_an_error():
    text = FRONT + "## Action items\n| Action | Due |\n|---|---|\n| x | 2026-02-30 |\n"
    parsed = without_missing_keys(parse(text))
    assert codes(parsed) == [("invalid-date", "warning")]
    assert parsed.postmortem is not None
    assert parsed.postmortem.actions[0].due is None


def test_the_forms_templates_write_that_were_skipped():
    """GitHub Markdown that yielded no action and no warning: a one-dash separator row,
    numbered checklists, an underlined (setext) heading; an escaped pipe shifted the
    columns; an owner in backticks kept its backticks."""
    body = (
        "Action Items\n"
        "============\n"
        "1. [ ] Numbered one\n"
        "2) [x] Numbered two\n"
        "\n"
        "| Action | Owner | Due |\n"
        "|:-:|:-|-|\n"
        "| Fix pipe \\| escaped | `platform` | 2026-04-01 |\n"
        "| Bold owner | **sre_team** | |\n"
        "\n"
        "Lessons\n"
        "=======\n"
        "- [ ] outside: a sibling heading ends the section\n"
    )
    found = body_actions(body)
    assert [(a.line, a.title, a.owner, a.due, a.status) for a in found] == [
        (3, "Numbered one", None, None, "open"),
        (4, "Numbered two", None, None, "done"),
        (8, "Fix pipe | escaped", "platform", "2026-04-01", None),
        (9, "Bold owner", "sre_team", None, None),
    ]


def test_a_line_over_a_rule_inside_a_list_is_not_a_heading():
    body = "## Follow-ups\n- [ ] one\n- [ ] two\n---\nSome text\n"
    assert [a.title for a in body_actions(body)] == ["one", "two"]


@pytest.mark.parametrize(
    ("body", "titles"),
    [
        # a numbered item over a rule is a list item, not a heading that ends the section
        ("## Action items\n1. Rollback first\n---\n- [ ] real action\n", ["real action"]),
        # a lazy continuation line over a rule is the item's text, not a heading
        ("## Follow-ups\n- [ ] a\nlazy continuation\n---\n- [ ] b\n", ["a", "b"]),
        # nothing in a code block is a heading or an action
        ("## Follow-ups\n```\nx\n---\n# y\n- [ ] in code\n```\n- [ ] after\n", ["after"]),
        ("Action items\n===\n~~~\n- [ ] in code\n~~~\n- [ ] kept\n", ["kept"]),
    ],
)
def test_what_is_not_a_heading_or_an_action(body, titles):
    assert [a.title for a in body_actions(body)] == titles


def test_owners_in_marks_are_read_without_them():
    body = (
        "## Action items\n"
        "- [ ] Add canary (owner: `alice`)\n"
        "- [ ] Add alert (owner: **bob**)\n"
        "\n"
        "| Action | Owner |\n|---|---|\n| a | @**carol** |\n| b | dave_ |\n"
    )
    assert [a.owner for a in body_actions(body)] == ["alice", "bob", "carol", "dave_"]


@pytest.mark.parametrize(
    ("body", "titles"),
    [
        # an indented ``` does not close a fence; the next ``` does
        ("## Action items\n- [ ] one\n```\ncode\n    ```\n- [ ] in code\n```\n- [ ] after\n",
         ["one", "after"]),
        # a longer fence holds a shorter one
        ("## Action items\n````markdown\n```\n- [ ] fake\n```\n````\n- [ ] real\n", ["real"]),
    ],
)  # fmt: skip
def test_a_fence_closes_only_on_its_own_mark(body, titles):
    assert [a.title for a in body_actions(body)] == titles


def test_checklist_owners_and_a_heading_that_ends_a_paragraph():
    body = (
        "Summary paragraph line\n"
        "Action items\n"
        "------------\n"
        "- [ ] A (owner: _bob_)\n"
        "- [ ] B (owner: @**carol**)\n"
        "- [ ] C @dave\n"
    )
    assert [(a.title, a.owner) for a in body_actions(body)] == [
        ("A", "bob"), ("B", "carol"), ("C @dave", "dave")
    ]  # fmt: skip


def test_a_ticket_cell_reads_as_a_checklist_reads_it():
    """The Google template's Bug cell `[PLAT-101](https://...) DONE` was stored whole, and
    `n/a DONE` as the ticket 'n/a'; a checklist's link gave PLAT-101."""
    body = (
        "## Action Items\n"
        "| Action Item | Type | Owner | Bug |\n"
        "| --- | --- | --- | --- |\n"
        "| Fix [the retry](https://x.example/r) loop | prevent | alice | "
        "[PLAT-101](https://jira.example/PLAT-101) DONE |\n"
        "| Other | mitigate | bob | n/a DONE |\n"
        "| Third | mitigate | bob | `PLAT-7` |\n"
        "| Fourth | mitigate | bob | https://github.example/o/r/issues/12 |\n"
        "- [ ] [PAY-300](https://jira.example/PAY-300) Canary payments deploys\n"
    )
    assert [(a.title, a.ticket, a.status) for a in body_actions(body)] == [
        ("Fix the retry loop", "PLAT-101", "DONE"),
        ("Other", None, "DONE"),
        ("Third", "PLAT-7", None),
        ("Fourth", "https://github.example/o/r/issues/12", None),
        ("PAY-300 Canary payments deploys", "PAY-300", "open"),
    ]


@pytest.mark.parametrize(
    ("line", "title", "owner", "due", "ticket"),
    [
        ("Add timeout budget, PAY-11", "Add timeout budget", None, None, "PAY-11"),
        (
            "Canary deploys — owner @payments-team, due 2026-05-31",
            "Canary deploys", "payments-team", "2026-05-31", None,
        ),
        (
            "Add a canary stage, PLAT-12 (owner: @platform-team, due 2026-03-20)",
            "Add a canary stage", "platform-team", "2026-03-20", "PLAT-12",
        ),
        ("Fix the build; assignee=bob, due: 2026-01-02", "Fix the build", "bob", "2026-01-02",
         None),
        # not read as an owner, so left in the title: nothing is lost
        ("Fix the build - owner team-x", "Fix the build - owner team-x", None, None, None),
        ("Upgrade to JDK-17", "Upgrade to JDK-17", None, None, "JDK-17"),
        ("Scale checkout-api, checkout-2", "Scale checkout-api, checkout-2", None, None, None),
        ("Fix it, ticket: [#123](https://x.example/123)", "Fix it", None, None, "#123"),
        # a second ticket or owner is not read: it stays
        ("Backport PLAT-9 fix - PLAT-10", "Backport PLAT-9 fix - PLAT-10", None, None, "PLAT-9"),
        ("Ask @bob to review — @alice", "Ask @bob to review — @alice", "bob", None, None),
        ("Notify @alice, @bob", "Notify @alice, @bob", "alice", None, None),
        ("Page on-call (due to noise) (owner: bob)", "Page on-call (due to noise)", "bob", None,
         None),
        ("Fix retries (see overdue alerts)", "Fix retries (see overdue alerts)", None, None, None),
        ("Fix X — owner: **alice**", "Fix X", "alice", None, None),
        ("Canary — owner @payments-team", "Canary", "payments-team", None, None),
    ],
)  # fmt: skip
def test_a_checklist_title_leaves_out_what_it_ends_with_and_was_read(
    line: str, title: str, owner: str | None, due: str | None, ticket: str | None
) -> None:
    """Owners, due dates and tickets after the title were read into their fields and also
    left in the title, which the report's tables showed."""
    [action] = body_actions(f"## Follow-ups\n- [ ] {line}\n")
    assert (action.title, action.owner, action.due, action.ticket) == (title, owner, due, ticket)


@given(
    title=st.text(alphabet="abcdefghij klm", min_size=1, max_size=30).map(str.strip).filter(bool),
    owner=st.from_regex(r"[a-z][a-z-]{0,10}[a-z]", fullmatch=True),
    due=st.dates().map(date.isoformat),
    ticket=st.from_regex(r"[A-Z]{2,5}-[0-9]{1,4}", fullmatch=True),
    done=st.dates().map(date.isoformat),
    done_word=st.sampled_from(["done", "completed on", "closed:", "Done at"]),
    separator=st.sampled_from([", ", " — ", " - ", "; ", " (", ","]),
    order=st.permutations(["owner", "due", "ticket", "done"]),
)
def test_what_a_title_ends_with_is_read_and_only_that_is_left_out(
    title: str,
    owner: str,
    due: str,
    ticket: str,
    done: str,
    done_word: str,
    separator: str,
    order: list[str],
) -> None:
    parts = {"owner": f"owner: @{owner}", "due": f"due {due}", "ticket": ticket,
             "done": f"{done_word} {done}"}  # fmt: skip
    tail = ", ".join(parts[name] for name in order)
    line = f"{title}{separator}{tail}" + (")" if separator == " (" else "")
    [action] = body_actions(f"## Action items\n- [ ] {line}\n")
    assert (action.owner, action.due, action.ticket, action.done) == (owner, due, ticket, done)
    assert action.title == title


@given(st.text(alphabet="ab XY-12,;()@:=—ownerdu", max_size=50))
def test_a_title_leaves_out_nothing_that_was_not_read(text: str) -> None:
    """Whatever a checklist says, its title is its text (links as their text) cut at the
    end only by separators and the owner, due date, done date or ticket that were read."""
    actions = body_actions(f"## Action items\n- [ ] {text}\n")
    if not actions:
        return
    [action] = actions
    full = text.strip()
    assert full.startswith(action.title), (action.title, full)
    dropped = full[len(action.title) :]
    for value in (action.owner, action.due, action.done, action.ticket):
        if value and value in dropped:
            dropped = dropped.replace(value, "", 1)
    words = r"(?i:owner|assignee|due|done)(?:\s+on)?"
    assert re.fullmatch(rf"[\s,;—–()@:=*_`-]*(?:{words}[\s,;—–()@:=*_`-]*)*", dropped), (
        action,
        dropped,
    )


# the link pattern _unlinked replaced: the oracle of what it reads
LINK = re.compile(r"\[([^\]]*)\]\(\s*([^)\s]*)[^)]*\)")


@given(st.text(alphabet="[]()ab \t\n", max_size=60))
def test_links_are_read_as_the_link_pattern_reads_them(text: str) -> None:
    assert _unlinked(text) == LINK.sub(lambda m: m.group(1).strip() or m.group(2), text)


def _continues_oracle(lines: list[str], index: int) -> bool:
    """The scan back from `index` that _BlockScan replaced."""
    start = index
    while start > 0 and lines[start - 1].strip() and not _HEADING.match(lines[start - 1]):
        start -= 1
    return any(
        _LIST_ITEM.match(line) or "|" in line or line.lstrip().startswith(">")
        for line in lines[start:index]
    )


@given(
    st.lists(
        st.sampled_from(["", "text", "- item", "| a |", "> quote", "# Head", "  "]), max_size=12
    ),
    st.lists(st.integers(0, 12), max_size=6),
)
def test_the_block_scan_answers_as_a_scan_back_would(lines: list[str], asked: list[int]) -> None:
    blocks = _BlockScan(lines)
    for index in asked:  # in any order: one asked before the last is read again
        index = min(index, len(lines))
        assert blocks.continues(index) == _continues_oracle(lines, index)


@pytest.mark.parametrize(
    "body",
    [
        "## Action items\n" + "".join(f"- item {n}\n" for n in range(20_000)),  # a long list
        "## Action items\n" + "a\n---\n" * 20_000,  # setext headings, one after another
        "## Action items\n- [ ] " + "[a](" * 50_000 + "\n",  # links never closed
        "## Action items\n- [ ] " + "[" * 200_000 + "](x\n",
        "## Action items\n| Action | Status |\n|---|---|\n| " + "**" * 100_000 + " | open |\n",
        "```sh\n" + "# restart the worker\nkubectl rollout restart\n" * 20_000 + "```\n",
        # spaces after `due` and after a struck title (D8: 154 s and 49 s at 20,000)
        "## Action items\n- [ ] Buy disks due" + " " * 20_000 + ".\n",
        "## Action items\n- [ ] ~~Buy disks~~" + " " * 20_000 + ".\n",
    ],
    ids=[
        "list",
        "setext-pairs",
        "open-links",
        "brackets",
        "marks",
        "code-comments",
        "due-spaces",
        "struck-spaces",
    ],  # fmt: skip
)
def test_a_long_body_is_read_in_linear_time(body: str) -> None:
    """Each took from half a minute to over an hour (a scan back from every list item, a
    link pattern retried from every `[`, a scan from the start for every `# ` line in a
    code block): one such file stalled the whole ingest. Linear, each takes well under a
    second; the bound only tells a stall from a slow machine."""
    started = time.monotonic()
    body_actions(body)
    first_heading(body)
    assert time.monotonic() - started < 20


# the DONE/TODO pattern before it started at the first mark of a run: the oracle
MARKER = re.compile(r"[*_`~]*(?<![A-Za-z0-9])(DONE|TODO)(?![A-Za-z0-9])[*_`~]*")


@given(st.lists(st.sampled_from(["*", "_", "`", "~", "a", "x", " ", "DONE", "TODO"]), max_size=20))
def test_done_and_todo_marks_are_found_as_before(parts: list[str]) -> None:
    text = "".join(parts)
    assert _MARKER.sub("", text) == MARKER.sub("", text)
    found, expected = _MARKER.search(text), MARKER.search(text)
    assert (found and found.span()) == (expected and expected.span())


@pytest.mark.parametrize(
    ("body", "title"),
    [
        ("Intro\n\n```bash\n# restart the pods\nkubectl rollout restart\n```\n\n# Real\n", "Real"),
        (
            "~~~~\n# not this\n~~~\n# nor this\n~~~~\n# This\n",
            "This",
        ),  # a shorter ~~~ closes nothing
        ("```\n# in a block never closed\n", None),
        ("# First\n```\n# second\n```\n", "First"),
        ("<!--\n# Template: incident title here\n-->\n# Payment outage\n", "Payment outage"),
        ("Intro `<!--` here\n# Title\n", "Title"),
    ],
)
def test_the_first_heading_is_not_a_comment_in_a_code_block(body: str, title: str | None) -> None:
    """A shell snippet's `# restart the pods` became the title of a file without one."""
    assert first_heading(body) == title


def test_a_checklist_in_an_html_comment_is_not_read() -> None:
    """GitHub shows nothing of a comment; a template's commented-out example was read."""
    body = (
        "## Action items\n<!--\n- [ ] Example: add an alert, owner @x\n-->\n"
        "- [ ] Real one <!-- a note -->\n<!-- one line --> \n- [ ] Second\n"
    )
    assert [a.title for a in body_actions(body)] == ["Real one <!-- a note -->", "Second"]
    # a `<!--` in a line's middle opens no comment (it hid every item after it)
    inline = "## Action items\n- [ ] Stop the stray `<!--` marker\n- [ ] Add an alert\n"
    assert [a.title for a in body_actions(inline)] == [
        "Stop the stray `<!--` marker",
        "Add an alert",
    ]


def test_a_tab_before_backticks_neither_opens_nor_closes_a_fence() -> None:
    """CommonMark: a tab indents code; it is no fence (it closed one: the code's checklist
    lines were read)."""
    body = "## Action items\n```\ncode\n\t```\n- [ ] in the code block still\n```\n- [ ] after\n"
    assert [a.title for a in body_actions(body)] == ["after"]
    assert first_heading("\t```\n# Payment outage\n") == "Payment outage"


@pytest.mark.parametrize("text", ["Update SEV-2 runbook", "Move to HTTP-2", "Follow RFC-9110"])
def test_a_severity_or_a_standard_is_no_ticket(text: str) -> None:
    [action] = body_actions(f"## Action items\n- [ ] {text} PAY-7\n")
    assert action.ticket == "PAY-7"
    [plain] = body_actions(f"## Action items\n- [ ] {text}\n")
    assert plain.ticket is None


def test_the_postmortems_own_id_is_no_ticket() -> None:
    """R23: `Follow-up 1 for INC-1002` in INC-1002's file had the ticket INC-1002, the
    incident itself, in every overdue list."""
    body = "## Action items\n- [ ] Follow-up for INC-1002 (owner: @c)\n- [ ] For INC-1002, PAY-7\n"
    assert [(a.title, a.ticket) for a in body_actions(body, "INC-1002")] == [
        ("Follow-up for INC-1002", None),
        ("For INC-1002", "PAY-7"),
    ]
    assert [a.ticket for a in body_actions(body, "INC-1003")] == ["INC-1002", "INC-1002"]
    [explicit] = body_actions("## Action items\n- [ ] Redo, ticket: INC-1002\n", "INC-1002")
    assert explicit.ticket == "INC-1002"  # said outright: the ticket it names
    # `postmortems new`'s ids, whole (D14: PM-2026 of PM-2026-031 was the ticket)
    body = "## Action items\n- [ ] Follow-up for PM-2026-031\n- [ ] See PM-2026-030\n"
    assert [a.ticket for a in body_actions(body, "PM-2026-031")] == [None, "PM-2026-030"]


def test_line_numbers_count_markdown_line_endings_only() -> None:
    """A form feed or U+2028 in a line made splitlines() split it: later lines' numbers
    were off (file line 9 stored as 12)."""
    body = "Intro \x0c page\u2028 same line\n\n## Action items\n- [ ] One\n"
    [action] = body_actions(body)
    assert action.line == 4
    assert [a.line for a in body_actions("## Action items\r- [ ] a\r\n- [ ] b\n")] == [2, 3]


def test_a_done_or_todo_word_within_a_title_is_the_titles():
    """`Remove TODO comments` lost its TODO and read as open; `Mark jobs DONE in scheduler`
    read as done, though its Bug cell said TODO (review R15)."""
    body = (
        "## Action Items\n"
        "| Action Item | Type | Owner | Bug |\n"
        "|---|---|---|---|\n"
        "| Remove TODO comments in deploy script | prevent | alice | PLAT-1 |\n"
        "| Mark jobs DONE in scheduler | prevent | bob | PLAT-2 **TODO** |\n"
        "| Ship it **DONE** | prevent | bob | PLAT-3 |\n"
        "\n## Follow-ups\n"
        "| Action | Owner | Due | Status |\n"
        "| --- | --- | --- | --- |\n"
        "| Remove TODO comments | alice | 2026-03-20 | open |\n"
    )
    assert [(a.title, a.status, a.ticket) for a in body_actions(body)] == [
        ("Remove TODO comments in deploy script", None, "PLAT-1"),
        ("Mark jobs DONE in scheduler", "TODO", "PLAT-2"),
        ("Ship it", "DONE", "PLAT-3"),
        ("Remove TODO comments", "open", None),
    ]


@pytest.mark.parametrize(
    ("item", "title", "due"),
    [
        ("a2 (owner: @bob, due 20 Mar 2026)", "a2", "20 Mar 2026"),
        ("a3 (due 2026/03/20)", "a3", "2026/03/20"),
        ("a4 (owner: @bob, due March 20, 2026)", "a4", "March 20, 2026"),
        ("a6 due by 2026-03-20", "a6 due by 2026-03-20", "2026-03-20"),
        ("a7 (due 04/03/2026)", "a7", "04/03/2026"),  # read, then warned of: two readings
        ("a8 (due to noise) on 2026-03-20", "a8 (due to noise) on 2026-03-20", None),
        ("a9 due 2026-03-20T10:00", "a9 due 2026-03-20T10:00", "2026-03-20"),
    ],
)
def test_a_checklist_due_date_in_the_frontmatters_forms_is_read(item, title, due):
    """Only ISO after `due` was read: `due 20 Mar 2026` left the item with no due date and
    no warning, so it was never overdue (review R15)."""
    [action] = body_actions(f"## Action items\n- [ ] {item}\n")
    assert (action.title, action.due) == (title, due)


def test_a_struck_through_checklist_item_is_dropped_ticked_or_not():
    """`- [x] ~~Buy bigger disks~~ wontfix` counted as done, its title kept the tildes
    (review R15): GitHub shows it struck through, given up."""
    body = (
        "## Action items\n"
        "- [x] ~~Buy bigger disks~~ wontfix\n"
        "- [ ] ~~Add a cache~~ (owner: @bob, due 2026-03-20)\n"
        "- [x] Remove ~~old~~ flags\n"
    )
    assert [(a.title, a.owner, a.status) for a in body_actions(body)] == [
        ("Buy bigger disks", None, "dropped"),
        ("Add a cache", "bob", "dropped"),
        ("Remove ~~old~~ flags", None, "done"),  # a word struck within: still done
    ]


def test_a_struck_item_is_dropped_only_when_nothing_but_its_fields_follow():
    """`~~Migrate to Redis~~ Migrate to Memcached` is a correction, not an item given up
    (D8); a status word or a full stop after the strike is no title."""
    body = (
        "## Action items\n"
        "- [ ] ~~Migrate to Redis~~ Migrate to Memcached owner: bob\n"
        "- [x] ~~Buy disks~~ Wontfix.\n"
        "- [x] ~~Old~~ – won't do\n"
        "- [ ] ~~ spaced ~~\n"  # not struck as GitHub renders it
    )
    assert [(a.title, a.owner, a.status) for a in body_actions(body)] == [
        ("~~Migrate to Redis~~ Migrate to Memcached owner: bob", "bob", "open"),
        ("Buy disks", None, "dropped"),
        ("Old", None, "dropped"),
        ("~~ spaced ~~", None, "open"),
    ]


@pytest.mark.parametrize(
    ("item", "title", "owner"),
    [
        ("~~Buy bigger disks~~ wontfix: too costly", "Buy bigger disks (too costly)", None),
        ("~~X~~ wontfix - decided in Q3 review", "X (decided in Q3 review)", None),
        ("~~X~~ (wontfix, owner: bob)", "X (wontfix, owner: bob)", "bob"),
        ("~~X~~ (not needed after the move)", "X (not needed after the move)", None),
        ("~~X~~ *wontfix*", "X", None),
        ("~~X~~ -- not needed", "X", None),
        ("~~X~~ — owner: bob, due 2026-03-20", "X", "bob"),
    ],
)
def test_a_struck_item_given_up_with_a_reason_or_its_fields_is_dropped(item, title, owner):
    """A reason after the word, a note in parentheses or the fields after a dash left these
    open, so overdue (D9)."""
    [action] = body_actions(f"## Action items\n- [x] {item}\n")
    assert (action.title, action.owner, action.status) == (title, owner, "dropped")


@pytest.mark.parametrize(
    ("item", "due"),
    [
        ("a (due Mar 5th 2026)", "Mar 5th 2026"),
        ("b (due 5 Mar, 2026)", "5 Mar, 2026"),
        ("c (due May 2026)", "May 2026"),  # no day: taken, so that the reader warns of it
        ("d Marching due to noise", None),  # not a month's name
    ],
)
def test_more_due_forms_are_taken_and_none_that_is_no_date(item, due):
    [action] = body_actions(f"## Action items\n- [ ] {item}\n")
    assert action.due == due


def test_a_marker_first_or_last_in_a_title_counts_only_without_a_status_column():
    """`Remove TODO comments DONE` read its first marker only, within the title, and was
    open; `Clean up every TODO` lost its TODO though a Status column said done (D8)."""
    body = (
        "## Action items\n"
        "| Action | Owner |\n| --- | --- |\n"
        "| Remove TODO comments DONE | bob |\n"
        "\n## Follow-ups\n"
        "| Action | Owner | Status |\n| --- | --- | --- |\n"
        "| Clean up every TODO | bob | done |\n"
    )
    assert [(a.title, a.status) for a in body_actions(body)] == [
        ("Remove TODO comments", "DONE"),
        ("Clean up every TODO", "done"),
    ]


@pytest.mark.parametrize(
    "header",
    ["Done date", "Done on", "Completed on", "Date completed", "Closed on",
     "**Date closed** (UTC)", "Completed at"],
)  # fmt: skip
def test_a_column_of_done_dates_is_read_as_the_done_date(header):
    """R20: `Completed on` was kept in `extra`, so no body item had a done date and none
    counted in the on-time rate, the SLO or the days to close."""
    body = f"## Action items\n| Action | Owner | Due | {header} |\n|---|---|---|---|\n"
    body += "| Add alert | alice | 2026-04-01 | 2026-03-30 |\n"
    [action] = body_actions(body)
    assert (action.title, action.due, action.done, action.extra) == (
        "Add alert", "2026-04-01", "2026-03-30", None
    )  # fmt: skip
    [stored] = load(FRONT + body).actions
    # a done date and no status: done, as in the frontmatter
    assert (stored.status, stored.status_raw, stored.done) == ("done", None, date(2026, 3, 30))


@pytest.mark.parametrize(
    ("line", "title", "done"),
    [
        ("- [x] Roll back (owner: @bob, done 2026-03-18)", "Roll back", "2026-03-18"),
        ("- [x] Add alert, completed on 18 Mar 2026", "Add alert", "18 Mar 2026"),
        ("- [x] Add alert — closed: 2026/03/18, PLAT-9", "Add alert", "2026/03/18"),
        ("- [x] Add alert (done at March 18, 2026; PLAT-9)", "Add alert", "March 18, 2026"),
        # prose the title keeps is no done date (D12), and the last of two is read
        ("- [x] Closed 2026-03-18 port on the firewall", None, None),
        (
            "- [x] Re-run jobs completed on 2026-03-02 during the outage (owner: @bob)",
            "Re-run jobs completed on 2026-03-02 during the outage",
            None,
        ),
        (
            "- [x] Purge accounts closed 2026-03-01, done 2026-03-18",
            "Purge accounts closed 2026-03-01",
            "2026-03-18",
        ),
        ("- [x] Make the done state visible", None, None),
        # one that ends the item is its field whatever is before it (R22)
        (
            "- [x] Roll back the config (owner: @bob) done 2026-11-28",
            "Roll back the config",
            "2026-11-28",
        ),
        ("- [x] Roll back J. Done 2026-11-28.", "Roll back J.", "2026-11-28"),
        ("- [x] Rotate keys: done 2026-03-18", "Rotate keys", "2026-03-18"),
        ("- [x] Roll back -- done 2026-03-18", "Roll back", "2026-03-18"),
        # prose that ends in a date is no field: no separator, `)` or read field before it
        ("- [ ] Check the batch closed on 2026-03-02", None, None),
        ("- [ ] Migration to be completed on 2026-04-01", None, None),
        ("- [x] Purge accounts closed 2026-03-01", None, None),
    ],
)
def test_a_checklist_item_s_done_date_is_read_and_left_out_of_its_title_at_its_end(
    line, title, done
):
    [action] = body_actions(f"## Action items\n{line}\n")
    text = line.split("] ", 1)[1]
    assert (action.title, action.done) == (title or text, done)


def test_a_body_item_s_done_date_is_checked_as_the_frontmatter_s():
    body = (
        "## Action items\n"
        "| Action | Status | Completed on |\n|---|---|---|\n"
        "| Fixed | done | 2026-03-08 |\n"
        "| Not yet | in progress | 2026-03-09 |\n"
        "| Bad date | | 2026-13-45 |\n"
        "- [ ] Unticked, done 2026-03-05\n"
        "- [x] Ticked, done 2026-03-06\n"
    )
    parsed = parse(FRONT + body)
    stored = parsed.postmortem.actions
    assert [(a.title, a.status, a.done) for a in stored] == [
        ("Fixed", "done", date(2026, 3, 8)),
        ("Not yet", "open", date(2026, 3, 9)),
        ("Bad date", "open", None),
        ("Unticked", "open", date(2026, 3, 5)),
        ("Ticked", "done", date(2026, 3, 6)),
    ]
    assert stored[2].extra == {"done": "2026-13-45"}  # kept, as a due that is no date
    found = [(p.line, p.code) for p in without_missing_keys(parsed).problems]
    assert found == [
        (9, "open-with-done-date"),  # in progress: an open word
        (10, "invalid-date"),
        (11, "open-with-done-date"),  # an unticked box
    ]


@pytest.mark.parametrize(
    ("row", "read"),
    [
        ("| ~~Buy bigger disks~~ | |", ("Buy bigger disks", "dropped")),
        ("| ~~Buy bigger disks~~ wontfix: costly | |", ("Buy bigger disks (costly)", "dropped")),
        ("| ~~Buy bigger disks~~ | TODO |", ("Buy bigger disks", "dropped")),
        ("| ~~Buy bigger disks~~ | no |", ("Buy bigger disks", "dropped")),
        ("| ~~Buy bigger disks~~ | Open |", ("Buy bigger disks", "dropped")),
        # the row's status says otherwise: kept as written
        ("| ~~Buy bigger disks~~ | Done |", ("~~Buy bigger disks~~", "done")),
        ("| ~~Buy bigger disks~~ | ✅ |", ("~~Buy bigger disks~~", "done")),
        ("| ~~Buy bigger disks~~ | Parked |", ("~~Buy bigger disks~~", "open")),  # unknown
        # a done date: struck out when done (D12), its title as a checklist's (D13)
        ("| ~~Buy bigger disks~~ | | 2026-03-18 |", ("Buy bigger disks", "done")),
        # a DONE/TODO mark within the strike (D12)
        ("| ~~TODO Buy bigger disks~~ | |", ("Buy bigger disks", "dropped")),
        # corrected in place, as in a checklist
        ("| ~~Redis~~ Memcached | |", ("~~Redis~~ Memcached", "open")),
    ],
)  # fmt: skip
def test_a_table_row_struck_through_is_dropped_as_a_checklist_item_is(row, read):
    """R20: `| ~~Buy bigger disks~~ |` was open, its title with the tildes, and overdue,
    where `- [ ] ~~Buy bigger disks~~` was dropped."""
    body = f"## Action items\n| Action | Status | Completed on |\n|---|---|---|\n{row}\n"
    [stored] = load(FRONT + body).actions
    assert (stored.title, stored.status) == read


@pytest.mark.parametrize(
    ("line", "read"),
    [
        ("- [x] ~~Buy a SaaS~~ (owner: @ops), done 2026-11-27", ("Buy a SaaS", "done")),
        ("- [ ] ~~Buy a SaaS~~ done 2026-11-27", ("Buy a SaaS", "done")),
        ("- [x] ~~Buy a SaaS~~ wontfix, done 2026-11-27", ("Buy a SaaS", "dropped")),
        ("- [x] ~~Buy a SaaS~~ (owner: @ops)", ("Buy a SaaS", "dropped")),
        # the word in a note (D13)
        (
            "- [x] ~~Buy a SaaS~~ (won't fix) — closed 2026-03-18",
            ("Buy a SaaS (won't fix)", "dropped"),
        ),
    ],
)
def test_a_checklist_item_struck_and_dated_is_done_unless_a_word_gives_it_up(line, read):
    """R22: struck out when done, with its done date, it was dropped where the same row of
    a table was done."""
    [action] = body_actions(f"## Action items\n{line}\n")
    assert (action.title, action.status) == read


@pytest.mark.parametrize(
    ("header", "row", "title"),
    [
        # R22: `| # | What | Who |` stored the titles "1", "2", ... (the first column)
        ("| # | What | Who |", "| 1 | Add alert | bob |", "Add alert"),
        ("| No. | Remediation | Owner |", "| 1 | Add alert | bob |", "Add alert"),
        ("| ID | Remediation | Owner |", "| AI-1 | Add alert | bob |", "Add alert"),
        # a column no field took, even without a name (D13)
        ("|  | Owner | Notes |", "| Add alert | bob | needs budget |", "Add alert"),
        ("| 📝 | Owner | Priority |", "| Add alert | bob | P1 |", "Add alert"),
        # a column that names the title wins over the first untaken one (D13)
        ("| What | Action | Owner |", "| DB failover slow | Add alert | bob |", "Add alert"),
    ],
)
def test_the_title_column_is_one_no_field_took_but_a_column_of_row_numbers(header, row, title):
    body = f"## Action items\n{header}\n|---|---|---|\n{row}\n"
    [action] = body_actions(body)
    assert (action.title, action.owner) == (title, "bob")


def test_a_table_row_struck_with_a_word_giving_it_up_stays_dropped_with_a_done_date():
    body = "## Action items\n| Action | Completed on |\n|---|---|\n"
    body += "| ~~Buy disks~~ wontfix | 2026-03-18 |\n"
    [stored] = load(FRONT + body).actions
    assert (stored.title, stored.status) == ("Buy disks", "dropped")


def test_a_checklist_item_struck_with_its_done_date_after_it_is_given_up():
    """`_given_up` knew the owner, due date and ticket as the fields after a strike, not a
    done date: `~~X~~ — closed: 2026-03-18` was "corrected in place", open, tildes kept
    (D12); struck and dated, it is done (R22)."""
    [action] = body_actions("## Action items\n- [ ] ~~Buy bigger disks~~ — closed: 2026-03-18\n")
    assert (action.title, action.status, action.done) == (
        "Buy bigger disks",
        "done",
        "2026-03-18",
    )


@pytest.mark.parametrize("written", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_body_date_out_of_range_is_a_warning_not_a_crash(written):
    """It stopped the whole ingest with an OverflowError (D12)."""
    body = "## Action items\n| Action | Due | Completed on |\n|---|---|---|\n"
    body += f"| A | {written} | {written} |\n"
    parsed = parse(FRONT + body)
    [stored] = parsed.postmortem.actions
    assert (stored.due, stored.done, stored.extra) == (
        None,
        None,
        {"due": written, "done": written},
    )
    assert [p.code for p in without_missing_keys(parsed).problems] == ["invalid-date"] * 2
