"""The notebooks custlab ships, and editable copies of them for analysts.

The report notebook the scheduler runs and the research notebooks are package
data (``custlab.notebooks``): an installed custlab needs no source checkout.
:func:`copy_notebooks` writes copies an analyst can open in JupyterLab and edit,
with their ``config`` and ``period`` parameters pointing at the analyst's data.
"""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path

import nbformat

from custlab.exceptions import SetupError


def notebooks_folder() -> Path:
    """The folder of the shipped notebooks (``notebooks/`` of a checkout, ``custlab/notebooks`` of an install)."""
    return Path(str(resources.files("custlab.notebooks")))


def report_notebook() -> Path:
    """The report notebook ``custlab report`` runs unless given another."""
    return notebooks_folder() / "reports" / "customer_report.ipynb"


def shipped_notebooks() -> list[Path]:
    """Every shipped notebook, relative to :func:`notebooks_folder`."""
    folder = notebooks_folder()
    return sorted(p.relative_to(folder) for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def set_parameters(notebook: nbformat.NotebookNode, values: dict[str, str]) -> list[str]:
    """Set the defaults of string parameters in the cell tagged ``parameters``, keeping their comments.

    Returns the names that were set (a notebook without one of them keeps its own).
    """
    changed = []
    for cell in notebook.cells:
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        for name, value in values.items():
            pattern = re.compile(rf'^({re.escape(name)}\s*:\s*str\s*=\s*)"[^"\n]*"', re.M)
            cell.source, count = pattern.subn(lambda m: m.group(1) + json.dumps(value), cell.source)
            if count:
                changed.append(name)
    return changed


def copy_notebooks(out: str | Path, config: str | Path | None = None, period: str | None = None) -> list[Path]:
    """Copy the shipped notebooks to ``out`` (``reports/`` kept as a subfolder), without outputs.

    Parameters
    ----------
    out : path
        Folder to write; existing notebooks of the same name are replaced.
    config : path, optional
        The company's custlab.toml: every notebook's ``config`` parameter is set
        to its absolute path.
    period : str, optional
        ``YYYY-MM`` or ``YYYY-Qn`` for every notebook's ``period`` parameter.

    Returns
    -------
    list of Path
        The notebooks written.

    Raises
    ------
    SetupError
        When ``out`` cannot be written.
    """
    values = {}
    if config is not None:
        values["config"] = str(Path(config).resolve())
    if period is not None:
        values["period"] = period
    written = []
    try:
        for relative in shipped_notebooks():
            target = Path(out) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if values:
                notebook = nbformat.read(notebooks_folder() / relative, as_version=4)
                set_parameters(notebook, values)
                nbformat.write(notebook, target)
            else:
                shutil.copyfile(notebooks_folder() / relative, target)
            written.append(target)
    except OSError as exc:
        raise SetupError.from_os_error(exc, "copying the notebooks") from None
    return written
