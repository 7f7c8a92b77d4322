"""Action items written in the Markdown body: checklists and tables under an action-items heading.

Used only when the frontmatter has no actions, as the widely used postmortem templates
(Google SRE, PagerDuty, Atlassian) keep them in the body.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from analytics import normalize

# an ATX heading's marks and text; its closing #s are dropped by heading_text (a pattern
# doing both backtracked over long runs of spaces: a line of 12,000 took minutes)
_HEADING = re.compile(r"(#{1,6})[ \t]+(.*)")
_FIRST_HEADING = re.compile(r"^#[ \t]+(\S.*)$", re.MULTILINE)
# SPEC's action items / follow-ups / remediation, and the other templates' names for the
# section: Actions, Priority / Improvement actions (Atlassian's), Action plan, Next steps,
# Preventive measures (their items were lost without a word, review R12); not "Actions
# taken", which is what was done during the incident
_ACTION_HEADING = re.compile(
    r"action[\s_-]*items?|follow[\s_-]*ups?|remediations?|\bactions?\b(?![\s_-]*taken)"
    r"|next[\s_-]*steps|prevent[a-z]*[\s_-]*(?:measures|actions)",
    re.IGNORECASE,
)
# `- [ ] x`, `* [x] x`, and numbered: `1. [ ] x`, `2) [x] x`
# (greedy to the text's last non-space: `(.+?)\s*$` backtracked over a run of spaces)
_CHECKBOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(\S(?:.*\S)?)\s*$")
# GitHub's separator row: one dash is enough (`|:-:|:---|`)
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
# a setext heading's underline: `Action items` then `===` (level 1) or `---` (level 2)
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])(?:\s|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")  # spaces only: a tab makes it indented code
# owner: alice, owner: @alice, owner: `alice`, owner: **alice**, _bob_, or a bare @alice
_OWNER = re.compile(r"(?:owner|assignee)\s*[:=]\s*([^\s,;()]+)|(?<![\w.])@([\w.-]+)", re.IGNORECASE)
# a due date in the forms the frontmatter takes (2026-03-20, 2026/03/20, 20 Mar 2026, March
# 20, 2026) and the year last (20/03/2026), which the reader then warns of: only ISO was
# read, and `due 20 Mar 2026` was dropped without a word (review R15)
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
)
_DAY_OF_MONTH = r"\d{1,2}(?:st|nd|rd|th)?"
# possessive spaces: a long run of them after `due` made the search near-cubic (D8); a
# month and year alone (`due May 2026`) is taken so that the reader warns of it
_WRITTEN_DATE = (
    r"(\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}"
    rf"|{_DAY_OF_MONTH}\s++{_MONTH_NAME},?+\s++\d{{4}}"
    rf"|{_MONTH_NAME}\s++{_DAY_OF_MONTH},?+\s++\d{{4}}|{_MONTH_NAME}\s++\d{{4}}"
    r")(?!\d)"
)
_DUE = re.compile(r"\bdue(?:\s++(?:by|on|date)\b)?\s*+[:=]?\s*+" + _WRITTEN_DATE, re.IGNORECASE)
# a done date in the same forms: `done 2026-03-18`, `completed on 18 Mar 2026`, `closed:
# 2026/03/18` (R20: a body item never had one)
_DONE = re.compile(
    r"\b(?:done|completed|closed)(?:\s++(?:on|at)\b)?\s*+[:=]?\s*+" + _WRITTEN_DATE,
    re.IGNORECASE,
)
# a ticket: `ticket: X`, or a bare key like PAY-123 (not a severity or a standard's number:
# "Update SEV-2 runbook", "HTTP-2" are no tickets)
_TICKET = re.compile(
    r"(?:ticket|bug|issue)\s*[:=]\s*([\w#/.-]+)"
    r"|\b(?!(?:SEV|HTTP|HTTPS|RFC|ISO|UTF|TLS|SSL|SHA|IPV)-\d+\b)([A-Z][A-Z0-9]+-\d+(?:-\d+)*)\b"
)
# a line ending as Markdown has them (splitlines also splits at form feeds, U+2028 and
# others, and the lines after them got wrong numbers)
_LINE_END = re.compile(r"\r\n?|\n")
# a DONE/TODO word, with any **emphasis** around it (the marks from the first of a run:
# tried from each mark of a long run, the search was quadratic)
_MARKER = re.compile(r"(?:(?<![*_`~])[*_`~]++)?(?<![A-Za-z0-9])(DONE|TODO)(?![A-Za-z0-9])[*_`~]*+")

COLUMNS = {
    "title": (
        "action",
        "action item",
        "action items",
        "item",
        "description",
        "title",
        "summary",
        "task",
    ),
    "owner": ("owner", "assignee", "who", "owners"),
    "due": ("due", "due date", "deadline", "by", "due by", "eta", "when", "target date"),
    "status": ("status", "state", "done"),
    "ticket": ("bug", "ticket", "issue", "link", "jira", "tracking"),
    "level": ("type", "level", "chain level"),
    # when it was done: a column of dates (R20: `Completed on` was kept in `extra`, so no
    # body item ever had a done date, and none counted in the on-time or SLO rates)
    "done": (
        "done date",
        "done on",
        "date done",
        "completed on",
        "completed date",
        "date completed",
        "closed on",
        "closed date",
        "date closed",
        "done at",
        "completed at",
        "closed at",
    ),
}


# A header that is none of COLUMNS' names (after its parentheses and marks) is read by its
# last word, when that names a field for sure ("Jira ticket", "Link to ticket", "Action
# owner", "Remediation task", "Ticket status"), or as a due date when it is "<word> date"
# for one of DUE_DATE_WORDS ("Target date"); only for a field no column names outright. A
# looser word (link, level, type, done, when) would read "Runbook link", "Risk level",
# "Definition of done" or "Done when" as a field and push out the column that names it.
_COLUMN_WORDS = {
    word: column
    for column, words in {
        "title": "action actions item items description title summary task tasks",
        "owner": "owner owners assignee assignees responsible",
        "due": "due deadline",
        "status": "status state",
        "ticket": "bug bugs ticket tickets issue issues jira",
    }.items()
    for word in words.split()
}
_DUE_DATE_WORDS = frozenset({"due", "target", "deadline", "eta"})
# a status column's yes/no answer ("Done?": yes), as the templates' checkbox columns write it
_DONE_ANSWERS = {"yes": "done", "y": "done", "x": "done", "✓": "done", "✔": "done",
                 "✅": "done", "true": "done", "no": "open", "n": "open", "false": "open",
                 "✗": "open", "❌": "open"}  # fmt: skip


@dataclass
class BodyAction:
    line: int  # 1-based line in the body
    title: str
    owner: str | None = None
    due: str | None = None
    status: str | None = None
    ticket: str | None = None
    level: str | None = None
    done: str | None = None  # the done date as written (`done 2026-03-18`, a Completed on cell)
    # the row's cells under headers read as none of the fields above (or a second column
    # of one), by header as written: nothing in the table is lost
    extra: dict[str, str] | None = None
    # a status column's yes/no answer as the status it means ("Done?": Yes -> done);
    # `status` keeps the answer as written
    answered: str | None = None


def body_actions(body: str, own_id: str = "") -> list[BodyAction]:
    """Every checklist item and table row under an action-items / follow-ups heading.
    `own_id`: the postmortem's id, in a checklist item no ticket (`Follow-up 1 for
    INC-1002` in INC-1002's file: R23)."""
    actions: list[BodyAction] = []
    lines = markdown_lines(body)
    section_level = 0  # heading depth of the action section we are in; 0 = outside
    blocks = _BlockScan(lines)
    fence = ""  # the ``` or ~~~ of a code block we are in: nothing in it is read
    comment = False  # in an HTML comment (a line starting <!--, to the line with -->):
    # nothing in it is read, as GitHub shows nothing of it (a template's commented-out
    # example checklist was read)
    index = 0
    while index < len(lines):
        line = lines[index]
        first = line.lstrip(" ")[:1]  # most lines start with none of # ` ~ = -: checked once
        if comment or fence or first in ("`", "~", "<"):
            hidden, fence, comment = _hidden_line(line, fence, comment)
            if hidden:  # a code block's or an HTML comment's line, or a fence of one
                index += 1
                continue
        underlined = index + 1 < len(lines) and lines[index + 1].lstrip(" ")[:1] in ("=", "-")
        heading = _heading(lines, index, blocks) if first == "#" or underlined else None
        if heading:
            depth, text, size = heading
            if _ACTION_HEADING.search(text):
                section_level = depth
            elif section_level and depth <= section_level:
                section_level = 0
            index += size
            continue
        if section_level:
            checkbox = _CHECKBOX.match(line)
            if checkbox:
                actions.append(
                    _from_checkbox(index + 1, checkbox.group(1), checkbox.group(2), own_id)
                )
            elif _is_table_start(lines, index):
                rows, index = _read_table(lines, index)
                actions.extend(rows)
                continue
        index += 1
    return actions


