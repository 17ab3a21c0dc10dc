"""Export an executed report notebook to stakeholder HTML.

No code, no prompts, no script or font loaded from the internet (nbconvert's
lab template would fetch require.js, MathJax and mermaid from a CDN), a title
with company and period, and a table of contents built from the report's
section headings. Charts are PNGs inlined by nbconvert as ``data:`` URIs.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from custlab.exceptions import RunError, SetupError
from custlab.report.html import csp_meta

TOC_MARKER = "<!-- custlab:toc -->"
_HEADING = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)
_EXTERNAL = re.compile(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', re.I)


def _template_dir() -> str:
    return str(resources.files("custlab.report").joinpath("templates"))


def table_of_contents(body: str) -> str:
    """An ordered list linking every ``<h2>`` section of ``body``."""
    items = []
    for anchor, inner in _HEADING.findall(body):
        text = re.sub(r"<[^>]+>", "", inner).replace("¶", "").strip()
        items.append(f'<li><a href="#{anchor}">{html.escape(html.unescape(text))}</a></li>')
    if not items:
        return ""
    return '<nav class="custlab-toc"><strong>Contents</strong><ol>' + "".join(items) + "</ol></nav>"


def notebook_to_html(notebook: nbformat.NotebookNode, title: str, subtitle: str = "") -> str:
    """Render an executed notebook as a self-contained stakeholder page.

    Parameters
    ----------
    notebook : NotebookNode
        The executed report notebook.
    title, subtitle : str
        Shown at the top and in the browser tab (escaped).

    Returns
    -------
    str
        The HTML text.
    """
    exporter = HTMLExporter(
        template_name="custlab",
        extra_template_basedirs=[_template_dir()],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    remover = TagRemovePreprocessor(remove_cell_tags=("remove-cell",), enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    notebook = nbformat.from_dict(notebook)
    notebook.metadata["title"] = title
    try:
        body, _ = exporter.from_notebook_node(notebook, resources={"custlab": {"title": title, "subtitle": subtitle, "csp_meta": csp_meta()}})
    except ValueError as exc:
        if "No template sub-directory" not in str(exc):
            raise
        raise SetupError(f"nbconvert's HTML templates are not installed where Jupyter looks ({str(exc).splitlines()[0]}); "
                         "reinstall nbconvert in this environment") from None
    return body.replace(TOC_MARKER, table_of_contents(body), 1)


def external_references(page: str) -> list[str]:
    """Tags in ``page`` that would load something from the network."""
    return [match.group(0) for match in _EXTERNAL.finditer(page)]


def export_html(notebook_path: Path, html_path: Path, title: str, subtitle: str = "", max_bytes: int = 5_000_000) -> int:
    """Export ``notebook_path`` to ``html_path``; return the page's size in bytes.

    Raises
    ------
    RunError
        If the page would load anything from the internet, or exceeds ``max_bytes``.
    """
    page = notebook_to_html(nbformat.read(notebook_path, as_version=4), title, subtitle)
    external = external_references(page)
    if external:
        raise RunError(f"{html_path.name}: the report would load from the internet: {external[0]}")
    data = page.encode("utf-8")
    if len(data) > max_bytes:
        raise RunError(f"{html_path.name}: report is {len(data):,} bytes, over the {max_bytes:,}-byte budget")
    html_path.write_bytes(data)
    return len(data)
