"""The ``Report``: sections, text, tables and figures rendered to ONE self-contained HTML file.

The HTML embeds its CSS and its figures (PNG or SVG as base64 ``data:`` URIs of ``<img>``
elements, so an SVG's scripts never run); it loads nothing from the network and runs no
JavaScript, so it can be mailed, archived or opened offline.
``save`` also writes a ``report.json`` manifest and the tables (CSV) and figures (PNG/SVG) in
``<name>_files/`` so that ``Report.from_manifest`` (and ``kinetor report DIR``) can rebuild
the report, e.g. with another title.

The module is over 400 lines because rendering, escaping and the manifest round trip
(``save``/``from_manifest``) are one contract: what is escaped on the way out must be
what is trusted on the way back in.

Examples
--------
>>> import pandas as pd
>>> rep = Report("Study 123: plasma PK", subtitle="synthetic example")
>>> rep.add_section("Parameters")
'sec-1-parameters'
>>> rep.add_text("Values are **geometric means**.")
>>> rep.add_table(pd.DataFrame({"PPTESTCD": ["CMAX"], "value": [1234.5]}), caption="Cmax")
>>> rep.add_methods({"AUC method": "lin-up/log-down"})
>>> html = rep.render()
>>> "<td>1230</td>" in html, 'href="#sec-1-parameters"' in html, "http://" in html
(True, True, False)
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import html as _html
import io
import json
import math
import sys
import warnings
from collections.abc import Iterator, Mapping
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from kinetor._figures import literal_user_text
from kinetor.report._html import _inline, markdown_to_html, sanitise_html, slugify, table_html

__all__ = ["Report", "read_table_csv"]

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_MIME = {"png": "image/png", "svg": "image/svg+xml"}


def _image_format(data: bytes) -> str | None:
    """``"png"`` or ``"svg"`` from the bytes themselves (never from a file name)."""
    if data[:8] == _PNG_MAGIC:
        return "png"
    head = data[:512].lstrip()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "svg"
    return None


MANIFEST_VERSION = 1


def _software() -> str:
    import kinetor

    parts = []
    for pkg in ("numpy", "pandas", "matplotlib"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            continue
    py = ".".join(map(str, sys.version_info[:3]))
    return f"kinetor {kinetor.__version__} (Python {py}; {', '.join(parts)})"


def read_table_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV for display: ids such as ``"001"`` stay text, numeric columns become numbers.

    Examples
    --------
    >>> import io
    >>> df = read_table_csv(io.StringIO("subject,value\\n001,1.5\\n002,\\n"))
    >>> df["subject"].tolist(), df["value"].tolist()
    (['001', '002'], [1.5, nan])
    >>> read_table_csv(io.StringIO("# a header comment\\nname,value\\nk,2\\n"))["value"].tolist()
    [2]
    """
    if not hasattr(path, "read"):
        with open(path, encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
    else:
        first = path.readline()
        path.seek(0)
    # leading '#' lines are header comments (e.g. fitted_parameters.csv), not data
    df = pd.read_csv(
        path, dtype=str, keep_default_na=False, comment="#" if first.startswith("#") else None
    )
    for col in df.columns:
        text = df[col].str.strip()
        filled = text[text != ""]
        if filled.empty or filled.str.match(r"^-?0\d").any():
            continue
        num = pd.to_numeric(filled, errors="coerce")
        if num.notna().all():
            df[col] = pd.to_numeric(text.replace("", None), errors="coerce")
    return df


def _methods_html(value: Any) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, pd.DataFrame):
        if value.empty:
            return "none"
        return f'<div class="scroll">{table_html(value, max_rows=200)[0]}</div>'
    if isinstance(value, Mapping):
        if not value:
            return "none"
        return (
            "<ul>"
            + "".join(
                f"<li><strong>{_html.escape(str(k))}</strong>: {_methods_html(v)}</li>"
                for k, v in value.items()
            )
            + "</ul>"
        )
    if isinstance(value, list | tuple | set):
        if not value:
            return "none"
        return "<ul>" + "".join(f"<li>{_methods_html(v)}</li>" for v in value) + "</ul>"
    if isinstance(value, float):
        return f"{value:g}"
    return _inline(str(value))