def markdown_lines(text: str) -> list[str]:
    """`text`'s lines, split at line endings as Markdown has them (\\n, \\r\\n, \\r)."""
    return text.split("\n") if "\r" not in text else _LINE_END.split(text)


def heading_text(text: str) -> str:
    """An ATX heading's text without the closing `#`s a space sets apart (`C#` keeps its)."""
    text = text.rstrip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        text = bare.rstrip()
    return text


def first_heading(body: str) -> str | None:
    """The text of the body's first `# ` heading, the title a file without one gets; not
    a `# comment` in a fenced code block (a shell snippet's comment became the title) or a
    heading in an HTML comment (a template's). Each line is read once: a scan from the
    start for each `# ` line took minutes for a snippet of thousands of comments."""
    plain = "```" not in body and "~~~" not in body and "<!--" not in body
    fence, comment, read = "", False, 0
    for found in _FIRST_HEADING.finditer(body):
        if not (text := heading_text(found.group(1))):
            continue
        if plain:
            return text
        for line in markdown_lines(body[read : found.start()]):  # the lines up to this one
            _, fence, comment = _hidden_line(line, fence, comment)
        read = found.start()
        if not (fence or comment):
            return text
    return None


def _hidden_line(line: str, fence: str, comment: bool) -> tuple[bool, str, bool]:
    """(whether `line` is hidden, the fence open after it, whether a comment is open
    after it), given the fence and comment open before it: the lines of a fenced code
    block and its fences, and of an HTML comment (a line starting `<!--` up to the line
    with `-->`, as CommonMark's HTML block of a comment; one in a line's middle is no block)."""
    if comment:
        return True, fence, "-->" not in line
    if fence or line.lstrip(" ")[:1] in ("`", "~"):
        after = _fence_after(fence, line)
        if fence or after:
            return True, after, False
    opened = line.lstrip(" ")
    if len(line) - len(opened) <= 3 and opened.startswith("<!--"):
        return True, fence, "-->" not in opened[4:]
    return False, fence, False


