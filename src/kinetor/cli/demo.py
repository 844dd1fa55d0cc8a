"""``kinetor demo``: the flagship analysis on the bundled example studies."""

from __future__ import annotations

import typer

from kinetor.cli import _common


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: str = typer.Option(
            "build/demo", "--out", "-o", help="Folder for the report and tables."
        ),
    ) -> None:
        """Run the example vistusertib study from raw data to decisions (HTML report)."""
        from kinetor.demo import run_demo

        with _common.progress() as bar:
            task = bar.add_task("demo", total=None)
            result = run_demo(out, on_stage=lambda s: bar.update(task, description=s))
        if _common.STATE["json"]:
            _common.emit_json(
                {
                    "report": str(result.report),
                    "summary": result.summary,
                    "tables": {k: str(v) for k, v in result.tables.items()},
                    "timings_s": result.timings,
                }
            )
            return
        _common.info("kinetor demo: vistusertib (AZD2014)")
        for line in result.summary:
            _common.info(f"  - {line}")
        _common.info(f"report: {result.report}  ({len(result.tables)} tables in {out})")
