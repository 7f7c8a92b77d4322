"""One postmortem as a document, and the facts of the load (not numbers, but what a surface
links and shows beside them)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.metrics.db import DbLike, none_if_nan, open_db

__all__ = ["archive_info", "postmortem", "source_file"]

_LISTS = ("services", "categories", "tags", "teams", "authors")


def postmortem(db: DbLike, postmortem_id: str) -> dict[str, Any] | None:
    """One postmortem's metadata and Markdown body (None when no counted postmortem has the id):
    id, path, title, status, severity, services, category, categories, tags, teams, started,
    detected, resolved, postmortem_date, timeline_written, chain_level, authors, fix_count,
    body. Times are timestamps in the archive timezone; lists are lists."""
    frame = open_db(db).query(
        """
        SELECT id, path, title, status, severity, services, category, categories, tags, teams,
               started, detected, resolved, postmortem_date, timeline_written, chain_level,
               authors, fix_count, body
        FROM postmortems WHERE id = $id
        """,
        {"id": postmortem_id},
    )
    if frame.empty:
        return None
    out: dict[str, Any] = {}
    for name, value in frame.iloc[0].to_dict().items():
        key = str(name)
        if key in _LISTS:
            out[key] = [] if value is None else [str(v) for v in value]
        elif isinstance(value, pd.Timestamp):
            out[key] = value
        else:
            out[key] = none_if_nan(value)
    return out


def archive_info(db: DbLike) -> dict[str, str]:
    """The `meta` table as a dict: archive (root folder), timezone, ingested_at,
    postmortems, rejected, parser_version, schema_version, fingerprint."""
    frame = open_db(db).query("SELECT key, value FROM meta ORDER BY key")
    return {str(k): str(v) for k, v in zip(frame["key"], frame["value"], strict=True)}


def source_file(db: DbLike, path: str) -> dict[str, Any] | None:
    """One file as the ingest stored it, loaded or rejected: path, status, sha256, size_bytes,
    errors, warnings, postmortem_id, raw_text (None for a binary file); None when no file
    with that path was read."""
    frame = open_db(db).query(
        """
        SELECT path, status, sha256, size_bytes, errors, warnings, postmortem_id, raw_text
        FROM files WHERE path = $path
        """,
        {"path": path},
    )
    if frame.empty:
        return None
    return {str(k): none_if_nan(v) for k, v in frame.iloc[0].to_dict().items()}
