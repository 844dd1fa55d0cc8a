"""``kinetor report DIR``: (re)build the self-contained HTML report of an analysis folder."""

from __future__ import annotations

from pathlib import Path

import typer

from kinetor.cli._common import STATE, emit_json, info, refuse_file_out


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        directory: str = typer.Argument(
            ...,
            help="Folder an analysis command wrote "
            "(nca_parameters.csv, nca_summary.csv, *.png, ...).",
        ),
        title: str | None = typer.Option(None, "--title", help="Report title."),
        subtitle: str | None = typer.Option(None, "--subtitle", help="Line under the title."),
        out: str | None = typer.Option(
            None, "--out", help="Folder for report.html (default: DIR itself)."
        ),
        rescan: bool = typer.Option(
            False,
            "--rescan",
            help="Ignore DIR/report.json and rebuild from the CSV/PNG files present "
            "(the figures a saved report keeps in DIR/report_files/ included).",
        ),
    ) -> None:
        """Write DIR/report.html: one self-contained HTML file (no network, no JavaScript).

        Rebuilds from DIR/report.json when present (see --rescan); otherwise scans DIR.
        """
        from kinetor.report.rebuild import _refuse_empty_path, write_report

        _refuse_empty_path(directory, "folder")  # '' would report the current folder
        if Path(directory).is_file():
            from kinetor.errors import DataError, Problem

            raise DataError(
                Problem(
                    f"{directory} is a file, not a folder",
                    file=directory,
                    fix="give the folder an analysis command wrote (its --out), e.g. "
                    "kinetor report nca_out",
                )
            )
        if out is None:
            _refuse_raw_folder(directory)
        else:
            refuse_file_out(out)

        path, rep = write_report(directory, title=title, subtitle=subtitle, out=out, rescan=rescan)
        if STATE["json"]:
            emit_json(
                {
                    "report": str(path),
                    "sections": rep.sections,
                    "tables": rep.table_count,
                    "figures": rep.figure_count,
                }
            )
        else:
            info(f"wrote {path} ({rep.table_count} tables, {rep.figure_count} figures)")


def _refuse_raw_folder(directory: str) -> None:
    """A folder with CSVs but nothing an analysis wrote is raw data: refuse to write a
    report into it."""
    from kinetor.errors import DataError, Problem
    from kinetor.report.rebuild import KNOWN_FILES

    folder = Path(directory)
    if not folder.is_dir():
        return
    names = {p.name for p in folder.iterdir() if p.is_file()}
    made = names & {
        *KNOWN_FILES,
        "report.json",
        "methods.json",
        "provenance.json",
        "options.json",
        "nca_provenance.json",
        "nca_wide.csv",
    } or any(n.endswith(".png") for n in names)
    if not made and any(n.lower().endswith((".csv", ".tsv", ".txt", ".xlsx")) for n in names):
        raise DataError(
            [
                Problem(
                    "this folder holds no analysis output (only raw data files): a report would "
                    "be written into the raw-data folder",
                    file=str(folder),
                    fix=f"run an analysis first (kinetor nca {folder}/<file>.csv --out results), "
                    "or give --out for the report",
                )
            ]
        )
