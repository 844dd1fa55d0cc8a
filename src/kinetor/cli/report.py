"""``kinetor report DIR``: (re)build the self-contained HTML report of an analysis folder."""

from __future__ import annotations

import typer

from kinetor.cli._common import STATE, emit_json, info


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        directory: str = typer.Argument(..., help="Folder an analysis command wrote "
                                        "(nca_parameters.csv, nca_summary.csv, *.png, ...)."),
        title: str | None = typer.Option(None, "--title", help="Report title."),
        subtitle: str | None = typer.Option(None, "--subtitle", help="Line under the title."),
        out: str | None = typer.Option(None, "--out", help="Folder for report.html "
                                "(default: DIR itself)."),
        rescan: bool = typer.Option(False, "--rescan", help="Ignore DIR/report.json and "
                                    "rebuild from the CSV/PNG files present."),
    ) -> None:
        """Write DIR/report.html: one self-contained HTML file (no network, no JavaScript).

        Rebuilds from DIR/report.json when present (see --rescan); otherwise scans DIR.
        """
        from kinetor.report.rebuild import write_report

        path, rep = write_report(directory, title=title, subtitle=subtitle, out=out,
                                 rescan=rescan)
        if STATE["json"]:
            emit_json({"report": str(path), "sections": rep.sections,
                       "tables": rep.table_count, "figures": rep.figure_count})
        else:
            info(f"wrote {path} ({rep.table_count} tables, {rep.figure_count} figures)")