def _fence_after(fence: str, line: str) -> str:
    """The ``` or ~~~ of the code block open after `line` ("" for none), `fence` being the
    one open before it: a fence line opens one; only a line of the same mark, as long or
    longer and with nothing after it, closes it."""
    opened = _FENCE.match(line)
    if not fence:
        return opened.group(1) if opened else ""
    mark = opened.group(1) if opened else ""
    closes = mark[:1] == fence[0] and len(mark) >= len(fence)
    return "" if opened and closes and not line[opened.end() :].strip() else fence


def _heading(lines: list[str], index: int, blocks: _BlockScan) -> tuple[int, str, int] | None:
    """(depth, text, lines it takes) of an ATX (`## Action items`) or a setext heading (a
    line of text underlined with `===` or `---`), else None. `blocks`: the body's
    `_BlockScan`, asked last (the cheap tests first: a list's items are no headings)."""
    atx = _HEADING.match(lines[index])
    if atx:
        return len(atx.group(1)), heading_text(atx.group(2)), 1
    if index + 1 >= len(lines) or lines[index + 1].lstrip(" ")[:1] not in ("=", "-"):
        return None  # no underline: most lines, checked first
    text = lines[index].strip()
    if (
        text
        and (underline := _SETEXT.match(lines[index + 1]))
        and not lines[index].startswith((" " * 4, "\t"))
        and "|" not in text
        and not _LIST_ITEM.match(lines[index])
        and not text.startswith(">")
        and not blocks.continues(index)  # a list item's continuation, a table's or a
        # quote's: a `---` under it does not make it a heading
    ):
        return (1 if underline.group(1)[0] == "=" else 2), text, 2
    return None


