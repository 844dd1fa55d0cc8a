"""Rebuild a report from the files an analysis command left in a folder.

If the folder holds a ``report.json`` manifest (written by ``Report.save``), the report is
rebuilt from it, section for section. Otherwise the folder is scanned: known CSVs get
their own sections and formatting (``nca_summary.csv`` -> summary table,
``nca_parameters.csv`` -> individual listing, ``readouts.csv``, ``tgi.csv``, ...), any
other CSV becomes a plain table, every PNG a figure, and ``methods.json`` /
``provenance.json`` / ``options.json`` the methods footnote.

Examples
--------
>>> import tempfile, pandas as pd
>>> with tempfile.TemporaryDirectory() as d:
...     pd.DataFrame({"time": [0, 24], "volume": [100.0, 250.0]}).to_csv(
...         f"{d}/tumour.csv", index=False)
...     rep = report_from_dir(d, title="Xenograft")
...     rep.sections, rep.table_count
(['Tables'], 1)
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from kinetor.report.document import Report, read_table_csv

__all__ = ["KNOWN_FILES", "report_from_dir", "write_report"]

# file name -> (section title, caption); order = order in the report
KNOWN_FILES = {
    "nca_summary.csv": (
        "NCA summary",
        "NCA parameters by group (PKNCA default statistics, 3 significant figures)",
    ),
    "nca_parameters.csv": ("Individual NCA parameters", "Individual NCA parameters"),
    "pk_parameters.csv": ("PK model parameters", "Fitted PK model parameters"),
    "pd_parameters.csv": ("PD model parameters", "Fitted PD model parameters"),
    "readouts.csv": (
        "Pathway readouts",
        "Pathway readouts (% of the reference control named in the title and in "
        "readouts_long.csv: untreated or parental)",
    ),
    "biomarkers.csv": ("Biomarkers", "Biomarker readouts"),
    "tgi.csv": ("Tumour growth inhibition", "Tumour growth inhibition by group"),
    "tumor.csv": ("Tumour volumes", "Tumour volumes"),
}
_METHOD_FILES = ("methods.json", "provenance.json", "options.json")
_MAX_ROWS = 200


def _caption(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ").strip().capitalize()


def _add_known(rep: Report, path: Path, caption: str) -> None:
    df = read_table_csv(path)
    if (
        path.name == "nca_summary.csv"
        and "PPTESTCD" in df.columns
        and {"geomean", "median", "mean"} & set(df.columns)
    ):
        from kinetor.report.tables import summary_table

        rep.add_table(summary_table(df), caption)
    elif path.name == "nca_parameters.csv" and {"PPTESTCD", "value"} <= set(df.columns):
        from kinetor.report.tables import parameter_listing

        rep.add_table(parameter_listing(df), f"{caption} (one row per subject)")
    else:
        rep.add_table(df, caption, max_rows=_MAX_ROWS)


def _guarded(path: Path, func, *args):
    """Run ``func(*args)``; a file that cannot be read becomes a DataError naming it."""
    from kinetor.errors import DataError, Problem

    try:
        return func(*args)
    except DataError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as exc:  # pandas' parser errors too
        raise DataError(
            Problem(
                f"cannot be read: {type(exc).__name__}: {exc}",
                file=str(path),
                fix="repair or remove the file, or report from the analysis' own folder",
            )
        ) from None


def _saved_figures(d: Path) -> dict[Path, str]:
    """PNG and SVG figures in ``d/report_files/`` (where ``Report.save`` puts its figures) with their
    captions: those the manifest names first, in its order and with its captions, then
    any others (a caption from the file name)."""
    folder = d / "report_files"
    if not folder.is_dir():
        return {}
    out: dict[Path, str] = {}
    try:
        spec = json.loads((d / "report.json").read_text(encoding="utf-8"))
        blocks = [b for b in spec.get("blocks", []) if b.get("type") == "figure"]
    except (OSError, ValueError, AttributeError, TypeError):
        blocks = []  # no manifest or an unreadable one: the file names give the captions
    for b in blocks:
        p = d / str(b.get("png", b.get("svg", "")))
        if p.parent == folder and p.suffix.lower() in (".png", ".svg") and p.is_file():
            out[p] = str(b.get("caption", "")) or _caption(p)
    for p in sorted([*folder.glob("*.png"), *folder.glob("*.svg")]):
        # report_files/figure_03_mean-profiles.png -> "Mean profiles"
        out.setdefault(p, _caption(p.with_name(re.sub(r"^figure_\d+_", "", p.name))))
    return out


def _unique_figures(captions: dict[Path, str]) -> dict[Path, str]:
    """One entry per distinct image: a rescan in place saves the figures again under new
    names, and a later rescan must not show them twice."""
    seen: set[str] = set()
    out = {}
    for p, caption in captions.items():
        try:
            digest = hashlib.sha256(p.read_bytes()).hexdigest()
        except OSError:
            digest = str(p)  # unreadable: reported when the figure is added
        if digest not in seen:
            seen.add(digest)
            out[p] = caption
    return out


def report_from_dir(
    directory: str | Path,
    title: str | None = None,
    subtitle: str | None = None,
    rescan: bool = False,
    files: list[str] | None = None,
) -> Report:
    """A ``Report`` rebuilt from ``directory`` (manifest first, else a scan of its files).

    ``files`` limits a scan to those file names (what an analysis command just wrote).
    Raises ``FileNotFoundError`` when the folder does not exist and ``DataError`` when it
    holds nothing to report or a file cannot be read.
    """
    _refuse_empty_path(directory, "folder")
    d = Path(directory)
    if not d.is_dir():
        raise FileNotFoundError(f"no such folder: {d}")
    manifest = d / "report.json"
    if manifest.is_file() and not rescan:
        return Report.from_manifest(manifest, title=title, subtitle=subtitle)

    keep = (
        (lambda p: p.is_file())
        if files is None
        else (lambda p: p.name in set(files) and p.is_file())
    )
    csvs = sorted(p for p in d.glob("*.csv") if keep(p))
    pngs = sorted(p for p in d.glob("*.png") if keep(p))
    captions = {p: _caption(p) for p in pngs}
    if files is None:  # the figures a saved report keeps in report_files/ are files too
        captions = _unique_figures({**captions, **_saved_figures(d)})
        pngs = list(captions)
    if not csvs and not pngs:
        from kinetor.errors import DataError, Problem

        raise DataError(
            [
                Problem(
                    "no CSV or PNG files to report",
                    file=str(d),
                    fix="run an analysis command with --out DIR first",
                )
            ]
        )
    rep = Report(title or f"kinetor report: {d.resolve().name}", subtitle)
    known = [d / n for n in KNOWN_FILES if keep(d / n)]
    for path in known:
        section, caption = KNOWN_FILES[path.name]
        rep.add_section(section)
        _guarded(path, _add_known, rep, path, caption)
    others = [p for p in csvs if p.name not in KNOWN_FILES]
    if others:
        rep.add_section("Tables")
        for p in others:
            _guarded(
                p,
                lambda p: rep.add_table(
                    read_table_csv(p), f"{_caption(p)} ({p.name})", max_rows=_MAX_ROWS
                ),
                p,
            )
    if pngs:
        rep.add_section("Figures")
        for p in pngs:
            _guarded(p, rep.add_figure, p, captions[p])
    methods = {}
    for name in _METHOD_FILES:
        if keep(d / name):
            data = _guarded(d / name, lambda p: json.loads(p.read_text(encoding="utf-8")), d / name)
            methods.update(data if isinstance(data, dict) else {name: data})
    methods["Source folder"] = str(d.resolve())
    methods["Files"] = [p.relative_to(d).as_posix() for p in [*csvs, *pngs]]
    rep.add_methods(methods)
    return rep


def write_report(
    directory: str | Path,
    title: str | None = None,
    subtitle: str | None = None,
    out: str | Path | None = None,
    rescan: bool = False,
    files: list[str] | None = None,
) -> tuple[Path, Report]:
    """Rebuild the report of ``directory`` and write it to ``out`` (default: the same folder).

    ``files`` limits a scan to those names. Returns the HTML path and the ``Report``.
    """
    from kinetor.errors import DataError, Problem

    if out is not None:
        _refuse_empty_path(out, "--out folder")
    rep = report_from_dir(directory, title, subtitle, rescan, files)
    html = (Path(out) if out is not None else Path(directory)) / "report.html"
    if html.is_dir():
        raise DataError(
            Problem(
                "report.html is a folder: the report cannot be written there",
                file=str(html),
                fix="rename or remove that folder, or give --out (out=) another folder",
            )
        )
    return rep.save(html), rep


def _refuse_empty_path(path: str | Path, what: str) -> None:
    """An empty path (``kinetor report ''``) would mean the current folder: refuse it."""
    if not str(path).strip():
        from kinetor.errors import DataError, Problem

        raise DataError(
            Problem(
                f"the {what} path is empty",
                fix="give the folder an analysis command wrote (its --out), e.g. "
                "kinetor report nca_out; '.' for the current folder",
            )
        )
