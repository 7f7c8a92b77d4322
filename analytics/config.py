"""The archive's own settings (`postmortems.toml`) and which files below its root are read."""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import os
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics import normalize

CONFIG_NAME = "postmortems.toml"
DEFAULT_MAX_FILE_BYTES = 1024 * 1024
# The metric parameters SPEC calls configurable, with its defaults; `[metrics]` in
# postmortems.toml sets them for the archive (every surface's default), `Filters` per query.
METRIC_DEFAULTS = {"window_days": 180, "pattern_min": 3, "ttp_hours": 72, "action_slo_days": 28}
# a pattern of one incident is every incident (review R19); at most a century (a window of
# 2^63 seconds overflowed in the SQL with a traceback, review D10)
METRIC_LEAST = {"window_days": 1, "pattern_min": 2, "ttp_hours": 1, "action_slo_days": 1}
METRIC_MOST = {
    "window_days": 36_500, "pattern_min": 1_000_000, "ttp_hours": 876_000,
    "action_slo_days": 36_500,
}  # fmt: skip
_METRIC_SAID = {
    "window_days": "days (the recurrence, pattern and fix-outcome window)",
    "pattern_min": "incidents (the fewest that make a pattern)",
    "ttp_hours": "hours (the postmortem deadline)",
    "action_slo_days": "days (the action SLO, from the postmortem date)",
}


class ConfigError(Exception):
    """postmortems.toml cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class ArchiveConfig:
    timezone: str = "UTC"
    exclude: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    service_aliases: dict[str, str] = field(default_factory=dict)
    category_aliases: dict[str, str] = field(default_factory=dict)
    owner_aliases: dict[str, str] = field(default_factory=dict)
    team_aliases: dict[str, str] = field(default_factory=dict)
    # a severity word as written (`severity_word`) -> its SEVn: a platform's own scale
    # (Critical/Major/Minor: minor is SEV4 by SPEC's words, SEV3 on a three-level scale, R23)
    severity_aliases: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, int] = field(default_factory=lambda: dict(METRIC_DEFAULTS))
    fingerprint: str = ""  # sha256 of the config file; a change forces a full re-parse

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def service(self, raw: str) -> str:
        return self.service_aliases.get(raw, raw)

    def category(self, raw: str) -> str:
        return self.category_aliases.get(raw, raw)

    def owner(self, raw: str) -> str:
        return self.owner_aliases.get(raw, raw)

    def team(self, raw: str) -> str:
        return self.team_aliases.get(raw, raw)

    def severity(self, raw: Any) -> tuple[str, int]:
        """A severity as written -> ('SEV3', 3), by [aliases.severity] first; ValueError."""
        mapped = self.severity_aliases.get(severity_word(raw))
        return normalize.severity(mapped if mapped is not None else raw)


SETTINGS = ("timezone", "exclude", "max_file_bytes", "aliases", "metrics")
ALIAS_KINDS = {
    "service": "services",
    "category": "categories",
    "owner": "owners",
    "team": "teams",
}


def archive_root(folder: Path) -> Path | None:
    """The archive `folder` is in: the nearest folder at or above it with a postmortems.toml
    or a .git (an archive laid out by team has its files in subfolders); None when none is."""
    start = folder.resolve()
    marked = (
        f for f in (start, *start.parents) if (f / CONFIG_NAME).is_file() or (f / ".git").exists()
    )
    return next(marked, None)


def settings_above(folder: Path) -> Path | None:
    """The folder above `folder` whose postmortems.toml makes it the archive `folder` is a
    part of (`archive/2026` of `archive`), not crossing the top of a git repository; None
    when `folder` has its own, or none is above. Read as an archive of its own, a team's or
    a year's folder lost the archive's timezone, aliases and excludes without a word
    (review R15). A .git alone does not count: a repository that holds an archive in one
    folder and docs in others is no archive at its top."""
    start = folder.resolve()
    if (start / CONFIG_NAME).is_file() or (start / ".git").exists():
        return None
    for parent in start.parents:
        if (parent / CONFIG_NAME).is_file():
            return parent
        if (parent / ".git").exists():
            return None
    return None


def load_config(root: Path) -> ArchiveConfig:
    """Read `postmortems.toml` at the archive root; defaults when there is none. A setting
    this file does not know, or a value of the wrong kind, is a ConfigError: a misspelt
    `timezone` would make every naive time UTC without a word."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return ArchiveConfig()
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    _misplaced_metrics(path, data, "")
    _known(path, data, SETTINGS, "setting")
    timezone = data.get("timezone", "UTC")
    if not isinstance(timezone, str):
        raise ConfigError(f'{path}: timezone must be a text such as "Europe/Berlin"')
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{path}: timezone {timezone!r} is not an IANA timezone name") from exc
    exclude = data.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(p, str) for p in exclude):
        raise ConfigError(f'{path}: exclude must be a list of globs, such as ["drafts/*"]')
    max_bytes = data.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ConfigError(
            f"{path}: max_file_bytes must be a whole number of bytes above 0, such as 1048576 "
            f"(1 MiB), not {max_bytes!r}"
        )
    aliases = data.get("aliases", {})
    if not isinstance(aliases, dict):
        raise ConfigError(f"{path}: [aliases] must be a table, such as [aliases.service]")
    _misplaced_metrics(path, aliases, "in [aliases]")
    tables = (*ALIAS_KINDS, *ALIAS_KINDS.values(), "severity", "severities")
    _known(path, aliases, tables, "alias table", "aliases.")
    return ArchiveConfig(
        timezone=timezone,
        exclude=tuple(exclude),
        max_file_bytes=max_bytes,
        service_aliases=_alias_map(path, aliases, "service"),
        category_aliases=_alias_map(path, aliases, "category"),
        owner_aliases=_alias_map(path, aliases, "owner"),
        team_aliases=_alias_map(path, aliases, "team"),
        severity_aliases=_severity_map(path, aliases),
        metrics=_metric_settings(path, data.get("metrics", {})),
        fingerprint=hashlib.sha256(raw).hexdigest(),
    )