_UNDRAWABLE = (OverflowError, ValueError, RuntimeWarning)


@contextlib.contextmanager
def _overflow_is_an_error() -> Iterator[None]:
    """numpy's overflow warnings (log axes of huge values) raise inside this block."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="overflow encountered", category=RuntimeWarning)
        yield


def _read_manifest(manifest: Path) -> dict[str, Any]:
    """``report.json`` checked before anything in it is used: valid JSON of the shape
    ``save`` writes (a list of blocks of known types, each field of its type; title,
    subtitle and section titles text; methods an object), and every table/figure a
    relative path inside the manifest's folder that exists (no absolute paths, no ``..``,
    no links out: a crafted folder cannot pull local files into a report). Every problem
    is reported at once."""
    from kinetor.errors import DataError, Problem

    fix = "re-run the analysis, or rebuild from the files present with --rescan"
    try:
        spec = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(
            Problem(f"the manifest cannot be read: {exc}", file=str(manifest), fix=fix)
        ) from None
    blocks = spec.get("blocks") if isinstance(spec, dict) else None
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise DataError(Problem("the manifest has no list of blocks", file=str(manifest), fix=fix))
    base = manifest.parent.resolve()
    problems = []

    def wrong(where: str, key: str, value: Any, want: str) -> None:
        problems.append(
            Problem(f"{where}{key} {value!r} is not {want}", file=str(manifest), fix=fix)
        )

    def whole(x: Any) -> bool:
        return isinstance(x, int) and not isinstance(x, bool)

    # (key, test, what it must be, default): a key left out takes its default
    top = (
        ("title", lambda x: x is None or isinstance(x, str), "text", None),
        ("subtitle", lambda x: x is None or isinstance(x, str), "text", None),
        ("methods", lambda x: isinstance(x, dict), "an object", {}),
        (
            "sections",
            lambda x: isinstance(x, list) and all(isinstance(t, str) for t in x),
            "a list of texts",
            [],
        ),
    )
    fields = {
        "section": (
            ("title", lambda x: isinstance(x, str), "text", None),
            ("level", lambda x: x in (1, 2, 3) and whole(x), "1, 2 or 3", 1),
        ),
        "text": (("html", lambda x: isinstance(x, str), "text", ""),),
        "table": (
            ("caption", lambda x: isinstance(x, str), "text", ""),
            ("index", lambda x: isinstance(x, bool), "true or false", False),
            ("digits", lambda x: whole(x) and 1 <= x <= 15, "a whole number 1-15", 3),
            ("max_rows", lambda x: x is None or (whole(x) and x >= 0), "a whole number >= 0", 500),
        ),
        "figure": (("caption", lambda x: isinstance(x, str), "text", ""),),
    }
    for key, ok, want, default in top:
        if not ok(spec.get(key, default)):
            wrong("", key, spec[key], want)
    for i, blk in enumerate(blocks, start=1):
        kind = blk.get("type")
        if kind not in ("section", "text", "table", "figure"):
            problems.append(
                Problem(f"block {i}: unknown type {kind!r}", file=str(manifest), fix=fix)
            )
            continue
        for key, ok, want, default in fields[kind]:
            if not ok(blk.get(key, default)):
                wrong(f"block {i} ({kind}): ", key, blk.get(key), want)
        if kind not in ("table", "figure"):
            continue
        rel = blk.get("csv") if kind == "table" else blk.get("png", blk.get("svg"))
        target = (base / str(rel)).resolve() if isinstance(rel, str) and rel else None
        if target is None or Path(rel).is_absolute() or not target.is_relative_to(base):
            problems.append(
                Problem(
                    f"block {i}: {kind} path {rel!r} is not a file inside the report folder",
                    file=str(manifest),
                    fix=fix,
                )
            )
        elif not target.is_file():
            problems.append(
                Problem(
                    f"file listed in the manifest is missing: {rel}", file=str(manifest), fix=fix
                )
            )
        elif kind == "figure" and _image_format(target.read_bytes()) is None:
            problems.append(
                Problem(f"block {i}: {rel} is not a PNG or SVG image", file=str(manifest), fix=fix)
            )
    if problems:
        raise DataError(problems)
    return spec


def _jsonable(value: Any) -> Any:
    """``value`` as JSON data; a number JSON has none for is kept as ``{"__float__":
    "inf"}`` (``"-inf"``, ``"nan"``: an interval's ``end``, a missing estimate); numpy
    scalars are read as Python numbers."""
    if isinstance(value, pd.DataFrame):
        rows = json.loads(value.to_json(orient="records"))  # inf -> null: put it back
        for j, col in enumerate(value.columns):
            for i, v in enumerate(value.iloc[:, j].tolist()):
                if isinstance(v, float) and math.isinf(v):
                    rows[i][str(col)] = _jsonable(v)
        return {"__dataframe__": rows}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__float__"} and value["__float__"] in ("inf", "-inf", "nan"):
            return float(value["__float__"])
        if set(value) == {"__dataframe__"}:
            rows = value["__dataframe__"]
            if isinstance(rows, list):
                rows = [_from_json(r) if isinstance(r, dict) else r for r in rows]
            return pd.DataFrame(rows)
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


class Report:
    """A self-contained HTML report built section by section.

    Parameters
    ----------
    title : str
    subtitle : str, optional
    dpi : int
        Resolution of the embedded PNG figures.

    Notes
    -----
    Figures are rendered to PNG as soon as they are added and then closed (removed from
    pyplot if it holds them), so building a report with hundreds of figures keeps only
    the PNG bytes in memory.
    """

    def __init__(self, title: str, subtitle: str | None = None, dpi: int = 100) -> None:
        self.title = title
        self.subtitle = subtitle
        self.dpi = dpi
        self.blocks: list[dict[str, Any]] = []
        self.methods: dict[str, Any] = {}
        self._counts = {"section": 0, "table": 0, "figure": 0}

    # ------------------------------------------------------------------ building
    def add_section(self, title: str, level: int = 1) -> str:
        """Start a section (level 1-3); returns its anchor id (linked from the contents)."""
        if level not in (1, 2, 3):
            raise ValueError(f"section level must be 1, 2 or 3, not {level}")
        self._counts["section"] += 1
        anchor = f"sec-{self._counts['section']}-{slugify(title)[:40]}"
        self.blocks.append({"type": "section", "title": title, "level": level, "id": anchor})
        return anchor

    def add_text(self, text: str) -> None:
        """Add a paragraph: a small Markdown subset, or HTML when it starts with ``<``."""
        self.blocks.append({"type": "text", "html": markdown_to_html(text)})

    def add_table(
        self,
        df: pd.DataFrame,
        caption: str = "",
        index: bool = False,
        digits: int = 3,
        max_rows: int | None = 500,
    ) -> None:
        """Add a table; numbers are shown with ``digits`` significant figures.

        Tables longer than ``max_rows`` are cut in the HTML (the CSV written by ``save``
        keeps every row) with a note saying how many rows were left out.
        """
        self._counts["table"] += 1
        n = self._counts["table"]
        self.blocks.append(
            {
                "type": "table",
                "df": df.copy(),
                "caption": caption,
                "index": index,
                "digits": digits,
                "max_rows": max_rows,
                "number": n,
                "id": f"table-{n}",
                "name": f"table_{n:02d}_{slugify(caption)[:40]}.csv",
            }
        )

    def add_figure(self, fig: Any, caption: str = "") -> None:
        """Add a figure: a matplotlib Figure, PNG or SVG bytes, or the path of a PNG or SVG
        file (its format read from its bytes).

        A Figure is rendered to PNG at once and closed. An SVG is shown through an ``<img>``
        element, where a browser runs none of its scripts and loads nothing it links to.
        """
        if isinstance(fig, bytes | bytearray):
            png = bytes(fig)
        elif isinstance(fig, str | Path):
            png = Path(fig).read_bytes()
        elif hasattr(fig, "savefig"):
            buf = io.BytesIO()
            # kinetor's figures lay themselves out (constrained layout); "tight" would
            # draw each of them twice, so it is kept for figures without a layout engine
            engine = getattr(fig, "get_layout_engine", lambda: None)()
            literal_user_text(fig)
            try:
                with _overflow_is_an_error():
                    fig.savefig(
                        buf,
                        format="png",
                        dpi=self.dpi,
                        facecolor="white",
                        bbox_inches=None if engine is not None else "tight",
                    )
            except _UNDRAWABLE as exc:
                self._not_drawn(caption, exc)
                return
            finally:
                if "matplotlib.pyplot" in sys.modules:
                    sys.modules["matplotlib.pyplot"].close(fig)
            png = buf.getvalue()
        else:
            raise TypeError(f"add_figure takes a Figure, PNG bytes or a path, not {type(fig)}")
        fmt = _image_format(png)
        if fmt is None:
            raise ValueError(f"figure {caption!r} is not a PNG or SVG image")
        self._counts["figure"] += 1
        n = self._counts["figure"]
        self.blocks.append(
            {
                "type": "figure",
                "image": png,
                "format": fmt,
                "caption": caption,
                "number": n,
                "id": f"figure-{n}",
                "name": f"figure_{n:02d}_{slugify(caption)[:40]}.{fmt}",
            }
        )

    def add_figure_from(self, make: Any, caption: str = "") -> None:
        """Add the figure ``make()`` returns; when its values are beyond what a plot axis
        can draw (e.g. 1e308), a note stands in the figure's place instead of the report
        failing as a whole (the tables still hold the values)."""
        try:
            with _overflow_is_an_error():
                fig = make()
        except _UNDRAWABLE as exc:
            self._not_drawn(caption, exc)
            return
        self.add_figure(fig, caption)

    def _not_drawn(self, caption: str, exc: BaseException) -> None:
        self.add_text(
            f"**Figure not drawn** ({caption or 'untitled'}): the values are beyond "
            f"what a plot axis can show ({type(exc).__name__}: {exc}). The tables "
            "hold them."
        )

    def add_methods(self, items: Mapping[str, Any]) -> None:
        """Record methods footnotes (AUC method, BLQ rule, time basis, exclusions, ...).

        Values may be text, numbers, lists, dicts or DataFrames (e.g. the excluded rows
        with their reasons). The software versions are always added. Later calls add to
        (and overwrite keys of) earlier ones.
        """
        self.methods.update(items)

    def add_inputs(self, *studies: Any) -> None:
        """Record the input file of each study and the SHA-256 of its canonical tables
        (``Study.input_hash``) in the methods: ``Input`` and ``Input hash (SHA-256)``, several
        studies separated by ``"; "`` in the same order."""
        self.add_methods(
            {
                "Input": "; ".join(str(s.source) for s in studies),
                "Input hash (SHA-256)": "; ".join(s.input_hash() for s in studies),
            }
        )

    @property
    def figure_count(self) -> int:
        return self._counts["figure"]

    @property
    def table_count(self) -> int:
        return self._counts["table"]

    @property
    def sections(self) -> list[str]:
        return [b["title"] for b in self.blocks if b["type"] == "section"]

    # ------------------------------------------------------------------ output
    def _toc(self) -> str:
        out, depth = [], 0
        for b in self.blocks:
            if b["type"] != "section":
                continue
            while depth < b["level"]:
                out.append("<ul>")
                depth += 1
            while depth > b["level"]:
                out.append("</ul>")
                depth -= 1
            out.append(f'<li><a href="#{b["id"]}">{_html.escape(b["title"])}</a></li>')
        while depth > 0:
            out.append("</ul>")
            depth -= 1
        # the methods footer is always there (it carries at least the software versions)
        out.append('<ul><li><a href="#methods">Methods</a></li></ul>')
        return "".join(out)

    def render(self) -> str:
        """The whole report as one HTML document (CSS inline, figures as data URIs)."""
        from jinja2 import Environment, select_autoescape

        blocks = []
        for b in self.blocks:
            b = dict(b)
            if b["type"] == "table":
                b["html"], b["left_out"] = table_html(
                    b["df"], b["digits"], b["index"], b["max_rows"]
                )
            elif b["type"] == "figure":
                b["data"] = base64.b64encode(b["image"]).decode("ascii")
                b["mime"] = _MIME[b["format"]]
            blocks.append(b)
        methods = dict(self.methods)
        methods.setdefault("Software", _software())
        tpl = resources.files("kinetor.report").joinpath("templates", "report.html.j2")
        env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
        template = env.from_string(tpl.read_text(encoding="utf-8"))
        return template.render(
            title=self.title,
            subtitle=self.subtitle,
            blocks=blocks,
            toc=self._toc(),
            methods=[(k, _methods_html(v)) for k, v in methods.items()],
            created=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            software=methods["Software"],
            n_figures=self.figure_count,
            n_tables=self.table_count,
        )

    def save(self, path: str | Path = "report.html", assets: bool = True) -> Path:
        """Write the HTML file (and, with ``assets``, the manifest, CSVs and PNG/SVG files).

        ``path`` is the HTML file, or a directory that gets ``report.html``. The manifest
        ``report.json`` lies next to the HTML and names the tables (CSV) and figures
        (``png`` or ``svg``) in ``<stem>_files/``. Returns the path of the HTML file.
        """
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            path = path / "report.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render(), encoding="utf-8")
        if assets:
            self._write_assets(path)
        return path

    def _write_assets(self, path: Path) -> None:
        folder = path.parent / f"{path.stem}_files"
        folder.mkdir(exist_ok=True)
        blocks = []
        for b in self.blocks:
            if b["type"] == "table":
                b["df"].to_csv(folder / b["name"], index=b["index"])
                blocks.append(
                    {
                        "type": "table",
                        "csv": f"{folder.name}/{b['name']}",
                        "caption": b["caption"],
                        "index": b["index"],
                        "digits": b["digits"],
                        "max_rows": b["max_rows"],
                    }
                )
            elif b["type"] == "figure":
                (folder / b["name"]).write_bytes(b["image"])
                rel = f"{folder.name}/{b['name']}"
                blocks.append({"type": "figure", b["format"]: rel, "caption": b["caption"]})
            elif b["type"] == "section":
                blocks.append({k: b[k] for k in ("type", "title", "level")})
            else:
                blocks.append({"type": "text", "html": b["html"]})
        import kinetor

        manifest = {
            "kinetor_report": MANIFEST_VERSION,
            "title": self.title,
            "subtitle": self.subtitle,
            "html": path.name,
            "kinetor_version": kinetor.__version__,
            "sections": self.sections,
            "tables": [b["csv"] for b in blocks if b["type"] == "table"],
            "figure_count": self.figure_count,
            "table_count": self.table_count,
            "blocks": blocks,
            "methods": _jsonable(self.methods),
        }
        text = json.dumps(manifest, indent=2, allow_nan=False)  # strict JSON
        (path.parent / "report.json").write_text(text, encoding="utf-8")

    @classmethod
    def from_manifest(
        cls, manifest: str | Path, title: str | None = None, subtitle: str | None = None
    ) -> Report:
        """Rebuild a report from the ``report.json`` that ``save`` wrote.

        Every missing table or figure file is reported at once (``DataError``).
        """
        manifest = Path(manifest)
        spec = _read_manifest(manifest)
        base = manifest.parent
        rep = cls(
            title or spec.get("title", "kinetor report"),
            subtitle if subtitle is not None else spec.get("subtitle"),
        )
        for b in spec.get("blocks", []):
            if b["type"] == "section":
                rep.add_section(b["title"], b.get("level", 1))
            elif b["type"] == "text":
                # the manifest is a file anyone could have written: its HTML is reduced to
                # a safe subset (no scripts, no attributes, no external targets)
                rep.add_text(f"<div>{sanitise_html(str(b.get('html', '')))}</div>")
            elif b["type"] == "table":
                df = read_table_csv(base / b["csv"])
                if b.get("index"):
                    df = df.set_index(df.columns[0])
                rep.add_table(
                    df,
                    b.get("caption", ""),
                    index=b.get("index", False),
                    digits=b.get("digits", 3),
                    max_rows=b.get("max_rows", 500),
                )
            elif b["type"] == "figure":
                rep.add_figure(base / b.get("png", b.get("svg")), b.get("caption", ""))
        rep.add_methods(_from_json(spec.get("methods", {})))
        return rep
