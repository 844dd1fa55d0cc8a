"""ScreenTest.write creates the folder of its prefix (README: res.write("build/demo"))."""

from __future__ import annotations

from pathlib import Path

from kinetor.screens import read_counts, screen_test

FIX = Path(__file__).parent / "fixtures"


def test_write_creates_the_prefix_folder(tmp_path):
    ct = read_counts(FIX / "demo1_count_table.txt")
    res = screen_test(ct, treatment="HL60.final,KBM7.final", control="HL60.initial,KBM7.initial")
    paths = res.write(tmp_path / "not" / "yet" / "demo")
    assert [p.name for p in paths] == ["demo.sgrna_summary.txt", "demo.gene_summary.txt"]
    assert all(p.is_file() for p in paths)
