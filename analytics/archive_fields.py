"""The fields of one archive file as they are read: `FieldReader` normalises a value and
records the file's problems with their lines; the fix and action items (frontmatter
mappings or strings, body checklists and tables) become `ActionItem`s. Used by
`analytics.archive`, which reads the whole file."""

from __future__ import annotations

import difflib
import re
from datetime import UTC, date, datetime
from typing import Any

import yaml

from analytics import normalize
from analytics.body import body_actions
from analytics.config import ArchiveConfig
from analytics.model import ActionItem, Problem

__all__ = [
    "ACTION_ALIASES",
    "FieldReader",
    "as_list",
    "field_of",
    "is_blank",
    "is_blank_item",
    "is_placeholder",
    "read_action",
    "read_body_actions",
    "read_level",
]

ACTION_ALIASES: dict[str, tuple[str, ...]] = {
    # after SPEC's names, the words a body table's header is read by (body.COLUMNS), so
    # that `deadline:` or `state:` means in an item what it means in a table (review R12:
    # a fix's `deadline` and `state: done` were set aside, and it counted open, undated)
    "title": ("title", "summary", "action", "description", "task", "item", "action_item"),
    "owner": ("owner", "assignee", "responsible", "assigned_to"),
    "due": ("due", "due_date", "deadline", "due_by", "target_date", "eta"),
    "status": ("status", "state"),
    # a body table's done-date columns' names too, and an export's `completed_at` (R23: an
    # incident platform's export wrote it, and every done date was set aside unread)
    "done": (
        "done",
        "closed",
        "completed",
        "done_at",
        "closed_at",
        "completed_at",
        "done_on",
        "completed_on",
        "closed_on",
        "done_date",
        "completed_date",
        "closed_date",
        "date_done",
        "date_completed",
        "date_closed",
        "resolved_at",
    ),  # fmt: skip
    "level": ("level",),
    "ticket": ("ticket", "issue", "bug", "link", "jira", "ticket_url", "issue_url"),
    "test": ("test", "verification", "testable"),
}
_ACTION_KEY_OF = {alias: key for key, aliases in ACTION_ALIASES.items() for alias in aliases}