class _BlockScan:
    """Whether a line continues a list item, a table or a quote above it (a line of those
    among the lines up to it without a blank line or an ATX heading); a paragraph's lines
    do not (CommonMark makes the paragraph, its last line "Action items" among them, the
    heading). Asked for lines in order, it reads each line once: a scan back from each
    line asked took minutes for a file of `a` / `---` line pairs."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.upto = 0  # the lines before it are read
        self.marked = False  # one since the last blank line or heading is a list item, ...

    def continues(self, index: int) -> bool:
        if index < self.upto:  # asked out of order: read again from the start
            self.upto, self.marked = 0, False
        for line in self.lines[self.upto : index]:
            if not line.strip() or _HEADING.match(line):
                self.marked = False
            elif not self.marked:
                self.marked = bool(
                    _LIST_ITEM.match(line) or "|" in line or line.lstrip().startswith(">")
                )
        self.upto = index
        return self.marked


# a cell that names no value
_PLACEHOLDERS = ("-", "—", "n/a", "none")


_OWNER_WORD = re.compile(r"(?i:owner|assignee)\s*$")


def _unlinked(text: str) -> str:
    r"""`text` with each Markdown link, [text](url "title"), read as its text (or its
    address when it has none), in one pass: the text runs to the first `]`, which `(`
    must follow; the address is the first word after it, up to the first `)`. (The regex
    `\[([^\]]*)\]\(\s*([^)\s]*)[^)]*\)` reads the same, tests/test_body.py checks, but retried
    from every `[` it took a minute for a 10 KB line of `[a](`.)"""
    if "](" not in text:
        return text
    parts: list[str] = []
    done = 0  # text before it is in parts
    close = target_end = -1  # the last `]` and `)` found, reused while still ahead
    start = text.find("[")
    while start != -1:
        if close <= start:
            close = text.find("]", start + 1)
            if close == -1:
                break  # no `]` after: no link further on either
        if text.startswith("(", close + 1):
            if target_end <= close:
                target_end = text.find(")", close + 2)
                if target_end == -1:
                    break  # no `)` after: no link further on either
            inner = text[close + 2 : target_end].split(maxsplit=1)
            parts += [text[done:start], text[start + 1 : close].strip() or (inner[:1] or [""])[0]]
            done = target_end + 1
            start = text.find("[", done)
        else:
            start = text.find("[", start + 1)
    return "".join(parts) + text[done:]


def _title(text: str, read: list[tuple[int, int]]) -> str:
    """A checklist item's title: `text` (links as their text) without the owner, due date
    and ticket it ends with, where those are the very matches `read` into their fields:
    after a dash, comma or semicolon, or in parentheses of nothing else. Anything not read
    stays (`- PLAT-10` after the ticket PLAT-9, `(due to noise)`)."""
    spans = {end: start for start, end in read}
    end = len(text.rstrip())
    while True:
        cut = _cut_at_end(text, end, spans)
        if cut is None:
            return text[:end].rstrip()
        end = len(text[:cut].rstrip())


def _cut_at_end(text: str, end: int, spans: dict[int, int]) -> int | None:
    """Where the title ends once the read field (or parenthesised group of them) that
    ends at `end` is left out, else None."""
    if text[end - 1 : end] == ")":
        opening = text.rfind("(", 0, end)
        inner = end - 1
        while opening >= 0 and inner > opening + 1:  # the group holds read fields alone
            inner = len(text[:inner].rstrip(" ,;"))
            if inner == opening + 1 or inner not in spans:
                break
            inner = spans[inner]
        return opening if opening >= 0 and inner == opening + 1 else None
    if end not in spans:
        return None
    before = text[: spans[end]].rstrip()  # a dash, comma or semicolon must come first
    if before.endswith(("—", "–", ",", ";")) or before.endswith(" -"):
        return len(before) - 1
    return None


# a checklist item struck through from its start, as GitHub renders `~~...~~` (`- [x]
# ~~Buy bigger disks~~ wontfix` was done, R15): given up, ticked or not, by what follows it
_STRUCK = re.compile(r"^~~(?![~\s])(.+?)(?<!\s)~~")
# what may follow a struck title of an item given up: a word saying so (with its reason
# after it), or the item's fields; anything else is a correction (`~~Redis~~ Memcached`)
_GIVEN_UP = re.compile(
    r"(?:won[’']?t[ -]?(?:fix|do)|cancell?ed|dropped|obsolete|not (?:doing|needed)|"
    r"abandoned|duplicate)\b",
    re.IGNORECASE,
)


def _given_up(text: str) -> tuple[str, str]:
    """Whether an item is struck through as given up, and its text without the strike and
    the word saying so (its reason and fields kept): "worded" when a word says so
    (`~~X~~ wontfix`), "struck" when nothing does (`~~X~~`, `~~X~~ (owner: bob)`, which a
    done date makes done: struck out when done), "" when it is not."""
    struck = _STRUCK.match(text)
    if struck is None:
        return "", text
    title, rest = struck.group(1).strip(), text[struck.end() :].strip()
    after = rest.lstrip(" -—–:*_")
    word = _GIVEN_UP.match(after)
    if word:
        reason = after[word.end() :].strip(" *_.;,:-—–")
        if reason and not reason.startswith("("):
            reason = f"({reason})"
        return "worded", f"{title} {reason}".strip()
    if rest.startswith("(") and _GIVEN_UP.match(rest[1:].lstrip()):  # `(won't fix)` (D13)
        return "worded", f"{title} {rest.strip(' .;,')}".strip()
    if not rest.strip(" .;,") or rest.startswith("("):  # nothing, or a note or fields
        return "struck", f"{title} {rest.strip(' .;,')}".strip()
    if any(pattern.match(after) for pattern in (_OWNER, _DUE, _DONE, _TICKET)):  # `— owner: bob`
        return "struck", f"{title} — {after}"
    return "", text  # `~~Migrate to Redis~~ Migrate to Memcached`: corrected in place


_DONE_SEPARATORS = (",", ";", ":", "—", "–", "-")


@functools.lru_cache(maxsize=64)
def _own_id(own_id: str) -> re.Pattern[str]:
    """The postmortem's id as a word of its own, in any case."""
    return re.compile(rf"(?<![\w-]){re.escape(own_id)}(?![\w-])", re.IGNORECASE)


