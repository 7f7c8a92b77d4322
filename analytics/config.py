"""The archive's own settings (`postmortems.toml`) and which files below its root are read."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics import normalize

CONFIG_NAME = "postmortems.toml"
DEFAULT_MAX_FILE_BYTES = 1024 * 1024


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


def load_config(root: Path) -> ArchiveConfig:
    """Read `postmortems.toml` at the archive root; defaults when there is none."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return ArchiveConfig()
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    timezone = str(data.get("timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{path}: timezone {timezone!r} is not an IANA timezone name") from exc
    aliases = data.get("aliases", {})
    exclude = data.get("exclude", [])
    if not isinstance(aliases, dict) or not isinstance(exclude, list):
        raise ConfigError(f"{path}: expected `exclude` to be a list and `[aliases]` a table")
    return ArchiveConfig(
        timezone=timezone,
        exclude=tuple(str(pattern) for pattern in exclude),
        max_file_bytes=int(data.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)),
        service_aliases=_alias_map(path, aliases, "service"),
        category_aliases=_alias_map(path, aliases, "category"),
        owner_aliases=_alias_map(path, aliases, "owner"),
        fingerprint=hashlib.sha256(raw).hexdigest(),
    )


def _alias_map(path: Path, aliases: dict[str, object], kind: str) -> dict[str, str]:
    plural = {"service": "services", "category": "categories", "owner": "owners"}[kind]
    table = aliases.get(kind, aliases.get(plural, {}))
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [aliases.{kind}] must map names to names")
    return {normalize.name(k): normalize.name(v) for k, v in table.items()}


@dataclass(frozen=True)
class ArchiveFile:
    path: str  # relative, forward slashes
    absolute: str  # as os.walk gave it (relative to the cwd when the root was)
    size_bytes: int
    mtime_ns: int


def is_excluded_name(name: str) -> bool:
    lowered = name.lower()
    return name.startswith((".", "_")) or lowered.startswith("template")


def iter_archive_files(root: Path, config: ArchiveConfig) -> Iterator[ArchiveFile]:
    """Every `*.md` below root except hidden folders, README.md, `template*`, `_*`, excludes."""
    # Plain strings, not pathlib: at 100k files pathlib was most of an unchanged re-ingest.
    top = os.fspath(root)
    prefix = len(top.rstrip(os.sep)) + 1
    for folder, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not is_excluded_name(d))
        for filename in sorted(filenames):
            if not filename.endswith(".md") or is_excluded_name(filename):
                continue
            if filename.lower() == "readme.md":
                continue
            absolute = os.path.join(folder, filename)
            relative = absolute[prefix:].replace(os.sep, "/")
            if any(fnmatch.fnmatch(relative, pattern) for pattern in config.exclude):
                continue
            stat = os.stat(absolute)
            yield ArchiveFile(relative, absolute, stat.st_size, stat.st_mtime_ns)
