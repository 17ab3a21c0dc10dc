"""Committed notebooks carry no outputs, define no functions, and have a parameters cell."""

import subprocess

import nbformat
import pytest

from tests.conftest import ROOT


def tracked_notebooks():
    listed = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True)
    paths = [ROOT / p for p in listed.stdout.split()] if listed.returncode == 0 else []
    return paths or sorted((ROOT / "notebooks").rglob("*.ipynb"))


NOTEBOOKS = [p for p in tracked_notebooks() if ".ipynb_checkpoints" not in str(p)]


def test_there_are_notebooks():
    assert any(p.parent.name == "reports" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_outputs_no_definitions(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        assert not cell.outputs and cell.execution_count is None, f"{path.name}: strip outputs"
        for line in cell.source.splitlines():
            assert not line.lstrip().startswith(("def ", "class ", "lambda")), f"{path.name}: {line}"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.parent.name == "reports"], ids=lambda p: p.name)
def test_report_notebooks_have_one_parameters_cell(path):
    notebook = nbformat.read(path, as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_paired_py_percent_twin_matches(path):
    import jupytext

    twin = path.with_suffix(".py")
    assert twin.is_file(), f"{path.name} has no py:percent twin: run `make sync-notebooks`"
    notebook = nbformat.read(path, as_version=4)
    paired = jupytext.read(twin)
    sources = [(c.cell_type, c.source) for c in notebook.cells]
    assert sources == [(c.cell_type, c.source) for c in paired.cells], f"{path.name} and {twin.name} differ: run `make sync-notebooks`"
