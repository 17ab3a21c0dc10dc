"""The one rendering path from data to HTML: every value escaped, whatever its type.

Everything a report shows that came from data or config (customer ids and
names, regions, products, quarantined values, tier policies, the company's name
and currency) reaches the page through :func:`escape`, :func:`table` or
:func:`paragraph`: no table is rendered by pandas' Styler (which escapes nothing
unless told, and under pandas 3 sees text as ``str``, not ``object``) and no
text is pasted into markup unescaped. Pages carry :data:`CONTENT_SECURITY_POLICY`,
which forbids scripts altogether (the account index allows its one inline script
by hash), so a payload that slipped through would still not run.
"""

from __future__ import annotations

import base64
import hashlib
import html as _html
import re
from collections.abc import Callable, Mapping

import pandas as pd

from custlab.report.format import NUMERIC_KINDS, default_kind, formatter

#: No network, no plugins, no forms, no scripts; inline styles and ``data:`` images only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
#: A link target: a relative path of safe characters (never ``javascript:``, never another site).
_SAFE_HREF = re.compile(r"^(?![a-zA-Z][a-zA-Z0-9+.-]*:)[A-Za-z0-9_./#-]+$")


def escape(value: object) -> str:
    """Any value as text safe inside an element or a quoted attribute."""
    return _html.escape(str(value), quote=True)


def csp_meta(scripts: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy ``<meta>`` tag; ``scripts`` are inline scripts allowed by their hash."""
    policy = CONTENT_SECURITY_POLICY
    if scripts:
        hashes = " ".join(
            "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'" for s in scripts
        )
        policy = policy.replace("script-src 'none'", f"script-src {hashes}")
    return f'<meta http-equiv="Content-Security-Policy" content="{escape(policy)}">'


def safe_href(href: str | None) -> str | None:
    """``href`` when it is a relative link of safe characters, else None (the cell is shown unlinked)."""
    if href and _SAFE_HREF.match(href):
        return href
    return None


def paragraph(text: str, css_class: str = "") -> str:
    """A ``<p>`` of escaped text."""
    attribute = f' class="{escape(css_class)}"' if css_class else ""
    return f"<p{attribute}>{escape(text)}</p>"


def bullets(lines: list[str]) -> str:
    """Escaped sentences as a bulleted list."""
    return "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def _cell(text: str, numeric: bool, href: str | None = None, style: str = "") -> str:
    body = escape(text)
    if href:
        body = f'<a href="{escape(href)}">{body}</a>'
    attributes = ' class="num"' if numeric else ' class="txt"'
    if style:
        attributes += f' style="{escape(style)}"'
    return f"<td{attributes}>{body}</td>"


def table(
    frame: pd.DataFrame,
    kinds: Mapping[str, str | Callable] | None = None,
    *,
    currency: str = "",
    index: str | None = None,
    links: Mapping[str, pd.Series] | None = None,
    cell_styles: Mapping[str, pd.Series] | None = None,
    right: tuple[str, ...] = (),
    empty: str = "Nothing to show.",
) -> str:
    """An HTML table of ``frame``: every header and cell formatted, then escaped.

    Parameters
    ----------
    frame : DataFrame
        Columns are shown under their names, which must be readable headers.
    kinds : mapping, optional
        Column -> kind (``money``, ``percent``, ``count``... see
        :func:`custlab.report.format.formatter`) or a function value -> text.
        Other columns get a kind from their dtype.
    currency : str
        For ``money`` columns.
    index : str, optional
        Show the index as the first column under this header (None hides it).
    links : mapping, optional
        Column -> Series of relative link targets aligned with ``frame`` (None
        where a cell has no link); unsafe targets are dropped. A frame may
        carry its own in ``frame.attrs["links"]`` (the customer lists link each
        id to its account sheet).
    cell_styles : mapping, optional
        Column -> Series of CSS declarations aligned with ``frame`` (e.g. a
        background shade computed from the numbers).
    right : tuple of str
        Further columns to right-align (those formatted by a function that
        writes numbers).
    empty : str
        The sentence shown instead of a table without rows.

    Returns
    -------
    str
        ``<table>`` markup (or a ``<p>`` for an empty frame). Numbers are
        right-aligned (class ``num``), text left (class ``txt``).
    """
    if frame.empty:
        return paragraph(empty, "custlab-empty")
    kinds = dict(kinds or {})
    columns = list(frame.columns)
    shown = frame.reset_index() if index is not None else frame
    if index is not None:
        shown = shown.rename(columns={shown.columns[0]: index})
        kinds.setdefault(index, "text")
        columns = [index, *columns]
    links = {**frame.attrs.get("links", {}), **(links or {})}
    cell_styles = dict(cell_styles or {})
    resolved = {c: kinds.get(c) or default_kind(shown[c]) for c in columns}
    numeric = {c: (isinstance(k, str) and k in NUMERIC_KINDS) or c in right for c, k in resolved.items()}
    formats = {c: formatter(k, currency) for c, k in resolved.items()}
    head = "".join(f'<th class="{"num" if numeric[c] else "txt"}">{escape(c)}</th>' for c in columns)
    rows = []
    for position in range(len(shown)):
        cells = []
        for c in columns:
            value = shown[c].iat[position]
            href = safe_href(links[c].iat[position]) if c in links else None
            style = cell_styles[c].iat[position] if c in cell_styles else ""
            cells.append(_cell(formats[c](value), numeric[c], href, style or ""))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="custlab-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def show(markup: str):
    """Markup built here, as the notebook's output (an IPython ``HTML`` object)."""
    from IPython.display import HTML

    return HTML(markup)