class FieldReader:
    """Collects the problems of one file while its fields are normalised."""

    def __init__(
        self, path: str, config: ArchiveConfig, lines: dict[str, int], yaml_text: str = ""
    ) -> None:
        self.path = path
        self.config = config
        self.lines = lines
        self.yaml_text = yaml_text
        self.problems: list[Problem] = []

    def problem(self, severity: str, code: str, message: str, key: str | None = None) -> None:
        """`key`: where the problem is, a top-level key ('resolved'), an item ('actions.2')
        or a field of an item as written ('actions.2/due_date')."""
        line = self.line(key) if key else None
        where = f"line {line}: " if line else ""
        self.problems.append(Problem(self.path, line, severity, code, where + message))

    def line(self, key: str) -> int | None:
        """The file line of `key` (see `problem`). A field's line is looked up in the text,
        only when a problem needs it: the item's last `field:` line at its own keys' indent
        (block style; YAML keeps the last of a repeated key, and deeper lines are a nested
        mapping's or a block scalar's), else the item's first line (a `{...}` item)."""
        item, _, field = key.partition("/")
        start = self.lines.get(item)
        if not field or start is None:
            return start
        rows = self.yaml_text.split("\n")  # file line n is rows[n - 2], after the `---`
        end = min((line for line in self.lines.values() if line > start), default=len(rows) + 2)
        indent: int | None = None  # the item's keys' column, from its first line
        found = start
        for number in range(start, min(end, len(rows) + 2)):
            row = rows[number - 2]
            text = row.lstrip(" ")
            column = len(row) - len(text)
            if text.startswith("- ") and indent is None:  # "- key: ...": the keys start after
                column, text = column + 2 + len(text[2:]) - len(text[2:].lstrip(" ")), text[2:]
                text = text.lstrip(" ")
            if not text or text.startswith("#"):
                continue
            if indent is None:
                indent = column
            if column != indent:
                continue
            name, colon, _ = text.partition(":")
            if colon and name.strip().strip("'\"") == field:
                found = number
        return found

    def instant(self, key: str, value: Any) -> datetime | None:
        if value is None or value == "":
            return None
        try:
            moment = normalize.instant(value, self.config.tz)
            moment.astimezone(UTC)  # stored in UTC: 9999-12-31T23:00-05:00 is past year 9999
        except (ValueError, OverflowError) as exc:
            what = (
                "out of the range of dates (years 1 to 9999, in UTC)"
                if isinstance(exc, OverflowError)
                else "not a date"
            )
            if isinstance(value, (bool, int, float)):  # `resolved: 10:15` is 615 to YAML
                value = self._written(key, value) or value
            expected = normalize.date_advice(
                exc, "2026-03-02T14:05:00Z, 2026-03-02 14:05 or 2026-03-02"
            )
            self.problem("error", "invalid-date", f"`{key}` is {value}, {what} ({expected})", key)
            return None
        if self.config.timezone != "UTC" and moment.tzinfo is self.config.tz:
            found = normalize.wall_time_problem(value, self.config.tz)
            if found:
                self.problem("warning", found[0], f"`{key}`: {found[1]}", key)
        return moment

    def day(self, key: str, value: Any, line_key: str) -> date | None:
        if value is None or value == "":
            return None
        if isinstance(value, str) and filled(self, key, value, line_key) is None:
            return None  # `due: TBD`, `due: YYYY-MM-DD`: a placeholder warning
        try:
            return normalize.local_date(value, self.config.tz)
        except (ValueError, OverflowError) as exc:
            # An action's `due: TBD` should not cost the whole postmortem: warn, leave it empty.
            expected = normalize.date_advice(exc, "2026-03-20")
            self.problem(
                "warning",
                "invalid-date",
                f"`{key}` is {value}, not a date; left empty ({expected})",
                line_key,
            )
            return None

    def names(self, key: str, value: Any) -> list[str]:
        """Normalised names. Of services, category and teams, a word meaning none (`n/a`,
        `unknown`) is none, and a template's blank (`TBD`, `<service>`) none with a
        `placeholder` warning: either was a service or category of its own, making repeats
        and patterns of incidents nobody had named. Tags are kept as written."""

        def is_name(text: str) -> bool:
            if text.lower() in _NONE_WORDS:
                return False
            if _NAME_PLACEHOLDER.fullmatch(text):
                self.problem(
                    "warning",
                    "placeholder",
                    f"`{key}` is `{text}`, a template placeholder: read as no {key}; fill it "
                    "in or delete it",
                    key,
                )
                return False
            return True

        try:
            return normalize.name_list(value, keep=None if key == "tags" else is_name)
        except ValueError as exc:
            self.problem("error", "wrong-type", f"`{key}`: {exc}", key)
            return []

    def text(self, key: str, value: Any, line_key: str | None = None) -> str | None:
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            self.problem(
                "error",
                "wrong-type",
                f"`{key}` is {normalize.yaml_kind(value)}, expected text",
                line_key or key,
            )
            return None
        if isinstance(value, (bool, int, float)):
            # YAML 1.1 read `test: yes` as True, `id: 017` as 15, `title: 1:30` as 90
            return self._written(line_key or key, value) or str(value)
        return str(value).strip()

    def _written(self, key: str, value: Any) -> str | None:
        """The value of a block-style `field: value` line as written, when the line is the
        field's own (its key or an alias of it) and its text alone reads as `value`: not a
        `{...}` item's first line, an anchor, an alias or a tag. Else None."""
        line = self.line(key)
        rows = self.yaml_text.split("\n")
        if line is None or not 2 <= line <= len(rows) + 1:
            return None
        name, colon, rest = rows[line - 2].strip().removeprefix("- ").partition(":")
        field = key.rpartition("/")[2] if "/" in key else key  # as written in an item
        names = _names_of(field)
        if not colon or not any(n in names for n in key_names(name.strip().strip("'\""))):
            return None
        written = rest.split(" #", 1)[0].strip()
        if not written or written[0] in "&*!{[|>'\"":
            return None
        try:
            read = yaml.load(written, Loader=yaml.SafeLoader)  # safe: no object construction
        except yaml.YAMLError:
            return None
        return written if type(read) is type(value) and read == value else None

    def written_item(self, key: str, value: Any) -> str:
        """A plain list item YAML read as a number, yes/no or a date (`- 017`, `- 1:30`,
        `- yes`) as its text: as written on its `- ` line when that text alone reads as
        `value`, else as Python writes the value."""
        line = self.line(key)
        rows = self.yaml_text.split("\n")
        if line is not None and 2 <= line <= len(rows) + 1:
            row = rows[line - 2].strip()
            written = row.removeprefix("- ").split(" #", 1)[0].strip()
            if row.startswith("- ") and written and written[0] not in "&*!{[|>'\"":
                try:
                    read = yaml.load(written, Loader=yaml.SafeLoader)  # safe: no objects
                except yaml.YAMLError:
                    read = None
                if type(read) is type(value) and read == value:
                    return written
        return str(value)