def _from_checkbox(line: int, mark: str, text: str, own_id: str = "") -> BodyAction:
    struck, text = _given_up(text)
    text = _unlinked(text)  # `[PAY-300](https://...)` is PAY-300, `[@bob](...)` @bob
    owner = _OWNER.search(text)
    due = _DUE.search(text)
    # the last: `Purge accounts closed 2026-03-01, done 2026-03-18`
    done = next(reversed(list(_DONE.finditer(text))), None)
    # not the postmortem's own id where the text names it (`PM-2026-031`, D14), whole
    own = [o.span() for o in _own_id(own_id).finditer(text)] if own_id else []
    ticket = next(
        (
            t
            for t in _TICKET.finditer(text)
            if t.group(2) is None or not any(s < t.end() and t.start() < e for s, e in own)
        ),
        None,
    )
    read = [match.span() for match in (owner, due, ticket) if match]
    if owner and owner.group(2):  # `owner @bob`: the word goes with the name
        word = _OWNER_WORD.search(text, 0, owner.start())
        read[0] = (word.start() if word else owner.start(), owner.end())
    # a done date that ends the item after a read field, a `)` or a separator is its field
    # (`... (owner: @bob) done 2026-11-28`, R22; not prose: `Check the batch closed on
    # 2026-03-02`, D13); elsewhere only where the title leaves it out
    head = text[: done.start()].rstrip() if done else text
    ends = (
        done is not None
        and done.end() == len(text.rstrip(" ."))
        and (
            not head
            or head.endswith((")", ".", *_DONE_SEPARATORS))
            or any(end == len(head) for _, end in read)
        )
    )
    if done and not ends:
        read.append(done.span())
    if done and ends:
        while head.endswith(_DONE_SEPARATORS):  # `Rotate keys: done ...`, `Roll back --`
            head = head[:-1].rstrip()
    title = _title(head if done and ends else text, read)
    if done and not ends and done.start() < len(title):  # prose the title keeps, no field
        done = None  # (D12): `jobs completed on 2026-03-02 during the outage` is none
    # struck through: given up, ticked or not, unless only struck and dated (struck out
    # when done, as a table's row; R22)
    dropped = struck == "worded" or (struck and done is None)
    return BodyAction(
        line=line,
        title=title.strip() or text,
        owner=(_plain(owner.group(1)) if owner.group(1) else owner.group(2)) if owner else None,
        due=due.group(1) if due else None,
        status="dropped" if dropped else "done" if mark.lower() == "x" or struck else "open",
        ticket=(ticket.group(1) or ticket.group(2)) if ticket else None,
        done=done.group(1) if done else None,
    )


