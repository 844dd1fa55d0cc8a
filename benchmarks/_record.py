"""Write one benchmark's section into docs/benchmarks.md (between markers), atomically.

Each benchmark owns the block ``<!-- bench:NAME -->`` ... ``<!-- /bench:NAME -->``; running
it again replaces only that block, so benchmarks can be run alone or all together.
"""

from __future__ import annotations

import fcntl
import os
import platform
import re
from datetime import date
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Measured with `make bench` (or `python benchmarks/NAME.py`) on the project's CI machine type
(2 cores, 24 GiB). Each section states its baseline and the ratio against it. Timings are
wall-clock medians of repeated runs after a warm-up (JIT compilation excluded and reported
separately where it applies).
"""


def machine() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}"


def record(name: str, markdown: str, figures: dict[str, str] | None = None) -> None:
    """Replace (or append) the section of benchmark ``name`` in docs/benchmarks.md.

    ``figures`` (key -> text as it should read in the README, e.g. ``{"ms_per_1000": "29.5"}``)
    are stored in docs/benchmarks.json under ``name``; ``benchmarks/readme_figures.py`` (run
    by ``make bench``) copies them into the README's ``<!-- fig:NAME.KEY -->`` spans, so a
    figure quoted in the README is always the last one measured here.
    """
    if figures:
        record_figures(name, figures)
    DOC.parent.mkdir(parents=True, exist_ok=True)
    block = (
        f"<!-- bench:{name} -->\n{markdown.strip()}\n\n"
        f"_Recorded {date.today().isoformat()} on {machine()}._\n<!-- /bench:{name} -->"
    )
    with open(DOC.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = DOC.read_text() if DOC.exists() else HEADER
        pattern = re.compile(
            rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S
        )
        text = (
            pattern.sub(lambda _: block, text)
            if pattern.search(text)
            else f"{text.rstrip()}\n\n{block}\n"
        )
        tmp = DOC.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(DOC)


FIGURES = DOC.with_suffix(".json")


def record_figures(name: str, figures: dict[str, str]) -> None:
    """Store the README figures of benchmark ``name`` (replacing its previous ones)."""
    import json

    with open(DOC.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
        data[name] = {
            "recorded": date.today().isoformat(),
            "machine": machine(),
            "figures": {k: str(v) for k, v in sorted(figures.items())},
        }
        tmp = FIGURES.with_suffix(".jsontmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        tmp.replace(FIGURES)
