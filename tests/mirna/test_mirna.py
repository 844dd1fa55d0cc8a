"""miRNA targets, enrichment (against scipy), repression model and network consequence."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kinetor.errors import DataError
from kinetor.mirna import (
    INTERACTIONS,
    enrichment,
    pathway_targets,
    protein_changes,
    protein_fraction,
    read_de_mirnas,
    read_mirtarbase,
    read_tarbase,
    simulate_mirna_change,
    validated_targets,
)


def test_curated_table_is_sourced():
    t = validated_targets()
    assert len(t) == len(INTERACTIONS)
    assert set(t["status"]) <= {"firm", "likely", "unverified"}
    firm = t[t["status"] == "firm"]
    assert firm["pmid"].str.fullmatch(r"\d{7,8}").all()
    assert (firm["evidence"].str.contains("reporter|Western|qPCR")).all()
    row = t[(t["mirna"] == "hsa-miR-21-5p") & (t["target"] == "PTEN")].iloc[0]
    assert row["pmid"] == "17681183"


def _de():
    return pd.DataFrame(
        {
            "mirna": ["m1", "m2", "m3", "m4"],
            "log2fc": [2.0, -1.0, 3.0, 0.1],
            "padj": [0.001, 0.02, 0.2, 0.01],
        }
    )


def test_enrichment_matches_scipy_hypergeom_and_fisher():
    rng = np.random.default_rng(0)
    genes = [f"G{i}" for i in range(60)] + ["MTOR", "PTEN", "AKT1", "RPTOR", "TSC2"]
    rows = [("m1", g) for g in rng.choice(genes[:60], 8, replace=False)]
    rows += [
        ("m1", "MTOR"),
        ("m1", "PTEN"),
        ("m2", "AKT1"),
        ("m2", "G1"),
        ("m3", "RPTOR"),
        ("m4", "TSC2"),
    ]
    inter = pd.DataFrame(rows, columns=["mirna", "target"])
    res = enrichment(_de(), inter, background=genes).set_index("set")
    pooled = res.loc["all changed"]  # m1, m2 (m3 not significant, m4 |lfc| kept at 0 cut)
    tg = set(inter.loc[inter["mirna"].isin(["m1", "m2", "m4"]), "target"])
    path = {"MTOR", "PTEN", "AKT1", "RPTOR", "TSC2"}
    n, k = len(tg), len(tg & path)
    assert (pooled["N"], pooled["K"], pooled["n"], pooled["k"]) == (65, 5, n, k)
    assert pooled["p_value"] == pytest.approx(stats.hypergeom.sf(k - 1, 65, 5, n))
    table = [[k, n - k], [5 - k, 65 - 5 - (n - k)]]
    assert pooled["p_value"] == pytest.approx(stats.fisher_exact(table, "greater")[1])
    # BH over the per-miRNA rows
    per = res.drop(index="all changed")
    p = per["p_value"].to_numpy()
    n = len(p)
    expected = [
        min(1.0, min(sorted(p)[j - 1] * n / j for j in range(r, n + 1)))
        for r in (sorted(p).index(v) + 1 for v in p)
    ]
    np.testing.assert_allclose(per["fdr"], expected)


def test_min_lfc_and_pathway_targets():
    inter = validated_targets()
    de = pd.DataFrame(
        {
            "mirna": ["hsa-miR-21-5p", "hsa-miR-99a-5p"],
            "log2fc": [2.0, -0.3],
            "padj": [0.001, 0.001],
        }
    )
    t = pathway_targets(de, inter, min_lfc=0.5)
    assert list(t["target"]) == ["PTEN"] and list(t["direction"]) == ["up"]


def test_protein_fraction_hand_values():
    assert protein_fraction([1.0]) == pytest.approx(1.0)
    # E = 0.5, K = 1: m = 3 -> (1 - 0.375) / (1 - 0.25)
    assert protein_fraction([3.0], efficacy=0.5, k=1.0) == pytest.approx(0.625 / 0.75)
    # two miRNAs multiply; a lost miRNA derepresses
    assert protein_fraction([3.0, 0.0], 0.5, 1.0) == pytest.approx(0.625 / 0.75 / 0.75)
    with pytest.raises(DataError):
        protein_fraction([1.0], efficacy=1.2)


def test_mir21_up_lowers_pten_and_raises_pakt():
    de = pd.DataFrame({"mirna": ["hsa-miR-21-5p"], "log2fc": [3.0], "padj": [1e-4]})
    ch = protein_changes(pathway_targets(de, validated_targets()))
    assert ch["protein_fraction"].iloc[0] < 1
    res = simulate_mirna_change(ch).set_index("readout")
    assert res.loc["pAKT_S473", "percent"] > 100
    assert res.attrs["parameters"]["PTEN_tot"] < 1


def test_readers(tmp_path):
    mt = tmp_path / "mti.csv"
    pd.DataFrame(
        {
            "miRTarBase ID": ["MIRT1", "MIRT2", "MIRT3"],
            "miRNA": ["hsa-miR-1", "hsa-miR-2", "mmu-miR-3"],
            "Species (miRNA)": ["Homo sapiens", "Homo sapiens", "Mus musculus"],
            "Target Gene": ["MTOR", "akt1", "PTEN"],
            "Experiments": ["Luciferase reporter assay//Western blot", "Microarray", "qRT-PCR"],
            "References (PMID)": ["1", "2", "3"],
        }
    ).to_csv(mt, index=False)
    r = read_mirtarbase(mt)
    assert list(r["mirna"]) == ["hsa-miR-1"] and list(r["target"]) == ["MTOR"]
    assert len(read_mirtarbase(mt, strong_only=False)) == 2
    tb = tmp_path / "tarbase.tsv"
    pd.DataFrame(
        {
            "geneId": ["x", "y"],
            "geneName": ["RPTOR", "TSC1"],
            "mirna": ["hsa-miR-9", "hsa-miR-8"],
            "species": ["Homo sapiens"] * 2,
            "method": ["qPCR", "HITS-CLIP"],
            "positive_negative": ["POSITIVE"] * 2,
        }
    ).to_csv(tb, sep="\t", index=False)
    assert list(read_tarbase(tb)["target"]) == ["RPTOR"]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="missing column"):
        read_mirtarbase(bad)


def test_de_table_errors(tmp_path):
    p = tmp_path / "de.csv"
    p.write_text("mirna,logFC,FDR\nm1,1.0,0.01\nm1,2.0,0.02\nm2,x,0.1\n")
    with pytest.raises(DataError) as e:
        read_de_mirnas(p)
    assert "row 4" in str(e.value)
    p.write_text("mirna,logFC,FDR\nm1,1.0,0.01\nm1,2.0,0.02\n")
    with pytest.raises(DataError, match="appears twice"):
        read_de_mirnas(p)