def _cells(line: str) -> list[str]:
    stripped = line.strip()
    if stripped.startswith("|"):
        stripped = stripped[1:]
    if stripped.endswith("|"):
        stripped = stripped[:-1]
    # `\|` is a pipe inside a cell, not a column break
    return [cell.strip().replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(stripped)]


def _is_table_start(lines: list[str], index: int) -> bool:
    return (
        "|" in lines[index]
        and index + 1 < len(lines)
        and bool(_TABLE_SEPARATOR.match(lines[index + 1]))
    )


def _plain(text: str) -> str:
    """A cell without the Markdown marks around it: `platform`, **platform**, @**bob**
    (marks in pairs only: bob_ keeps its underscore)."""
    text = text.strip().lstrip("@")
    while wrapped := _WRAPPED.fullmatch(text):
        text = wrapped.group(2).strip().lstrip("@")
    return text


_WRAPPED = re.compile(r"(\*\*|__|\*|_|`|~~)(.+)\1", re.DOTALL)


def _label(cell: str) -> str:
    """A header as COLUMNS names them: `**Due Date** (UTC)` -> `due date`, `Done?` -> `done`."""
    label = re.sub(r"\([^)]*\)|[*_`]", "", cell).lower()
    return " ".join(re.findall(r"[^\W_]+(?:['’][^\W_]+)?", label))


def _column_by_word(label: str) -> str | None:
    words = label.split()
    if len(words) > 1 and words[-1] == "date":
        return "due" if words[-2] in _DUE_DATE_WORDS else None
    return _COLUMN_WORDS.get(words[-1]) if words else None


_ROW_NUMBER_HEADERS = frozenset({"#", "no", "nr", "num", "number", "id", "ref", "n°"})


def _column_map(header: list[str]) -> dict[str, int]:
    """Field -> column: a header COLUMNS names first, then, for a field still unread, a
    header by its last word (`_COLUMN_WORDS`); the first column of each field wins."""
    labels = [_label(cell) for cell in header]
    found: dict[str, int] = {}
    for column, names in COLUMNS.items():
        named = next((n for n, label in enumerate(labels) if label in names), None)
        if named is not None:
            found[column] = named
    taken = set(found.values())
    for position, label in enumerate(labels):
        by_word = _column_by_word(label)
        if by_word is not None and by_word not in found and position not in taken:
            found[by_word] = position
            taken.add(position)
    if "title" not in found and header:
        # the first column no other field took (`What` in `What | Who | When`), but for a
        # column of row numbers (`#`, `No.`, `ID`: every title was "1", "2", ... R22), else
        # the first: a row is read only with a title
        untaken = [
            n
            for n, cell in enumerate(header)
            if n not in taken and _plain(cell).lower().rstrip(".") not in _ROW_NUMBER_HEADERS
        ]
        found["title"] = untaken[0] if untaken else 0
    return found


