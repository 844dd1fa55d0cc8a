"""``kinetor demo``: the flagship analysis on the bundled example studies."""

from __future__ import annotations

from pathlib import Path

import typer

from kinetor.cli import _common


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    """The files the demo may write in ``folder`` (its top level and the report's
    ``report_files/``), each with its modification time and size."""
    out = {}
    for sub in (folder, folder / "report_files"):
        if sub.is_dir():
            for p in sub.iterdir():
                if p.is_file():
                    st = p.stat()
                    out[p.relative_to(folder).as_posix()] = (st.st_mtime_ns, st.st_size)
    return out


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: str = typer.Option(
            "build/demo", "--out", "-o", help="Folder for the report and tables."
        ),
    ) -> None:
        """Run the example vistusertib study from raw data to decisions (HTML report).

        Files of the same names in --out (a previous demo's report.html and tables) are
        replaced; the output names them.
        """
        from kinetor.demo import run_demo

        # a file, or a folder that cannot be made: a DataError (exit 3) before any work
        folder = _common.out_dir(out)
        before = _files(folder)
        with _common.progress() as bar:
            task = bar.add_task("demo", total=None)
            result = run_demo(folder, on_stage=lambda s: bar.update(task, description=s))
        now = _files(folder)
        replaced = sorted(n for n, sig in before.items() if n in now and now[n] != sig)
        if _common.STATE["json"]:
            _common.emit_json(
                {
                    "report": str(result.report),
                    "summary": result.summary,
                    "tables": {k: str(v) for k, v in result.tables.items()},
                    "timings_s": result.timings,
                    "replaced": replaced,
                }
            )
            return
        _common.info("kinetor demo: vistusertib (AZD2014)")
        for line in result.summary:
            _common.info(f"  - {line}")
        _common.info(f"report: {result.report}  ({len(result.tables)} tables in {out})")
        if replaced:
            shown = ", ".join(replaced[:10]) + (", ..." if len(replaced) > 10 else "")
            _common.info(f"replaced {len(replaced)} file(s) that were already in {out}: {shown}")