def _names_of(field: str) -> tuple[str, ...]:
    """The keys a top-level field may be written as (`id`: incident_id, key); an item's
    field is looked up as written."""
    from analytics.archive import ALIASES  # archive imports this module

    return ALIASES.get(field, (field.lower(),))


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def read_level(reader: FieldReader, key: str, value: Any, line_key: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return normalize.level(value)
    except ValueError as exc:
        reader.problem("warning", "unknown-level", f"`{key}`: {exc}", line_key)
        return None


# every status word a file may use, by what it counts as: the unknown-status message's
STATUS_WORDS = "; ".join(
    ", ".join(w for w, s in normalize.ACTION_STATUS.items() if s == status) + f" -> {status}"
    for status in ("open", "done", "dropped")
)


def _status(reader: FieldReader, kind: str, raw: Any, done: date | None, line_key: str) -> str:
    if raw in (None, ""):
        return "done" if done else "open"
    status = normalize.action_status(raw)
    if status is None:
        # a word spelt nearly as a known one says which (`in progres`: R22 found the whole
        # list of words to read through)
        close = difflib.get_close_matches(str(raw).strip().lower(), normalize.ACTION_STATUS, 1, 0.8)
        near = f"did you mean {close[0]!r} ({normalize.ACTION_STATUS[close[0]]})? " if close else ""
        reader.problem(
            "warning",
            "unknown-status",
            f"{kind} status {raw!r} is not known; counted as open ({near}expected {STATUS_WORDS})",
            line_key,
        )
        return "open"
    return status


def is_blank(value: Any) -> bool:
    """Nothing, empty, a word meaning none or a template placeholder (`TBD`, `<owner>`)."""
    if isinstance(value, (list, dict)):
        return not value
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return not text or text.lower() in _NONE_WORDS or is_placeholder(text)


def is_blank_item(item: Any) -> bool:
    """A fix or action with nothing filled in but an open status: `postmortems new`'s
    skeleton (`summary:`, `owner:` ... `status: open`) is no fix yet, not an unleveled one;
    so is a copied template's item of placeholders alone (`summary: TBD`, `owner: <owner>`),
    which would otherwise also hide the body's real action items."""
    if not isinstance(item, dict):
        return is_blank(item)
    title = item.get("title") or item.get("summary")  # the common case, quickly
    if isinstance(title, str) and not is_blank(title):
        return False
    status: Any = None
    for key, value in item.items():  # keys as read_action reads them: any case, aliases
        if field_of(_ACTION_KEY_OF, key) == "status":
            status = value
        elif not is_blank(value):
            return False
    return is_blank(status) or normalize.action_status(status) == "open"


# A value that says there is none: read as no value, without a word (`ticket: n/a`).
_NONE_WORDS = frozenset({"-", "--", "—", "–", "n/a", "none", "nobody", "unknown"})
# A template's blank left in: read as no value, with a warning (a copied template's fix was
# "owned" by `<owner>` and "testable" by `TBD`, so no discipline flag said otherwise).
# `<owner>`, `<team name>`; not an autolink, an address or a mention (`<https://...>`,
# `<alice@example.com>`, `<@U024BE7LH>`: a `:`, `@` or `.` inside). Of a name (a service,
# category or team) the same blanks but `todo` and `fixme`, which a service may be called,
# and a date's.
_NAME_BLANKS = r"tbd|tbc|tba|x{3,}|\?+|\.{3}|…|<[^<>:@.]*>|\{\{[^{}]*\}\}"
_NAME_PLACEHOLDER = re.compile(_NAME_BLANKS, re.IGNORECASE)
_PLACEHOLDER = re.compile(_NAME_BLANKS + r"|todo|to do|fixme|yyyy-mm-dd", re.IGNORECASE)


def is_placeholder(text: str) -> bool:
    """Is `text` (stripped) a template's blank left in?"""
    return _PLACEHOLDER.fullmatch(text) is not None


def filled(
    reader: FieldReader, field: str, value: str | None, line_key: str, *, row: bool = False
) -> str | None:
    """`value`, or None for a word meaning none or a template placeholder (a warning).
    `row`: the value is a body row's title, and a row without one is not read. `field` is
    named in the message; its last part is what it is read as having none of."""
    if value is None:
        return None
    text = value.strip()
    if text.lower() in _NONE_WORDS:
        return None
    if is_placeholder(text):
        what = field.split(".")[-1].replace("_", " ")
        read_as = "the row is not read as an action" if row else f"read as no {what}"
        reader.problem(
            "warning",
            "placeholder",
            f"`{field}` is `{text}`, a template placeholder: {read_as}; fill it in or delete it",
            line_key,
        )
        return None
    return value


def key_name(key: Any) -> str:
    """A key as the alias tables spell it: any case, spaces and hyphens as underscores
    (`Postmortem Date`, `chain-level`: templates write them so, and they were unknown
    keys, their values set aside without a word; review R12)."""
    return _KEY_SEPARATORS.sub("_", str(key).strip()).lower()


def key_names(key: Any) -> tuple[str, ...]:
    """The names a key may be read by, in order: as written, `key_name`'s, then a camelCase
    word as two (`startedAt`, `completedAt`, `dueDate`: as JSON exports of incident
    platforms write them, R23); the plain reading first, so that `PostMortem Date` and
    `TimeLine` stay `postmortem_date` and `timeline` (D14)."""
    text = str(key)
    return (text, key_name(text), key_name(_CAMEL.sub("_", text.strip())))


def field_of(names: dict[str, str], key: Any) -> str | None:
    """The field `key` names in `names` (name -> field) by any of its `key_names`."""
    return next((names[name] for name in key_names(key) if name in names), None)


_KEY_SEPARATORS = re.compile(r"[\s-]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])")
_named = key_name


def takes_over(key: str, raw_key: Any, value: Any, old_key: Any, old_value: Any) -> bool:
    """Whether `raw_key: value` is read for `key` instead of `old_key: old_value`, given
    before it (two names of one field): a filled-in value over a blank one (an empty
    `owner:` below `assignee: alice` lost the owner), else the field's own name over an
    alias (`title:` over a template's `summary:` above it), else the first."""
    if is_blank(value) != is_blank(old_value):
        return not is_blank(value)
    return _named(raw_key) == key != _named(old_key)


def why_read(key: str, read_key: Any, read_value: Any, other_value: Any) -> str:
    """The reason `takes_over` gives for the name read: for a duplicate-key warning."""
    if is_blank(read_value) != is_blank(other_value):
        return "the one filled in"
    return "the field's own name" if _named(read_key) == key else "the first"


def read_action(reader: FieldReader, kind: str, item: Any, line_key: str) -> ActionItem:
    if isinstance(item, str):
        item = {"title": item}
    elif isinstance(item, (bool, int, float, date)):  # a plain item YAML read as a value
        item = {"title": reader.written_item(line_key, item)}  # (rejected the whole file)
    if not isinstance(item, dict):
        reader.problem(
            "error",
            "wrong-type",
            f"`{kind}` item is {normalize.yaml_kind(item)}, expected a mapping",
            line_key,
        )
        item = {}
    fields: dict[str, Any] = {}
    at: dict[str, str] = {}  # field -> its problems' place: the item's key as written
    written: dict[str, Any] = {}  # field -> its key as written
    extra: dict[str, Any] = {}  # kept, never lost: unknown keys, and a second alias
    for raw_key, value in item.items():
        key = field_of(_ACTION_KEY_OF, raw_key)
        if not key:
            extra[str(raw_key)] = value
            continue
        if key not in fields:
            fields[key] = value
            at[key] = f"{line_key}/{raw_key}"
            written[key] = raw_key
            continue
        # two names of one field: the one takes_over chooses is read, as in the
        # frontmatter; the other is kept in `extra`
        new = takes_over(key, raw_key, value, written[key], fields[key])
        read, kept = (raw_key, written[key]) if new else (written[key], raw_key)
        read_value, kept_value = (value, fields[key]) if new else (fields[key], value)
        extra[str(kept)] = kept_value
        if new:
            fields[key] = value
            at[key] = f"{line_key}/{raw_key}"
            written[key] = raw_key
        reader.problem(
            "warning",
            "duplicate-key",
            f"`{kind}` item has both `{read}` and `{kept}` for its {key}: `{read}` is read "
            f"({why_read(key, read, read_value, kept_value)}), `{kept}` is kept with the "
            "item's other keys (`extra`)",
            f"{line_key}/{raw_key}",
        )
    done_raw = fields.get("done")
    done = (
        None
        if isinstance(done_raw, bool)
        else reader.day(f"{kind}.done", done_raw, at.get("done", line_key))
    )

    def text(field: str) -> str | None:
        where = at.get(field, line_key)
        return filled(
            reader,
            f"{kind}.{field}",
            reader.text(f"{kind}.{field}", fields.get(field), where),
            where,
        )

    owner = text("owner")
    if owner and owner.startswith("@") and len(owner) > 1:
        owner = owner[1:]  # `owner: '@alice'` is alice, as a body row's @alice is (R12)
    # the status as written: `status: yes` is "yes", not YAML's True; none is written
    # for `done: yes` alone (it was stored as a status "done" the file never had)
    status_raw = fields.get("status")
    if isinstance(status_raw, (bool, int, float)):
        status_raw = reader._written(at["status"], status_raw) or str(status_raw)
    status = (
        "done"
        if done_raw is True and status_raw in (None, "")
        else _status(reader, kind, status_raw, done, at.get("status", line_key))
    )
    # an open status word with a done date (an unknown word is warned as such already)
    if status == "open" and done is not None and normalize.action_status(status_raw) == "open":
        _warn_open_with_done(reader, f"`{kind}`", status_raw, done, at.get("status", line_key))
    return ActionItem(
        kind=kind,
        source="frontmatter",
        title=text("title"),
        owner=reader.config.owner(normalize.name(owner)) if owner else None,
        due=reader.day(f"{kind}.due", fields.get("due"), at.get("due", line_key)),
        status=status,
        status_raw=None if status_raw in (None, "") else str(status_raw),
        done=done,
        level=read_level(reader, f"{kind}.level", fields.get("level"), at.get("level", line_key)),
        ticket=text("ticket"),
        test=text("test"),
        # `fix: Add a canary` has no item line: its key's (R22)
        line=reader.lines.get(line_key) or reader.lines.get(line_key.partition(".")[0]),
        extra=extra or None,
    )


def _warn_open_with_done(
    reader: FieldReader, kind: str, status_raw: Any, done: date, line_key: str
) -> None:
    reader.problem(
        "warning",
        "open-with-done-date",
        f"{kind} item's status is {str(status_raw)!r} (open) but it has a done date "
        f"({done.isoformat()}); counted as open (set its status to done, or remove the date)",
        line_key,
    )


def read_body_actions(
    reader: FieldReader, body: str, body_line: int, own_id: str = ""
) -> list[ActionItem]:
    items: list[ActionItem] = []
    for found in body_actions(body, own_id):
        line = body_line + found.line - 1
        key = f"body.{line}"
        reader.lines[key] = line
        title = filled(reader, "action.title", found.title, key, row=True)
        if title is None:  # a template's example row (`| TBD | <owner> | ... |`)
            continue
        owner = filled(reader, "action.owner", found.owner, key)
        extra = found.extra
        dates: dict[str, date | None] = {"due": None, "done": None}
        for field, written in (("due", found.due), ("done", found.done)):
            if not written or not filled(reader, f"action.{field}", written, key):
                continue
            try:
                dates[field] = normalize.local_date(written, reader.config.tz)
            except (ValueError, OverflowError) as exc:  # 9999-12-31T23:00-05:00 (D12)
                expected = normalize.date_advice(exc, "2026-03-02")
                reader.problem(
                    "warning",
                    "invalid-date",
                    f"action {field} {written!r} is not a date ({expected}); "
                    f"the action is kept without a {field} date (the cell in `extra`)",
                    key,
                )
                extra = {**(extra or {}), field: written}
        due, done = dates["due"], dates["done"]
        level = None
        if found.level:
            try:
                level = normalize.level(found.level)
            except ValueError:  # template "type" columns (mitigate/prevent) are no chain
                extra = {**(extra or {}), "level": found.level}  # levels: kept, no warning
        written_status = found.answered or found.status
        status = _status(reader, "action", written_status, done, key)
        # an open status word (an unticked box) with a done date; an unknown word is
        # warned of as such already
        if status == "open" and done and normalize.action_status(written_status) == "open":
            _warn_open_with_done(reader, "action", found.status, done, key)
        items.append(
            ActionItem(
                kind="action",
                source="body",
                title=title,
                owner=reader.config.owner(normalize.name(owner)) if owner else None,
                due=due,
                status=status,
                status_raw=found.status,
                done=done,
                level=level,
                ticket=filled(reader, "action.ticket", found.ticket, key),
                test=None,
                line=line,
                extra=extra,
            )
        )
    return items