def _read_table(lines: list[str], start: int) -> tuple[list[BodyAction], int]:
    header = _cells(lines[start])
    columns = _column_map(header)
    unread = [(n, label) for n, label in enumerate(header) if n not in columns.values()]
    index = start + 2
    rows: list[BodyAction] = []
    while index < len(lines) and "|" in lines[index] and lines[index].strip():
        cells = _cells(lines[index])

        def cell(column: str, cells: list[str] = cells) -> str | None:
            position = columns.get(column)
            if position is None or position >= len(cells):
                return None
            value = cells[position].strip()
            return value if value and value.lower() not in _PLACEHOLDERS else None

        title = cell("title")
        if title:
            # DONE/TODO in another cell (the SRE workbook's Bug column), else in the title's
            # emphasised, first or last: a word within it (`Remove TODO comments`) is the
            # title's, no status (review R15)
            at = columns["title"]
            # struck through as given up (`~~Buy bigger disks~~`, `~~X~~ wontfix`): its
            # DONE/TODO marks are looked for within the strike (`~~TODO Buy disks~~`)
            struck, unstruck = _given_up(title)
            as_written, title = title, unstruck if struck else title
            marked = [m for n, c in enumerate(cells) if n != at and (m := _MARKER.search(c))]
            in_title = None  # a marker elsewhere, or a status given: the title's own
            if not marked and not cell("status"):  # none, or an empty status cell
                found_in = list(_MARKER.finditer(title))
                in_title = next(
                    (
                        m
                        for m in found_in[:1] + found_in[-1:]
                        if m.group(0) != m.group(1) or m.start() == 0 or m.end() == len(title)
                    ),
                    None,
                )
            found = marked[0] if marked else in_title
            marker = found.group(1) if found else None
            status = cell("status") or marker
            answered = _DONE_ANSWERS.get(_plain(status).lower()) if status else None
            # a row struck through is dropped, as a checklist item is ticked or not (R20: it
            # was open, tildes and all, and overdue), unless the row says otherwise: a done
            # date and no word giving it up (struck out when done, D12: done by its date,
            # its title without the tildes, as a checklist's), or a status other than an
            # open word (done, dropped, or unknown: warned of as such), read as written
            reads = answered or (normalize.action_status(_plain(status)) if status else "open")
            if struck and reads == "open" and (struck == "worded" or not cell("done")):
                answered = "dropped"
            elif struck and reads != "open":
                title, in_title = as_written, None
            extra: dict[str, str] = {}
            for n, label in unread:
                if n < len(cells) and cells[n].strip():
                    name = label or f"column {n + 1}"
                    if name in extra:  # two columns of one header: `Notes (column 5)`
                        name = f"{name} (column {n + 1})"
                    extra[name] = cells[n].strip()
            ticket = cell("ticket")
            if ticket:  # `[PLAT-1](https://...) DONE` is PLAT-1, as a checklist reads it
                ticket = _plain(_unlinked(_MARKER.sub("", ticket) if marker else ticket))
                ticket = ticket if ticket and ticket.lower() not in _PLACEHOLDERS else None
            rows.append(
                BodyAction(
                    line=index + 1,
                    title=_unlinked(
                        (title[: in_title.start()] + title[in_title.end() :]).strip() or title
                        if in_title
                        else title
                    ),
                    owner=_plain(cell("owner") or "") or None,
                    due=cell("due"),
                    status=status,
                    ticket=ticket,
                    level=cell("level"),
                    done=cell("done"),
                    extra=extra or None,
                    answered=answered,
                )
            )
        index += 1
    return rows, index
