"""Small literal postmortem archives for tests: write files into tmp_path, parse, query."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from analytics.archive import ParsedFile, Postmortem, parse_file
from analytics.config import ArchiveConfig

# The two keys recurrence is matched on. A fixture without them gets a `missing-category`
# and a `missing-services` warning; add these at the end of its frontmatter (its other
# lines keep their numbers) when a test is about its other problems.
RECURRENCE_KEYS = "category: deployment-pipeline\nservices: [checkout-api]\n"
MISSING_KEYS = ("missing-category", "missing-services")


def postmortem(
    pm_id: str = "PM-1",
    started: str = "2026-03-02T14:05:00Z",
    extra: str = "",
    body: str = "# A title\n",
) -> str:
    """One minimal valid postmortem; `extra` is more frontmatter lines (ending in newline)."""
    return f"---\nid: {pm_id}\nstarted: {started}\n{extra}---\n{body}"


def set_mtime(path: Path, seconds: int) -> None:
    """Give a file this mtime (whole seconds), as a touch or a copy would."""
    os.utime(path, ns=(seconds * 10**9, seconds * 10**9))


def write_archive(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write {relative path: text or bytes} below root; returns root."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
    return root


def parse(
    text: str | bytes, config: ArchiveConfig | None = None, path: str = "pm.md"
) -> ParsedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_file(path, data, 0, config or ArchiveConfig())


def load(text: str, config: ArchiveConfig | None = None) -> Postmortem:
    """Parse a file that must load; fails the test with its problems otherwise."""
    parsed = parse(text, config)
    assert parsed.postmortem is not None, parsed.problems
    return parsed.postmortem


def without_missing_keys(parsed: ParsedFile) -> ParsedFile:
    """The parsed file without its `missing-category` and `missing-services` warnings, for
    a test of its other problems where giving the fixture both keys would move the lines it
    checks. They must be its last problems: the others keep the order they had."""
    others = [p for p in parsed.problems if p.code not in MISSING_KEYS]
    assert parsed.problems[: len(others)] == others, parsed.problems
    return dataclasses.replace(parsed, problems=others)


def codes(parsed: ParsedFile) -> list[tuple[str, str]]:
    return [(p.code, p.severity) for p in parsed.problems]


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
