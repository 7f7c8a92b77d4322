"""Read one archive file into one normalised `Postmortem` plus the `Problem`s found on the way.

A file with any error-severity problem yields no postmortem (it is left out of the metrics,
never half-counted); its bytes are still returned so the ingest can store them. The records
are in `analytics.model`, the YAML frontmatter loading in `analytics.frontmatter`, reading a
field (and the fix and action items) in `analytics.archive_fields`; the records are
re-exported here, so `from analytics.archive import ParsedFile, Problem, ...` keeps working.
"""

from __future__ import annotations

import difflib
import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from analytics import normalize
from analytics.archive_fields import (
    ACTION_ALIASES,
    FieldReader,
    as_list,
    field_of,
    filled,
    is_blank,
    is_blank_item,
    is_placeholder,
    key_name,
    key_names,
    read_action,
    read_body_actions,
    read_level,
    takes_over,
    why_read,
)
from analytics.body import first_heading
from analytics.config import ArchiveConfig, markdown_stem
from analytics.frontmatter import (
    ALIAS_EXPANSION_BOUND,
    FrontmatterError,
    read_frontmatter,
    split_frontmatter,
)
from analytics.model import PARSER_VERSION, ActionItem, ParsedFile, Postmortem, Problem

__all__ = [
    "ACTION_ALIASES",
    "ALIASES",
    "ALIAS_EXPANSION_BOUND",
    "PARSER_VERSION",
    "ActionItem",
    "ParsedFile",
    "Postmortem",
    "Problem",
    "parse_file",
    "read_archive_file",
    "split_frontmatter",
    "to_json",
    "unreadable_file",
]


ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "incident_id", "key"),
    "title": ("title",),
    "status": ("status",),
    "severity": ("severity", "sev", "priority"),
    "services": ("services", "service", "affected_services", "components"),
    "category": (
        "category",
        "categories",
        "type",
        "root_cause_category",
        "incident_category",
        "cause_category",
    ),
    "tags": ("tags", "labels"),
    "teams": ("teams", "team", "owner_team"),
    "started": ("started", "start", "started_at", "incident_start", "incident_date", "date"),
    "detected": ("detected", "detected_at"),
    "resolved": ("resolved", "resolved_at", "ended", "end", "incident_end"),
    "postmortem_date": (
        "postmortem_date",
        "postmortem_at",
        "written",
        "written_at",
        "published",
        "published_at",
        "review_date",
        "reviewed_at",
    ),
    "timeline_written": ("timeline_written", "timeline"),
    "chain_level": ("chain_level", "root_level", "level"),
    "authors": ("authors", "participants", "people"),
    "fix": ("fix",),
    "actions": ("actions", "action_items", "follow_ups", "followups"),
}
_KEY_OF = {alias: key for key, aliases in ALIASES.items() for alias in aliases}


def read_archive_file(absolute: str, limit: int = -1) -> bytes | str:
    """The file's bytes (its first `limit`, when given), or why it cannot be read: a broken
    or looping symlink, a FIFO, socket or device (never opened to wait for a writer), no
    permission. Never raises for the file, so that one such file cannot stop an ingest."""
    try:
        fd = os.open(absolute, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO's open would block
    except OSError as exc:
        return _unreadable_reason(absolute, exc)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "it is not a regular file (a FIFO, socket or device), expected a Markdown file"
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit)
    except OSError as exc:
        return _unreadable_reason(absolute, exc)
    finally:
        os.close(fd)


