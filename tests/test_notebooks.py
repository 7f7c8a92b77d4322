"""Every notebook runs headless, top to bottom, against a database of the sample archive;
the committed notebooks carry no outputs and open with what they answer and their parameters."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from analytics.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SAMPLE = ROOT / "data" / "sample-archive"
NAMES = ("monthly_review", "deployment_pipeline_repeats", "adhoc_queries")


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("notebooks") / "postmortems.duckdb"
    ingest(SAMPLE, db)
    return db


def test_every_notebook_is_tested() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_clean_and_opens_with_parameters(name: str) -> None:
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(book)
    intro, parameters = book.cells[0], book.cells[1]
    assert intro.cell_type == "markdown" and "**What it answers:**" in intro.source
    assert parameters.cell_type == "code" and "parameters" in parameters.metadata.get("tags", [])
    assert 'os.environ.get("POSTMORTEMS_DB", "../data/postmortems.duckdb")' in parameters.source
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, name


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_without_errors(
    name: str, sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTMORTEMS_DB", str(sample_db))
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        book,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:  # the failing cell and its traceback
        pytest.fail(f"{name}.ipynb: {exc}", pytrace=False)
    outputs = [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert len(outputs) >= 8  # tables and charts, not an empty run
