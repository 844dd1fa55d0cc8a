"""miRNA analysis: gene aliases, untested rows in BH, unverified interactions, extreme
fold changes, case duplicates, ragged rows, empty gene lists and notes on the CLI.

Expected values are hand computations (hypergeometric tails with math.comb, BH by hand,
the repression model's limits)."""

import json
from math import comb

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.mirna import (
    enrichment,
    pathway_targets,
    protein_changes,
    read_de_mirnas,
    read_mirtarbase,
    validated_targets,
)


def _tail(k, big_n, big_k, n):
    """P(X >= k) for X ~ Hypergeom(N, K, n), by counting."""
    top = min(big_k, n)
    return sum(comb(big_k, i) * comb(big_n - big_k, n - i) for i in range(k, top + 1)) / comb(
        big_n, n
    )


def test_target_aliases_are_read_as_network_symbols():
    de = pd.DataFrame({"mirna": ["m1", "m2"], "log2fc": [1.0, 1.0], "padj": [0.01, 0.9]})
    inter = pd.DataFrame(
        {
            "mirna": ["m1", "m1", "m1", "m2", "m2", "m2", "m2"],
            "target": ["FRAP1", "raptor", "G1", "MTOR", "G2", "G3", "G4"],
        }
    )
    pt = pathway_targets(de, inter)
    assert sorted(pt["target"]) == ["MTOR", "RPTOR"]
    # universe {MTOR, RPTOR, G1..G4}: N = 6 (FRAP1 and MTOR one gene), K = 2; m1: n 3, k 2
    row = enrichment(de, inter).iloc[0]
    assert (row["N"], row["K"], row["n"], row["k"]) == (6, 2, 3, 2)
    assert row["p_value"] == pytest.approx(4 / 20)  # C(2,2) C(4,1) / C(6,3)
    assert row["targets"] == "MTOR;RPTOR"


def test_a_background_alias_is_the_same_gene():
    de = pd.DataFrame({"mirna": ["m1"], "log2fc": [1.0], "padj": [0.01]})
    inter = pd.DataFrame({"mirna": ["m1", "m1"], "target": ["MTOR", "G1"]})
    row = enrichment(de, inter, background=["FRAP1", "G1", "G2", "G3"]).iloc[0]
    assert (row["N"], row["K"], row["n"], row["k"]) == (4, 1, 2, 1)
    assert row["p_value"] == pytest.approx(1 - comb(3, 2) / comb(4, 2))


def test_untestable_rows_are_left_out_of_the_bh_family():
    bg = ["MTOR", "PTEN", "AKT1"] + [f"G{i}" for i in range(1, 8)]  # N = 10, K = 3
    inter = pd.DataFrame(
        {
            "mirna": ["m1"] * 3 + ["m2"] * 4,
            "target": ["MTOR", "PTEN", "G1", "AKT1", "G2", "G3", "G4"],
        }
    )
    de = pd.DataFrame(
        {"mirna": ["m1", "m2", "m3"], "log2fc": [2.0, -1.0, 1.5], "padj": [0.01, 0.01, 0.01]}
    )
    res = enrichment(de, inter, background=bg).set_index("set")
    p1 = (comb(3, 2) * comb(7, 1) + comb(3, 3)) / comb(10, 3)  # 22/120
    p2 = 1 - comb(7, 4) / comb(10, 4)  # 175/210
    assert p1 == pytest.approx(_tail(2, 10, 3, 3)) and p2 == pytest.approx(_tail(1, 10, 3, 4))
    assert res.loc["m1", "p_value"] == pytest.approx(p1)
    assert res.loc["m2", "p_value"] == pytest.approx(p2)
    # BH over the two tested miRNAs only: p2 * 2/2, min(p1 * 2/1, p2 * 2/2)
    assert res.loc["m2", "fdr"] == pytest.approx(p2)
    assert res.loc["m1", "fdr"] == pytest.approx(min(2 * p1, p2))
    # m3 (changed, no target): not tested, said so, NaN
    assert res.loc["m3", "n"] == 0
    assert np.isnan(res.loc["m3", "p_value"]) and np.isnan(res.loc["m3", "fdr"])
    assert "not tested" in res.loc["m3", "note"] and res.loc["m1", "note"] == ""
    # pooled: n = 7, k = 3
    assert res.loc["all changed", "p_value"] == pytest.approx(comb(7, 4) / comb(10, 7))


def test_unverified_interactions_are_left_out_unless_asked_for():
    t = validated_targets()
    row = t[(t["mirna"] == "hsa-miR-7-5p") & (t["target"] == "PIK3CD")].iloc[0]
    assert row["status"] == "unverified" and row["pmid"] == ""
    de = pd.DataFrame({"mirna": ["hsa-miR-7-5p"], "log2fc": [2.0], "padj": [0.001]})
    pw = ["MTOR", "PIK3CD"]
    assert list(pathway_targets(de, t, pw)["target"]) == ["MTOR"]
    used = pathway_targets(de, t, pw, include_unverified=True)
    assert sorted(used["target"]) == ["MTOR", "PIK3CD"]
    # the default background (genes of the interactions used) has no PIK3CD either
    assert enrichment(de, t, pw).iloc[0]["n"] == 1


