"""Small HTML helpers: a minimal Markdown subset, table and value rendering, anchors.

Examples
--------
>>> markdown_to_html("Half-life is **mean (SD)**; see `LAMZHL`.")
'<p>Half-life is <strong>mean (SD)</strong>; see <code>LAMZHL</code>.</p>'
>>> slugify("Half-life diagnostics (λz)")
'half-life-diagnostics-z'
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd

from kinetor.nca.registry import PARAMETERS
from kinetor.report._common import format_sig

# NCA codes whose values are counts (the registry's unit type "count": NCONC, NCONCMS,
# LAMZNPT...), with or without a "(unit)" in the header
_COUNT_CODES = sorted(
    {c for p in PARAMETERS.values() for c in (p.code, p.ev_code) if c and p.unit == "count"}
)
# Columns holding counts are shown as integers even when stored as floats (NaN-able).
_COUNT_COLUMN = re.compile(
    rf"^(n|n[_ ].*|(?:{'|'.join(_COUNT_CODES)})(?: \(.*\))?|CNTCONC.*|subjects|samples"
    r"|blq|excluded|count.*)$",
    re.IGNORECASE,
)
# Columns holding labels (ids, seeds, years) or values as written (the dose amounts of a
# study table, "2, 10" or 3.75): numbers there are shown as they are, never rounded to
# significant figures (subject 12345 is not "12300", a 7.5 mg/kg dose not "7.50").
_LABEL_COLUMN = re.compile(
    r"^(subject|usubjid|subjid|animal|mouse|rat|patient|id|.*[_ ]id|seed|year|.*seq"
    r"|source_row|row|replicate|arm|group|well|batch|run|lot|individual|occasion|period"
    r"|doses(?: \(.*\))?)$",
    re.IGNORECASE,
)


def slugify(text: str) -> str:
    """An HTML-id-safe slug (ASCII letters, digits and dashes)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "section"


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"(?<![*\w])\*([^*\s][^*]*)\*(?!\w)", r"<em>\1</em>", out)
    # links are kept as text targets only (#anchors or http(s) pages); nothing is loaded
    return re.sub(
        r"\[([^\]]+)\]\(((?:#|https?://)[^)\s]+)\)",
        lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>',
        out,
    )


_SAFE_TAGS = frozenset(
    {
        "p",
        "div",
        "span",
        "ul",
        "ol",
        "li",
        "strong",
        "b",
        "em",
        "i",
        "code",
        "pre",
        "br",
        "sub",
        "sup",
        "h4",
        "h5",
        "small",
        "a",
    }
)
_VOID_TAGS = frozenset({"br"})


def sanitise_html(text: str) -> str:
    """HTML from an untrusted file reduced to a safe subset: allowed tags keep no attributes
    (a link keeps only a ``#anchor`` or ``http(s)`` ``href``); every other tag, script,
    style and comment is shown as text or dropped; text is escaped.

    >>> sanitise_html('<p onclick="x()">a<script>alert(1)</script></p>')
    '<p>a&lt;script&gt;alert(1)&lt;/script&gt;</p>'
    >>> sanitise_html('<a href="javascript:alert(1)">x</a><a href="#t">y</a>')
    '<a>x</a><a href="#t">y</a>'
    """
    from html.parser import HTMLParser

    out: list[str] = []
    open_tags: list[str] = []

    class _Cleaner(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag not in _SAFE_TAGS:
                out.append(html.escape(self.get_starttag_text() or f"<{tag}>"))
                return
            href = dict(attrs).get("href") or ""
            keep = (
                f' href="{html.escape(href)}"'
                if tag == "a" and re.match(r"^(#|https?://)[^\s\"'<>]*$", href)
                else ""
            )
            out.append(f"<{tag}{keep}>")
            if tag not in _VOID_TAGS:
                open_tags.append(tag)

        def handle_endtag(self, tag):
            if tag in _SAFE_TAGS and tag in open_tags:
                while open_tags:
                    t = open_tags.pop()
                    out.append(f"</{t}>")
                    if t == tag:
                        break
            else:
                out.append(html.escape(f"</{tag}>"))

        def handle_data(self, data):
            out.append(html.escape(data, quote=False))

    cleaner = _Cleaner(convert_charrefs=True)
    cleaner.feed(text)
    cleaner.close()
    out.extend(f"</{t}>" for t in reversed(open_tags))
    return "".join(out)


def markdown_to_html(text: str) -> str:
    """Render a small Markdown subset; text that starts with ``<`` is taken as HTML.

    Supported: paragraphs (blank-line separated), ``- ``/``* `` bullet lists, ``1. ``
    numbered lists, ``**bold**``, ``*italic*``, ```code```, ``[text](#anchor)`` links.
    Everything else is escaped.

    Examples
    --------
    >>> markdown_to_html("- a\\n- b")
    '<ul><li>a</li><li>b</li></ul>'
    >>> markdown_to_html("<p>kept</p>")
    '<p>kept</p>'
    """
    if text.lstrip().startswith("<"):
        return text.strip()
    blocks = []
    for para in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in para.splitlines() if ln.strip()]
        if not lines:
            continue
        if all(re.match(r"^[-*] ", ln) for ln in lines):
            blocks.append("<ul>" + "".join(f"<li>{_inline(ln[2:])}</li>" for ln in lines) + "</ul>")
        elif all(re.match(r"^\d+\. ", ln) for ln in lines):
            blocks.append(
                "<ol>"
                + "".join(f"<li>{_inline(ln.split('. ', 1)[1])}</li>" for ln in lines)
                + "</ol>"
            )
        else:
            blocks.append(f"<p>{_inline(' '.join(lines))}</p>")
    return "\n".join(blocks)


