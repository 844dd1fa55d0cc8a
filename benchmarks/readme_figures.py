"""Copy the figures ``make bench`` measured into the README (``--check``: only compare).

The README quotes a measured figure inside a span ``<!-- fig:NAME.KEY -->TEXT<!-- /fig -->``;
``NAME.KEY`` names a figure that benchmark ``NAME`` recorded in ``docs/benchmarks.json``
(see ``_record.record``). Running this script rewrites every span's TEXT from that file;
with ``--check`` it exits 1 and lists the spans that differ or name no recorded figure.
``make bench`` runs it after the benchmarks, and a test runs the check.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FIGURES = ROOT / "docs" / "benchmarks.json"
SPAN = re.compile(r"<!-- fig:([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+) -->(.*?)<!-- /fig -->", re.S)


def recorded(path: Path = FIGURES) -> dict[str, dict[str, str]]:
    """``{benchmark: {key: text}}`` as last recorded."""
    data = json.loads(path.read_text()) if path.exists() else {}
    return {name: entry["figures"] for name, entry in data.items()}


def sync(text: str, figures: dict[str, dict[str, str]]) -> tuple[str, list[str]]:
    """Return ``text`` with every span filled from ``figures`` and the problems found."""
    problems: list[str] = []

    def fill(m: re.Match[str]) -> str:
        name, key, old = m.group(1), m.group(2), m.group(3)
        new = figures.get(name, {}).get(key)
        if new is None:
            problems.append(f"{name}.{key}: not recorded by benchmarks/{name}.py")
            return m.group(0)
        if new != old:
            problems.append(f"{name}.{key}: README says {old!r}, last measured {new!r}")
        return f"<!-- fig:{name}.{key} -->{new}<!-- /fig -->"

    return SPAN.sub(fill, text), problems


def main(argv: list[str]) -> int:
    check = "--check" in argv
    text = README.read_text(encoding="utf-8")
    new, problems = sync(text, recorded())
    missing = [p for p in problems if "not recorded" in p]
    if check:
        for p in problems:
            print(p)
        return 1 if problems else 0
    if new != text:
        README.write_text(new, encoding="utf-8")
    for p in problems:
        print(("MISSING " if p in missing else "updated ") + p)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