@pytest.mark.parametrize("lfc", [2000.0, -2000.0])
def test_extreme_fold_changes_reach_the_limits_without_overflow(lfc):
    e, k = 0.33, 1.0
    ch = protein_changes(
        pd.DataFrame({"mirna": ["a"], "target": ["PTEN"], "log2fc": [lfc]}), efficacy=e, k=k
    )
    ref = 1 - e / (1 + k)
    want = (1 - e) / ref if lfc > 0 else 1 / ref  # miRNA without bound / lost
    assert ch["protein_fraction"].iloc[0] == pytest.approx(want, rel=1e-12)


def test_a_miRNA_written_in_two_cases_is_listed_twice(tmp_path):
    p = tmp_path / "de.csv"
    p.write_text("mirna,log2fc,padj\nhsa-miR-21-5p,1,0.01\nHSA-MIR-21-5P,2,0.01\n")
    with pytest.raises(DataError) as e:
        read_de_mirnas(p)
    (pr,) = e.value.problems
    assert (pr.file, pr.row, pr.column) == (str(p), 3, "mirna")
    assert "appears twice" in pr.message and "row 2" in pr.message
    # precursor and mature (miRBase case) are two molecules
    p.write_text("mirna,log2fc,padj\nhsa-mir-21,1,0.01\nhsa-miR-21,2,0.01\n")
    assert len(read_de_mirnas(p)) == 2


def test_a_row_with_more_cells_than_the_header_is_a_data_error(tmp_path):
    p = tmp_path / "de.csv"
    p.write_text("mirna,log2fc,padj\nhsa-miR-21-5p,1,0.01,0.5\nhsa-let-7a-5p,-3,0.01\n")
    with pytest.raises(DataError) as e:
        read_de_mirnas(p)
    (pr,) = e.value.problems
    assert (pr.file, pr.row) == (str(p), 2) and "4 cells" in pr.message
    m = tmp_path / "mti.csv"
    m.write_text("miRNA,Target Gene,Experiments\nhsa-miR-1,MTOR,Western blot,extra\n")
    with pytest.raises(DataError) as e:
        read_mirtarbase(m)
    assert e.value.problems[0].row == 2


def test_an_empty_pathway_list_is_an_error(tmp_path, capsys):
    de = pd.DataFrame({"mirna": ["m1"], "log2fc": [1.0], "padj": [0.01]})
    inter = pd.DataFrame({"mirna": ["m1"], "target": ["MTOR"]})
    with pytest.raises(DataError, match="pathway gene list is empty"):
        enrichment(de, inter, pathway=[])
    d = tmp_path / "de.csv"
    d.write_text("mirna,log2fc,padj\nhsa-miR-21-5p,2,0.001\n")
    empty = tmp_path / "pathway.txt"
    empty.write_text("# nothing\n\n")
    args = ["--json", "mirna", "enrich", str(d), "--pathway", str(empty)]
    assert main([*args, "--out", str(tmp_path / "o")]) == 3
    (pr,) = json.loads(capsys.readouterr().out)["problems"]
    assert pr["file"] == str(empty) and "empty" in pr["problem"]


def test_an_infinite_k_is_refused(tmp_path):
    d = tmp_path / "de.csv"
    d.write_text("mirna,log2fc,padj\nhsa-miR-21-5p,2,0.001\n")
    assert main(["mirna", "simulate", str(d), "--k", "inf", "--out", str(tmp_path / "o")]) == 2
    with pytest.raises(DataError):
        protein_changes(
            pd.DataFrame({"mirna": ["a"], "target": ["PTEN"], "log2fc": [1.0]}), k=float("inf")
        )


@pytest.mark.slow
def test_simulate_reports_targets_outside_the_model_and_huge_changes(tmp_path, capsys):
    d = tmp_path / "de.csv"
    d.write_text("mirna,log2fc,padj\nhsa-miR-126-3p,2,0.001\nhsa-miR-21-5p,2000,0.001\n")
    out = tmp_path / "s"
    assert main(["--json", "mirna", "simulate", str(d), "--out", str(out)]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["not_in_model"] == ["PIK3R2"]
    ch = pd.read_csv(out / "protein_changes.csv").set_index("target")
    assert not ch.loc["PIK3R2", "in_model"] and ch.loc["PTEN", "in_model"]
    assert ch.loc["PTEN", "protein_fraction"] == pytest.approx(0.67 / 0.835)


@pytest.mark.slow
def test_a_note_when_no_miRNA_is_changed(tmp_path, capsys):
    d = tmp_path / "de.csv"
    d.write_text("mirna,log2fc,padj\nhsa-miR-21-5p,2,0.5\n")
    assert main(["mirna", "simulate", str(d), "--out", str(tmp_path / "s")]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "none of the 1 miRNA(s) in de.csv passes padj < 0.05" in err