def format_value(value: Any, digits: int = 3, count: bool = False, label: bool = False) -> str:
    """Display text of one table cell: numbers to ``digits`` significant figures; in a
    ``count`` column whole numbers as integers (``10.0`` -> ``"10"``); in a ``label``
    column (ids, values as written) numbers as they are (``%g`` for fractions).

    >>> format_value(10.0), format_value(10.0, count=True), format_value(12345, label=True)
    ('10.0', '10', '12345')
    >>> format_value(2.5, count=True), format_value(12345), format_value(7.5, label=True)
    ('2.50', '12300', '7.5')
    """
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        if count or label:
            return str(int(value))
    elif isinstance(value, float | np.floating) and np.isfinite(value):
        if (count or label) and float(value).is_integer():
            return str(int(value))
        if label:
            return f"{float(value):g}"
    return format_sig(value, digits)


def table_html(
    df: pd.DataFrame, digits: int = 3, index: bool = False, max_rows: int | None = 500
) -> tuple[str, int]:
    """Render a DataFrame as an escaped HTML table; returns (html, rows left out)."""
    shown = df if max_rows is None else df.head(max_rows)
    left_out = len(df) - len(shown)
    if index:
        shown = shown.reset_index()
    shown = shown.copy()
    shown.columns = [str(c) for c in shown.columns]
    for col in shown.columns:
        is_count = bool(_COUNT_COLUMN.match(col))
        is_label = bool(_LABEL_COLUMN.match(col))
        shown[col] = [format_value(v, digits, is_count, is_label) for v in shown[col].tolist()]
    keys = _key_columns(df if not index else df.reset_index())
    parts = _column_chunks(list(shown.columns), keys)
    if len(parts) == 1:
        text = shown.to_html(index=False, escape=True, border=0, classes="data", na_rep="")
        return text, left_out
    # a wide table is split into blocks of columns (each repeating the key columns) so
    # that no column is ever clipped, on screen or on an A4 page
    out = []
    n_other = len(shown.columns) - len(keys)
    done = 0
    for cols in parts:
        extra = len(cols) - len(keys)
        out.append(
            f'<p class="note">Columns {done + 1}&ndash;{done + extra} of {n_other}'
            + (f" (with {', '.join(html.escape(k) for k in keys)})" if keys else "")
            + "</p>"
        )
        out.append(
            shown[cols].to_html(index=False, escape=True, border=0, classes="data", na_rep="")
        )
        done += extra
    return "\n".join(out), left_out


MAX_COLUMNS = 9  # columns per table block: fits an A4 page at the report's font size


def _key_columns(df: pd.DataFrame) -> list[str]:
    """The columns repeated in every block: the first column whatever its type (it names
    the rows: a subject, or a concentration in a dose-response table), then the text or
    key-like columns (group, analyte, start...) that follow it, three at most."""
    keys = [str(c) for c in df.columns[:1]]
    for c in df.columns[1:3]:
        if pd.api.types.is_numeric_dtype(df[c]) and not _KEYLIKE.match(str(c)):
            break
        keys.append(str(c))
    return keys


_KEYLIKE = re.compile(r"^(subject|group|analyte|matrix|start|end|id|PPTESTCD)$", re.I)


def _column_chunks(columns: list[str], keys: list[str]) -> list[list[str]]:
    if len(columns) <= MAX_COLUMNS:
        return [columns]
    rest = [c for c in columns if c not in keys]
    step = max(1, MAX_COLUMNS - len(keys))
    return [[*keys, *rest[i : i + step]] for i in range(0, len(rest), step)]