def _unreadable_reason(absolute: str, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it is a symlink that leads back to itself (a loop)"
    if os.path.islink(absolute) and not os.path.exists(absolute):
        return f"it is a symlink to {os.readlink(absolute)}, which does not exist"
    return f"it cannot be opened: {exc.strerror or exc}"


def unreadable_file(path: str, reason: str, mtime_ns: int) -> ParsedFile:
    """A file that could not be read (`read_archive_file`'s reason): stored, rejected."""
    parsed = ParsedFile(path, hashlib.sha256(b"").hexdigest(), 0, mtime_ns, None)
    parsed.postmortem_id = markdown_stem(path)
    parsed.problems.append(Problem(path, None, "error", "unreadable-file", reason))
    return parsed


def parse_file(path: str, data: bytes, mtime_ns: int, config: ArchiveConfig) -> ParsedFile:
    """Parse one file's bytes. Never raises for anything the file contains."""
    parsed = ParsedFile(path, hashlib.sha256(data).hexdigest(), len(data), mtime_ns, None)

    def reject(code: str, message: str, line: int | None = None) -> ParsedFile:
        where = f"line {line}: " if line else ""
        parsed.problems.append(Problem(path, line, "error", code, where + message))
        # no id could be read: the file's stem, as a file without an id gets (schema.md)
        parsed.postmortem_id = parsed.postmortem_id or markdown_stem(path)
        return parsed

    if len(data) > config.max_file_bytes:
        kept = data[: config.max_file_bytes]
        parsed.raw_text = None if b"\x00" in kept else kept.decode("utf-8", "replace")  # binary
        parsed.postmortem_id = _declared_id(parsed.raw_text, path)
        return reject(
            "file-too-large",
            f"file is {len(data):,} bytes, over the {config.max_file_bytes:,}-byte bound "
            "(raise max_file_bytes in postmortems.toml if it is real)",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 BOM: text, in another encoding
        return reject(
            "not-utf8", "file is UTF-16 text; expected UTF-8 text: save the file as UTF-8"
        )
    if b"\x00" in data:
        return reject("binary-file", "file holds NUL bytes: a binary file, expected Markdown text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        parsed.raw_text = data.decode("utf-8", "replace")
        parsed.postmortem_id = _declared_id(parsed.raw_text, path)
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return reject(
            "not-utf8",
            f"byte 0x{data[exc.start]:02X} at column {column} (offset {exc.start} in the file) "
            "is not UTF-8; expected UTF-8 text: save the file as UTF-8",
            line,
        )
    text = text.replace("\r\n", "\n")
    parsed.raw_text = text
    if not text.strip():
        return reject("empty-file", "file is empty; expected YAML frontmatter between `---` lines")
    if text.split("\n", 1)[0].rstrip() != "---":
        if text.lstrip().startswith("---"):  # blank lines (or a BOM's spaces) before it
            return reject(
                "frontmatter-missing",
                "blank lines before the opening `---`: the frontmatter's `---` must be the "
                "file's first line; delete what is above it",
                1,
            )
        return reject(
            "frontmatter-missing",
            "file does not start with a `---` line; expected YAML frontmatter between `---` lines",
            1,
        )
    split = split_frontmatter(text)
    if split is None:
        parsed.postmortem_id = _id_in_text(text, path)
        return reject(
            "frontmatter-unclosed",
            "frontmatter opened with `---` is never closed; expected a `---` line after its "
            "last `key: value` line, before the Markdown body",
            1,
        )
    yaml_text, body, body_line = split
    try:
        meta, lines, repeats = read_frontmatter(yaml_text)
    except FrontmatterError as exc:
        parsed.postmortem_id = _id_in_text(yaml_text, path)
        return reject(exc.code, exc.message, exc.line)
    postmortem, problems = _build(path, meta, body, body_line, lines, config, yaml_text, repeats)
    parsed.problems.extend(problems)
    parsed.postmortem_id = postmortem.id if postmortem else _fallback_id(path, meta)
    if postmortem is not None and not parsed.rejected:
        parsed.postmortem = postmortem
    return parsed


def _offset_name(moment: datetime) -> str:
    """`UTC`, `UTC+05:30`, `UTC-04:00`: the offset a time was written with."""
    offset = moment.utcoffset()
    if not offset:
        return "UTC"
    minutes = round(offset.total_seconds() / 60)
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _date_only(value: Any) -> bool:
    """A date without a time: a YAML date, or text such as 2026-03-04."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return True
    return isinstance(value, str) and bool(_DAY.fullmatch(value.strip()))


_DAY = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}")


def _id_in_text(text: str, path: str) -> str:
    """The id of a file whose frontmatter could not be read: an `id:` (or alias) line at
    the start of a line, else the file's stem, as a file without an id gets (a link to
    the postmortem, or the Data quality page, can then name it)."""
    head = text.split("\n\n", 1)[0]  # an unclosed frontmatter's, not the body's `Key: ...`
    found = _ID_LINE.search(head)
    value = found.group(1).strip().strip("'\"") if found else ""
    return value or markdown_stem(path)


def _declared_id(text: str | None, path: str) -> str | None:
    """The `id:` line of a file rejected before its frontmatter was read (not UTF-8, too
    large), so a link to it by id finds it; None without a frontmatter (the stem then)."""
    if text is None or text.lstrip("\ufeff").split("\n", 1)[0].rstrip() != "---":
        return None
    split = split_frontmatter(text.lstrip("\ufeff").replace("\r\n", "\n"))
    return _id_in_text(split[0] if split else text, path)


_ID_LINE = re.compile(  # a `#` starts a comment only after a space: INC#42 is an id
    r"^[\"']?(?:"
    + "|".join(re.escape(alias).replace("_", "[ _-]?") for alias in ALIASES["id"])
    + r")[\"']?[ \t]*:[ \t]*(.*?)(?:[ \t]+#.*)?[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)


def _fallback_id(path: str, meta: dict[str, Any]) -> str:
    for key, value in meta.items():  # as the id is read: `incident_id`, `incidentId` (D14)
        if value not in (None, "") and field_of(_KEY_OF, key) == "id":
            return str(value).strip()
    return markdown_stem(path)


_HASHTAG = re.compile(r"#[^\s#]")


def _warn_hashtags(meta: dict[str, Any], reader: FieldReader) -> None:
    """`tags: #db #outage` is an empty key: YAML reads the hashtags as a comment (review
    R12). Not a template's `teams:  # fill in`, a comment with its space."""
    rows = reader.yaml_text.split("\n")
    for raw_key, value in meta.items():
        line = reader.lines.get(str(raw_key))
        if value is not None or line is None or not 2 <= line <= len(rows) + 1:
            continue
        _, colon, rest = rows[line - 2].partition(":")
        if colon and _HASHTAG.match(rest.strip()):
            reader.problem(
                "warning",
                "yaml-comment",
                f"`{raw_key}:` is empty: YAML reads `{rest.strip()}` as a comment; quote "
                f"it (`{raw_key}: '{rest.strip()}'`) or leave out the #",
                str(raw_key),
            )


def _canonical(
    meta: dict[str, Any], reader: FieldReader
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """Map aliases to canonical keys; -> (values, canonical key -> key as written, the
    unknown keys' values)."""
    values: dict[str, Any] = {}
    written: dict[str, str] = {}
    extra: dict[str, Any] = {}
    _warn_hashtags(meta, reader)
    for raw_key, value in meta.items():
        key = field_of(_KEY_OF, raw_key)
        if key == "category" and _is_document_kind(raw_key, value):
            # `type: postmortem` says what the file is: read as a category it made
            # repeats and patterns of every incident of a service (review R12)
            reader.problem(
                "warning",
                "type-not-category",
                f"`{raw_key}: {value}` names the document's kind, not the incident's "
                "category: not read as its category (kept with its other keys)",
                str(raw_key),
            )
            key = None
        if key is None:
            extra[str(raw_key)] = value
            continue
        if key in values:
            # a filled-in value over a blank one (an empty `started:` below a `date:`
            # rejected the file), else the field's own name over an alias wherever each is
            # (a template's `date:` above a real `started:` moved the start), else the first
            new = takes_over(key, raw_key, value, written[key], values[key])
            kept, dropped = (str(raw_key), written[key]) if new else (written[key], str(raw_key))
            kept_value, dropped_value = (value, values[key]) if new else (values[key], value)
            reader.problem(
                "warning",
                "duplicate-key",
                f"`{dropped}` and `{kept}` both mean {key}; `{kept}` is used "
                f"({why_read(key, kept, kept_value, dropped_value)})",
                dropped,
            )
            if new:
                values[key] = value
                written[key] = str(raw_key)
            continue
        values[key] = value
        written[key] = str(raw_key)
    for raw_key, value in extra.items():
        meant = _misspelt(raw_key, value, values)
        if meant:
            reader.problem(
                "warning",
                "unknown-key",
                f"`{raw_key}` is no field of a postmortem: kept with its other keys "
                f"(`extra`); did you mean `{meant}`?",
                raw_key,
            )
    return values, written, extra


_NEAR = 0.85  # difflib's ratio from which an unknown key may be a field's name misspelt
_DATE_FIELDS = frozenset({"detected", "resolved", "postmortem_date"})


def _misspelt(raw_key: str, value: Any, values: dict[str, Any]) -> str | None:
    """The name an unknown key misspells (`resovled:` -> `resolved`, `serivces:`), of a
    field the file does not give otherwise (R22: it went without a word, and the time to
    postmortem counted from started), else None. Not a name of its own that extends one
    (`statuses`, `coauthors`, `published_by`, `unresolved`), nor one of a date field whose
    value is no date (`resolver: alice`), nor `started`'s (its missing-started error names
    it, D13)."""
    if field_of(_KEY_OF, raw_key):
        return None  # an alias set aside on purpose (`type: postmortem`)
    _, plain, camel = key_names(raw_key)
    for name in dict.fromkeys((plain, camel)):  # `resovled:`, `resolvdAt:`
        close = difflib.get_close_matches(name, _KEY_OF, 1, _NEAR)
        if close:
            break
    if not close or close[0] in name or name in close[0]:
        return None
    field = _KEY_OF[close[0]]
    if field == "started" or not is_blank(values.get(field)):
        return None
    return close[0] if field not in _DATE_FIELDS or _reads_as_date(value) else None


def _reads_as_date(value: Any) -> bool:
    """A date or time, or what is meant as one though not read (`13/03/2026`, D14)."""
    if isinstance(value, date):
        return True
    try:
        normalize.instant(value, UTC)
    except (ValueError, OverflowError, TypeError):
        return isinstance(value, str) and _DATE_SHAPE.search(value) is not None
    return True


_DATE_SHAPE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


# What `type:` says when it names the kind of document, not a category
_DOCUMENT_KINDS = frozenset({
    "postmortem", "postmortems", "post-mortem", "post-incident-review", "pir", "incident",
    "incident-report", "incident-review", "retrospective", "retro", "rca", "report", "review",
})  # fmt: skip


def _is_document_kind(raw_key: Any, value: Any) -> bool:
    return (
        key_name(raw_key) == "type"
        and isinstance(value, str)
        and normalize.name(value) in _DOCUMENT_KINDS
    )


def _build(
    path: str,
    meta: dict[str, Any],
    body: str,
    body_line: int,
    lines: dict[str, int],
    config: ArchiveConfig,
    yaml_text: str = "",
    repeats: Sequence[tuple[str, int, int]] = (),
) -> tuple[Postmortem | None, list[Problem]]:
    reader = FieldReader(path, config, lines, yaml_text)
    values, written, extra = _canonical(meta, reader)
    aliased = {key: raw for key, raw in written.items() if raw != key}
    if aliased:  # lines are found by canonical key: add them under it
        reader.lines = {**lines, **{key: lines.get(raw, 0) for key, raw in aliased.items()}}
        canonical = {raw: key for key, raw in aliased.items()}
        for name, line in lines.items():  # each item's line (`follow_ups.7` as `actions.7`)
            raw, dot, index = name.rpartition(".")
            if dot and raw in canonical:
                reader.lines[f"{canonical[raw]}.{index}"] = line
    original: dict[str, Any] = {}

    pm_id = reader.text("id", values.get("id")) or markdown_stem(path)
    title = reader.text("title", values.get("title")) or first_heading(body) or pm_id
    status = reader.text("status", values.get("status"))

    sev, sev_rank = None, None
    if values.get("severity") not in (None, ""):
        try:
            sev, sev_rank = config.severity(values["severity"])
        except ValueError as exc:
            reader.problem(
                "warning",
                "unknown-severity",
                f"`severity`: {exc}; counted as severity unknown (the value as written is "
                "kept with the postmortem's original values; a scale of your own can be "
                "mapped in postmortems.toml's [aliases.severity])",
                "severity",
            )
            original["severity"] = values["severity"]

    # aliased, then de-duplicated: [checkout, checkout-api] with checkout = "checkout-api" is
    # one service, not two rows of it (which double-counted the per-service numbers)
    services = list(
        dict.fromkeys(config.service(s) for s in reader.names("services", values.get("services")))
    )
    categories = list(
        dict.fromkeys(config.category(c) for c in reader.names("category", values.get("category")))
    )
    tags = reader.names("tags", values.get("tags"))
    teams = list(dict.fromkeys(config.team(t) for t in reader.names("teams", values.get("teams"))))
    authors = [
        part.strip()
        for a in as_list(values.get("authors"))
        if not isinstance(a, (dict, list))
        for part in str(a).split(",")
        if part.strip()
    ]

    started = reader.instant("started", values.get("started"))
    if values.get("started") in (None, ""):
        # a misspelt key (`strated:`, `started_on:`) is kept as an unknown one: name it, if
        # it holds a date (R23: `started_at: null` was told "did you mean `incident_url`")
        close = [
            key
            for key, value in extra.items()
            if difflib.get_close_matches(key.strip().lower(), ALIASES["started"], n=1, cutoff=0.7)
            and _reads_as_date(value)
        ]
        given = written.get("started")  # the key given empty: its name and line
        what = f"`{given}` (read as `started`)" if given and given != "started" else "`started`"
        what += " is empty" if given else " is missing or empty"
        hint = ""
        if close:  # on the empty key's line, where there is one, naming the other's (D14)
            near = reader.line(close[0]) if given else None
            hint = f"; did you mean `{close[0]}`{f' (line {near})' if near else ''} as `started`?"
        reader.problem(
            "error",
            "missing-started",
            f"{what}; it is required (when the incident began), "
            f"e.g. started: 2026-03-02T14:05:00Z{hint}",
            given or (close[0] if close else "started"),
        )

    def optional_instant(key: str) -> datetime | None:
        """A date the incident may lack: a template's blank left in (`YYYY-MM-DD`, `TBD`) is
        none, with a warning (as an error it left the incident out of every count)."""
        value = values.get(key)
        if isinstance(value, str) and filled(reader, key, value, key) is None:
            return None
        return reader.instant(key, value)

    detected = optional_instant("detected")
    resolved = optional_instant("resolved")
    written_at = optional_instant("postmortem_date")

    def shown(key: str, moment: datetime, other: datetime) -> str:
        """A time as the message names it beside `other`, the one it is compared with; a
        date without a time says it is read as 00:00 (on the day of a later time it is
        before it, and the hours between are negative). Two times of different offsets are
        both said in the archive's zone, with how one of another offset was written: as
        written, `13:29Z` read "before" a plain 13:27 of New York's zone (R21)."""
        if _date_only(values.get(key)):
            return f"{moment:%Y-%m-%d}, a date without a time: 00:00"
        if moment.utcoffset() == other.utcoffset():
            return f"{moment:%Y-%m-%d %H:%M}"
        local = moment.astimezone(config.tz)
        said = f"{local:%Y-%m-%d %H:%M} {config.timezone}"
        if local.utcoffset() != moment.utcoffset():  # the date too: it may differ (D12)
            said += f", written {moment:%Y-%m-%d %H:%M} {_offset_name(moment)}"
        return said

    if started and resolved and resolved < started:
        reader.problem(
            "warning",
            "resolved-before-started",
            f"`resolved` ({shown('resolved', resolved, started)}) is before `started` "
            f"({shown('started', started, resolved)}); check both",
            "resolved",
        )
    if started and detected and detected < started:
        reader.problem(
            "warning",
            "detected-before-started",
            f"`detected` ({shown('detected', detected, started)}) is before `started` "
            f"({shown('started', started, detected)}); check both",
            "detected",
        )
    ended = resolved or started
    if ended and written_at and written_at < ended:
        since = "resolved" if resolved else "started"
        reader.problem(
            "warning",
            "postmortem-before-resolved",
            f"`postmortem_date` ({shown('postmortem_date', written_at, ended)}) is before "
            f"`{since}` ({shown(since, ended, written_at)}): its hours to postmortem are "
            "negative and count as on time; check the dates (give the time it was written)",
            "postmortem_date",
        )

    timeline = None
    if values.get("timeline_written") not in (None, ""):
        timeline = normalize.timeline(values["timeline_written"])
        if timeline is None:
            reader.problem(
                "warning",
                "unknown-timeline",
                f"`timeline_written` is {values['timeline_written']!r}; expected during or after",
                "timeline_written",
            )

    chain_level = read_level(reader, "chain_level", values.get("chain_level"), "chain_level")

    fixes_raw = values.get("fix")
    if fixes_raw is not None and not isinstance(fixes_raw, (dict, list, str)):
        reader.problem(
            "error",
            "wrong-type",
            f"`fix` is {normalize.yaml_kind(fixes_raw)}, expected a mapping (summary, level, "
            "owner, due, test, status) or a list of them",
            "fix",
        )
        fixes_raw = None
    fix_items = _filled_items(reader, "fix", as_list(fixes_raw))
    actions = [read_action(reader, "fix", item, f"fix.{i}") for i, item in fix_items]
    actions_raw = values.get("actions")
    if actions_raw is not None and not isinstance(actions_raw, list):
        if not isinstance(actions_raw, str):
            reader.problem(
                "error",
                "wrong-type",
                f"`actions` is {normalize.yaml_kind(actions_raw)}, expected a list (of mappings "
                "or plain strings)",
                "actions",
            )
        actions_raw = [actions_raw] if isinstance(actions_raw, str) else []
    action_items = _filled_items(reader, "actions", actions_raw or [])
    actions += [read_action(reader, "action", item, f"actions.{i}") for i, item in action_items]
    if not action_items:
        actions += read_body_actions(reader, body, body_line, pm_id)

    for key in (
        "severity",
        "services",
        "category",
        "tags",
        "teams",
        "chain_level",
        "timeline_written",
    ):
        raw_value = values.get(key)
        if raw_value is not None and key not in original:
            normal: Any = {
                "severity": sev,
                "services": services,
                "category": categories,
                "tags": tags,
                "teams": teams,
                "chain_level": chain_level,
                "timeline_written": timeline,
            }[key]
            if normal != raw_value and not (isinstance(normal, list) and normal == [raw_value]):
                original[key] = raw_value

    # the frontmatter's repeated keys, warned here so that the two warnings below stay last
    for key, first, line in repeats:  # YAML keeps the last one silently
        reader.problems.append(
            Problem(
                path,
                line,
                "warning",
                "duplicate-key",
                f"line {line}: `{key}` is given again (first on line {first}); the last is used",
            )
        )
    # Recurrence keys on both: without them the incident counts in every total but can
    # never repeat or be repeated, be in a pattern (without services, only in its
    # category's), or have a fix outcome, and nothing said so (review R8). A warning, not an
    # error: the rest of its numbers stand. Last of the file's problems (a rejected file's
    # too), so that the others keep their order.
    # a rejected file's incident is in no number yet: said so (review D6)
    rejected = started is None or any(p.severity == "error" for p in reader.problems)
    counts = "once the file loads, the incident will count" if rejected else "the incident counts"
    for key, found, pattern, example in (
        ("category", categories, "a pattern", "category: deployment-pipeline"),
        (
            "services",
            services,
            "a service's pattern (only in its category's)",
            "services: [checkout-api]",
        ),
    ):
        if not found:
            reader.problem(
                "warning",
                f"missing-{key}",
                f"no `{key}`: {counts}, but can never repeat another or be "
                f"repeated, be in {pattern}, or have a fix that held or recurred "
                f"(expected e.g. `{example}`)",
                key if key in values else None,
            )
    if started is None:
        return None, reader.problems
    return (
        Postmortem(
            id=pm_id,
            path=path,
            title=title,
            status=status.lower() if status else None,
            severity=sev,
            severity_rank=sev_rank,
            services=services,
            categories=categories,
            tags=tags,
            teams=teams,
            started=started,
            detected=detected,
            resolved=resolved,
            postmortem_date=written_at,
            timeline_written=timeline,
            chain_level=chain_level,
            authors=authors,
            fix_count=len(fix_items),
            body=body,
            actions=actions,
            original=original,
            extra=extra,
        ),
        reader.problems,
    )


def _filled_items(reader: FieldReader, key: str, items: list[Any]) -> list[tuple[int, Any]]:
    """The items that are not blank (`is_blank_item`), by their place in the YAML list (a
    blank one is skipped: the others keep their lines). One of a template's placeholders
    alone (`summary: TBD`, `owner: <owner>`) is warned of: it was skipped without a word,
    and only lint's "no fix" said where the fix had gone (R20)."""
    kept = []
    for index, item in enumerate(items):
        if not is_blank_item(item):
            kept.append((index, item))
            continue
        values = item.items() if isinstance(item, dict) else [(None, item)]
        blanks = [
            f"`{value.strip()}`" if name is None else f"`{name}: {value.strip()}`"
            for name, value in values
            if isinstance(value, str) and is_placeholder(value.strip())
        ]
        if blanks:
            read_as = "read as no fix" if key == "fix" else "not read as an action"
            reader.problem(
                "warning",
                "placeholder",
                f"`{key}` item is a template's blanks ({', '.join(blanks)}): {read_as}; "
                "fill it in or delete it",
                # `fix: TBD` has no item line: the key's (D12)
                f"{key}.{index}" if f"{key}.{index}" in reader.lines else key,
            )
    return kept


def to_json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