def _known(
    path: Path, table: dict[str, object], known: tuple[str, ...], what: str, prefix: str = ""
) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {prefix}{close[0]}? " if close else ""
            raise ConfigError(
                f"{path}: unknown {what} {prefix}{key}; {hint}"
                f"known: {', '.join(prefix + k for k in known)}"
            )


def _misplaced_metrics(path: Path, table: dict[str, object], where: str) -> None:
    """`window_days = 90` with its [metrics] line still commented out lands at the top or in
    the table above it (an alias map): say where it belongs, not that it is no name."""
    for key in table:
        if key in METRIC_DEFAULTS:
            raise ConfigError(
                f"{path}: {key} is a metric setting, but it is {where or 'at the top'}: it "
                "belongs below a [metrics] line (is that line still commented out?)"
            )


def _metric_settings(path: Path, table: object) -> dict[str, int]:
    """`[metrics]`: the archive's metric parameters, each a whole number within
    METRIC_LEAST..METRIC_MOST; the ones not given keep SPEC's default."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [metrics] must be a table, such as [metrics] window_days = 90")
    for key in table:
        if key in SETTINGS:  # `exclude = [...]` added at the end of the file, below [metrics]
            raise ConfigError(
                f"{path}: {key} is a setting of the file's top, but it is in [metrics]: it "
                "belongs above the [metrics] line"
            )
    _known(path, table, tuple(METRIC_DEFAULTS), "metric setting", "metrics.")
    for key, value in table.items():
        least, most = METRIC_LEAST[key], METRIC_MOST[key]
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
            written = str(value).lower() if isinstance(value, bool) else repr(value)
            raise ConfigError(
                f"{path}: metrics.{key} must be a whole number from {least} to {most:,}, in "
                f"{_METRIC_SAID[key]}, such as {METRIC_DEFAULTS[key]}, not {written}"
            )
    return {**METRIC_DEFAULTS, **table}


def _alias_map(path: Path, aliases: dict[str, object], kind: str) -> dict[str, str]:
    plural = ALIAS_KINDS[kind]
    if kind in aliases and plural in aliases:
        raise ConfigError(f"{path}: give [aliases.{kind}] or [aliases.{plural}], not both")
    written = kind if kind in aliases else plural  # as the file names the table
    table = aliases.get(written, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [aliases.{written}] must map names to names")
    _misplaced_metrics(path, table, f"in [aliases.{written}]")
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip() or "," in value:
            raise ConfigError(
                f'{path}: [aliases.{kind}] {key} must map to one name, such as "{key}-api", '
                f"not {value!r}"
            )
    named = {normalize.name(k): normalize.name(v) for k, v in table.items()}
    return {key: _final_name(path, kind, named, key) for key in named}


def _severity_map(path: Path, aliases: dict[str, object]) -> dict[str, str]:
    """[aliases.severity]: a word as written -> a severity (`minor = "SEV3"`)."""
    if "severity" in aliases and "severities" in aliases:
        raise ConfigError(f"{path}: give [aliases.severity] or [aliases.severities], not both")
    written = "severity" if "severity" in aliases else "severities"
    table = aliases.get(written, {})
    if not isinstance(table, dict):
        raise ConfigError(f'{path}: [aliases.{written}] must map words to severities ("SEV3")')
    _misplaced_metrics(path, table, f"in [aliases.{written}]")
    mapped: dict[str, str] = {}
    for key, value in table.items():
        try:
            if isinstance(value, (dict, list)):
                raise ValueError(value)
            sev, _ = normalize.severity(value)
        except ValueError:
            raise ConfigError(
                f'{path}: [aliases.{written}] {key} must map to a severity, such as "SEV3" or '
                f"3, not {value!r}"
            ) from None
        word = severity_word(key)
        if mapped.get(word, sev) != sev:  # `Minor = "SEV3"` and `minor = "SEV4"` (D14)
            raise ConfigError(
                f"{path}: [aliases.{written}] names {word!r} twice, as {mapped[word]} and {sev}"
            )
        mapped[word] = sev
    return mapped


def severity_word(value: Any) -> str:
    """A severity word as [aliases.severity] matches it: any case, runs of spaces, `_` and
    `-` as one (`Customer_Facing` is `customer facing`)."""
    return _SEVERITY_SEPARATORS.sub(" ", str(value)).strip().lower()


_SEVERITY_SEPARATORS = re.compile(r"[\s_-]+")


def _final_name(path: Path, kind: str, named: dict[str, str], key: str) -> str:
    """Where a chain of aliases ends (`checkout` -> `checkout-api` -> `checkout-svc`, as a
    service renamed twice is written): one step only split one service in two, and the
    names stored under the middle one could be chosen by no filter. A cycle stops the
    ingest."""
    seen = [key]
    while (following := named.get(seen[-1], seen[-1])) != seen[-1]:
        if following in seen:
            cycle = " -> ".join([*seen[seen.index(following) :], following])
            raise ConfigError(f"{path}: [aliases.{kind}] goes round in a circle: {cycle}")
        seen.append(following)
    return seen[-1]


def _exclude_variants(pattern: str) -> list[str]:
    """As .gitignore has it, `**/` also matches no folder: `**/*.wip.md` matches `x.wip.md`
    at the root, `a/**/b.md` matches `a/b.md`."""
    variants = [pattern]
    if pattern.startswith("**/"):
        variants.append(pattern[3:])
    if "/**/" in pattern:
        variants += [v.replace("/**/", "/") for v in list(variants)]
    return variants


class ArchiveFile(NamedTuple):
    path: str  # relative, forward slashes
    absolute: str  # below the root as given (relative to the cwd when the root was)
    size_bytes: int
    mtime_ns: int


def _storable(path: str) -> str:
    """A path with bytes that are not UTF-8 (`caf\xe9.md` written in Latin-1: Python holds
    them as lone surrogates, which no UTF-8 column can store and which stopped the ingest)
    with those bytes written as `\xe9`; the file is still read by its real name."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def is_markdown_name(name: str) -> bool:
    """`*.md` in any case, and `*.markdown`: `PM-12.MD` and `pm.markdown` were skipped
    without a word (review R12)."""
    return name.lower().endswith(_MARKDOWN_SUFFIXES)


