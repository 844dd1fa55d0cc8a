"""The README's measured figures are the ones `make bench` last recorded.

Every ``<!-- fig:NAME.KEY -->TEXT<!-- /fig -->`` span must name a figure that benchmark
NAME wrote to docs/benchmarks.json, with the same text. No timing is asserted: the check is
that the README quotes what was measured, not what was hoped.
"""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location(
        "readme_figures", ROOT / "benchmarks" / "readme_figures.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_figures_are_the_recorded_ones():
    mod = _module()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(mod.SPAN.findall(text)) >= 5
    _, problems = mod.sync(text, mod.recorded())
    assert not problems, "run `make bench` (or benchmarks/readme_figures.py):\n" + "\n".join(
        problems
    )


def test_sync_rewrites_stale_spans_and_names_unrecorded_ones():
    mod = _module()
    text = (
        "takes <!-- fig:nca.ms -->31<!-- /fig --> ms and "
        "<!-- fig:nca.gone -->7<!-- /fig --> x; <!-- fig:other.x -->1<!-- /fig -->"
    )
    new, problems = mod.sync(text, {"nca": {"ms": "14.2"}, "other": {"x": "1"}})
    assert "<!-- fig:nca.ms -->14.2<!-- /fig --> ms" in new
    assert "<!-- fig:nca.gone -->7<!-- /fig -->" in new  # left as it was, reported
    assert "<!-- fig:other.x -->1<!-- /fig -->" in new
    assert problems == [
        "nca.ms: README says '31', last measured '14.2'",
        "nca.gone: not recorded by benchmarks/nca.py",
    ]


def test_record_stores_figures_beside_the_markdown(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("_record", ROOT / "benchmarks" / "_record.py")
    rec = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rec)
    monkeypatch.setattr(rec, "DOC", tmp_path / "benchmarks.md")
    monkeypatch.setattr(rec, "FIGURES", tmp_path / "benchmarks.json")
    rec.record("demo", "## demo\n\n1 s", {"s": "1.0"})
    rec.record("demo", "## demo\n\n2 s", {"s": "2.0"})
    assert (tmp_path / "benchmarks.md").read_text().count("<!-- bench:demo -->") == 1
    mod = _module()
    assert mod.recorded(tmp_path / "benchmarks.json") == {"demo": {"s": "2.0"}}
