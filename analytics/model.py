"""What reading one archive file yields: a `Postmortem` with its `ActionItem`s, the `Problem`s
found on the way, and the `ParsedFile` that carries them (plus the file's bytes) to the ingest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Bumped whenever parsing changes what a file yields; a new version re-parses every file.
# (Here rather than in analytics.archive, so the ingest's fingerprint needs no YAML import.)
# 4: names split at commas and de-duplicated after aliases; date-order warnings; blank fixes;
# body actions in numbered lists, under setext headings, with escaped pipes; the id of a file
# whose frontmatter cannot be read.
# 5: numbers YAML 1.1 made of text fields kept as written (`id: 017`, `title: 1:30`); body
# tickets and titles without Markdown link addresses or the trailing owner/due/ticket read
# from them; a rejected file's id defaults to its stem; a heading's closing #s need a space
# before them (`# C#` is "C#").
# 6: a fix's or action's other keys kept (`extra`), a second alias in one item warned
# (`duplicate-key`); files that cannot be read stored as `unreadable-file`; a plain item
# YAML reads as a number or yes is its title as written; no title from a code block; body
# lines split at Markdown line endings only; nothing read in an HTML comment; SEV-2, HTTP-2
# are no tickets. 7: postmortems.toml alias chains end at their last name (the same file
# means other names: every file is read again). 8: a body table's header read by its words
# (`Jira ticket`, `Due Date (UTC)`, `Done?`), its other columns kept in `extra`; template
# placeholders (`TBD`, `<owner>`) in a fix's or action's title, owner, test, ticket read as
# missing with a `placeholder` warning. 9: status words read with a typographic apostrophe
# (`won’t fix`), `-` as a space (`wont-fix`) and a mark (`✅`, `Done ✅`), as body tables
# read them; `abandoned`, `won't do`, `not doing` are dropped. A field's own name wins over
# an alias given too (`started:` over a `date:` above it), not the first of them. 10: a
# status mark with a text-style variation selector (`✔︎`) read; a mark that contradicts its
# word (`❌ done`) is an unknown status (open, with a warning), not the word's. A fix's or
# action's own key wins over an alias above it (`title:` over `summary:`), a filled-in
# value over a blank one first (here and in the frontmatter); an open item
# with a done date is warned (`open-with-done-date`); `missing-started` names a key spelt
# close to `started`; a time's offset of one digit (`12:00 +2`) read. 11: an incident with
# no category or no service is warned (`missing-category`, `missing-services`); status words
# as trackers name their columns read (`Not started`, `Backlog`, `Implemented`, `Rejected`);
# a service, category, team or tag that is a placeholder (`TBD`, `<service>`), a word meaning
# none (`n/a`) or an empty list item is none (it was a name: `tbd`, `none`); keys written
# with spaces or hyphens (`Postmortem Date:`) and a body table's words for an item's fields
# (`deadline:`, `state:`) read; `type: postmortem` is no category; names split at `;`,
# ` / `, ` & `; an owner's leading `@` dropped; body actions also under Actions, Next steps,
# Action plan, Preventive measures; a severity with its label (`P1 - Critical`) read; dates
# as prose writes them (`March 2, 2026`, `2:30 PM`) and zone abbreviations of one offset;
# `*.MD` and `*.markdown` files read; hashtags YAML reads as a comment warned. 12: a date
# read more than one way (`04/03/2026`, `10:00 IST`) says its readings and what to write;
# a checklist's due date in the frontmatter's forms read (`due 20 Mar 2026`); a table's
# DONE/TODO within its title's words is the title's, no status; a checklist item struck
# through (`~~...~~`) is dropped. 13: a body item's done date (a `Completed on` column,
# `done 2026-03-18` in a checklist item); a table row struck through is dropped too; an
# item of a template's blanks alone warned of; two times of different offsets compared
# in a warning are said in the archive's zone; a misspelt key of a field not given warned
# of; a checklist's done date ending it read, one struck and dated done; a table's What
# column the title, a column of row numbers not; a plain-string fix's line its key's; an
# unknown status word near a known one named.
# 14 (R23): an item's `completed_at` (and the other done-date names of a body table's
# columns) its done date; `started_at: null` said on its line, a misspelt started only
# when it holds a date.
# 15 (D14): a camelCase key read by it only where its plain reading names no field
# (`PostMortem Date`); the own id whole (`PM-2026-031`) no ticket, a ticket key's later
# `-031` part of it; missing-started on the empty key's line.
PARSER_VERSION = "15"


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    severity: str  # 'error' | 'warning'
    code: str
    message: str


@dataclass
class ActionItem:
    kind: str  # 'fix' | 'action'
    source: str  # 'frontmatter' | 'body'
    title: str | None
    owner: str | None
    due: date | None
    status: str  # 'open' | 'done' | 'dropped'
    status_raw: str | None
    done: date | None
    level: str | None
    ticket: str | None
    test: str | None
    line: int | None
    # the item's keys the tool does not know, or a second alias of a known one, as YAML
    # read them ({"priority": "high"}); None when there are none
    extra: dict[str, Any] | None = None


@dataclass
class Postmortem:
    id: str
    path: str
    title: str
    status: str | None
    severity: str | None
    severity_rank: int | None
    services: list[str]
    categories: list[str]
    tags: list[str]
    teams: list[str]
    started: datetime
    detected: datetime | None
    resolved: datetime | None
    postmortem_date: datetime | None
    timeline_written: str | None
    chain_level: str | None
    authors: list[str]
    fix_count: int
    body: str
    actions: list[ActionItem]
    original: dict[str, Any]
    extra: dict[str, Any]

    @property
    def category(self) -> str | None:
        return self.categories[0] if self.categories else None


@dataclass
class ParsedFile:
    path: str
    sha256: str
    size_bytes: int
    mtime_ns: int
    raw_text: str | None
    postmortem_id: str | None = None
    postmortem: Postmortem | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(p.severity == "error" for p in self.problems)
