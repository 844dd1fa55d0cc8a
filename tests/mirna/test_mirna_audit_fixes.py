"""miRTarBase/TarBase readers: Non-Functional MTI rows are dropped, and the strong-evidence
filter matches methods by meaning (Western blot = immunoblot; qPCR = quantitative
real-time PCR = real-time RT-PCR; reporter = luciferase), with counts of what each filter
dropped in ``attrs["notes"]``. The tables are hand-made; the expected rows are read off."""

import pandas as pd
import pytest

from kinetor.mirna import read_mirtarbase, read_tarbase

# (experiment text, strong?) as miRTarBase and TarBase write them
EXPERIMENTS = [
    ("Luciferase reporter assay//Western blot//qRT-PCR", True),
    ("Reporter assay", True),
    ("GFP reporter assay", True),
    ("Western blot", True),
    ("Immunoblot", True),
    ("qRT-PCR", True),
    ("Real-time RT-PCR", True),
    ("RT-qPCR", True),
    ("Quantitative real-time PCR", True),
    ("qPCR", True),
    ("Microarray", False),
    ("HITS-CLIP//PAR-CLIP", False),
    ("pSILAC//Proteomics", False),
    ("Northern blot", False),
    ("Semi-quantitative RT-PCR", False),
    ("RT-PCR", False),
]


def _mirtarbase(tmp_path):
    rows = [
        {
            "miRTarBase ID": f"MIRT{i:05d}",
            "miRNA": "hsa-miR-21-5p",
            "Species (miRNA)": "Homo sapiens",
            "Target Gene": f"G{i}",
            "Experiments": exp,
            "Support Type": "Functional MTI" if strong else "Functional MTI (Weak)",
            "References (PMID)": str(1000 + i),
        }
        for i, (exp, strong) in enumerate(EXPERIMENTS)
    ]
    rows.append({**rows[0], "Target Gene": "NONFUNC", "Support Type": "Non-Functional MTI"})
    rows.append({**rows[3], "Target Gene": "NONFUNCW", "Support Type": "Non-Functional MTI (Weak)"})
    rows.append({**rows[0], "miRNA": "mmu-miR-21a-5p", "Species (miRNA)": "Mus musculus",
                 "Target Gene": "GMOUSE"})  # fmt: skip
    p = tmp_path / "mti.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    return p


def test_mirtarbase_drops_non_functional_rows_and_matches_methods_by_meaning(tmp_path):
    t = read_mirtarbase(_mirtarbase(tmp_path))
    kept = set(t["target"])
    assert kept == {f"G{i}" for i, (_, strong) in enumerate(EXPERIMENTS) if strong}
    assert {"NONFUNC", "NONFUNCW", "GMOUSE"}.isdisjoint(kept)
    assert t.attrs["notes"] == [
        "2 Non-Functional MTI row(s) dropped (evidence of no functional interaction)",
        "1 row(s) of other species than Homo sapiens dropped",
        "6 row(s) without a reporter assay, Western blot (immunoblot) or qPCR"
        " (incl. real-time RT-PCR) dropped",
    ]


def test_non_functional_rows_are_dropped_without_the_evidence_filter(tmp_path):
    t = read_mirtarbase(_mirtarbase(tmp_path), strong_only=False)
    assert len(t) == len(EXPERIMENTS)
    assert "NONFUNC" not in set(t["target"]) and "NONFUNCW" not in set(t["target"])


@pytest.mark.parametrize(("method", "strong"), [("Immunoblot", True), ("Real time RT-PCR", True),
                                                ("ELISA", False), ("qPCR", True)])  # fmt: skip
def test_tarbase_uses_the_same_classes(tmp_path, method, strong):
    p = tmp_path / "tb.tsv"
    pd.DataFrame(
        {
            "geneName": ["RPTOR", "TSC1"],
            "mirna": ["hsa-miR-9", "hsa-miR-8"],
            "species": ["Homo sapiens"] * 2,
            "method": [method, method],
            "positive_negative": ["POSITIVE", "NEGATIVE"],
        }
    ).to_csv(p, sep="\t", index=False)
    t = read_tarbase(p)
    assert list(t["target"]) == (["RPTOR"] if strong else [])
    assert t.attrs["notes"][0] == "1 NEGATIVE row(s) dropped (no interaction found)"


def test_cli_prints_what_the_reader_dropped(tmp_path, capsys):
    from kinetor.cli.main import main

    path = _mirtarbase(tmp_path)
    args = ["mirna", "targets", "--mirtarbase", str(path), "--out", str(tmp_path / "t")]
    assert main(args) == 0
    out = capsys.readouterr().out.replace("\n", " ")
    assert "mti.csv: 2 Non-Functional MTI row(s) dropped" in out
