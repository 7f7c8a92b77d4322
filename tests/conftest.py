"""Shared fixtures: databases built by the real ingest from small literal archives."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from analytics.ingest import ingest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
METRICS_ARCHIVE = FIXTURES / "metrics_archive"


@pytest.fixture(autouse=True)
def _cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test's own cache folder (lint keeps its database there), never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def metrics_archive() -> Path:
    """The hand-built archive whose expected numbers tests/test_metrics.py works out."""
    return METRICS_ARCHIVE


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory, metrics_archive: Path) -> Path:
    """The metrics fixture archive ingested once per session (treat it as read-only)."""
    db = tmp_path_factory.mktemp("fixture_db") / "postmortems.duckdb"
    ingest(metrics_archive, db)
    return db


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample archive (data/sample-archive) ingested once per session (treat it as
    read-only)."""
    db = tmp_path_factory.mktemp("sample_db") / "postmortems.duckdb"
    ingest(Path(__file__).resolve().parent.parent / "data" / "sample-archive", db)
    return db


@pytest.fixture
def make_db(tmp_path: Path) -> Callable[..., Path]:
    """Build a database from {relative path: Markdown text}; returns the .duckdb path.

    Example: db = make_db({"a.md": "---\\nid: A\\nstarted: 2026-01-01\\n---\\n# A\\n"},
                          timezone="Europe/Berlin")
    """
    counter = 0

    def build(files: Mapping[str, str], *, timezone: str | None = None) -> Path:
        nonlocal counter
        counter += 1
        root = tmp_path / f"archive{counter}"
        root.mkdir()
        if timezone:
            (root / "postmortems.toml").write_text(f'timezone = "{timezone}"\n', encoding="utf-8")
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        db = tmp_path / f"db{counter}.duckdb"
        ingest(root, db)
        return db

    return build