def markdown_stem(path: str) -> str:
    """A file's name without its folder and its Markdown extension: a postmortem's default id."""
    name = path.rsplit("/", 1)[-1]
    for suffix in _MARKDOWN_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


_MARKDOWN_SUFFIXES = (".md", ".markdown")


def is_excluded_name(name: str) -> bool:
    lowered = name.lower()
    return name.startswith((".", "_")) or lowered.startswith("template")


def iter_archive_files(root: Path, config: ArchiveConfig) -> Iterator[ArchiveFile]:
    """Every `*.md` (any case) and `*.markdown` below root except hidden folders, README.md,
    `template*`, `_*`, excludes.

    In path order as `os.walk` gives it: a folder's files (sorted), then its subfolders.
    """
    # Plain strings and os.scandir, not pathlib or os.walk + os.stat: listing is most of an
    # unchanged re-ingest (100k files).
    top = os.fspath(root)
    prefix = len(top.rstrip(os.sep)) + 1
    excluded = _exclude_matcher(config.exclude)
    return _walk(top, prefix, excluded)


def _exclude_matcher(patterns: tuple[str, ...]) -> Callable[[str], object] | None:
    """One regex for every `exclude` pattern: matches what any `fnmatch(path, pattern)` would."""
    if not patterns:
        return None
    joined = "|".join(
        f"(?:{fnmatch.translate(os.path.normcase(variant))})"
        for pattern in patterns
        for variant in _exclude_variants(pattern)
    )
    return re.compile(joined).match


def _walk(
    folder: str, prefix: int, excluded: Callable[[str], object] | None
) -> Iterator[ArchiveFile]:
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:
        return  # as os.walk: a folder that cannot be listed is skipped
    folders = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        name = entry.name
        if is_dir:
            if not is_excluded_name(name):
                folders.append(entry)
            continue
        if not is_markdown_name(name) or is_excluded_name(name) or name.lower() == "readme.md":
            continue
        absolute = entry.path
        relative = absolute[prefix:]
        if os.sep != "/":
            relative = relative.replace(os.sep, "/")
        if not relative.isascii():
            relative = _storable(relative)
        if excluded is not None and excluded(os.path.normcase(relative)):
            continue
        try:
            stat = entry.stat()
        except OSError:  # a broken or looping symlink: the link's own times; the ingest
            # stores it as an unreadable file (archive.read_archive_file)
            try:
                stat = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # gone since it was listed
        yield ArchiveFile(relative, absolute, stat.st_size, stat.st_mtime_ns)
    for entry in folders:
        if not entry.is_symlink():  # as os.walk: symlinked folders are not followed
            yield from _walk(entry.path, prefix, excluded)
