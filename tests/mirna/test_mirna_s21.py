"""Audit s21 (miRNA): semi-quantitative PCR is not qPCR, R-written DE tables (row names),
DESeq2's NA padj, alias duplicates in pathway targets, TarBase v9 PMIDs and a missing
species column. Expected values are read off the hand-written tables."""

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.mirna import (
    changed_mirnas,
    pathway_targets,
    read_de_mirnas,
    read_mirtarbase,
    read_tarbase,
)

MTB_HEADER = "miRNA,Species (miRNA),Target Gene,Experiments,Support Type,References (PMID)\n"


@pytest.mark.parametrize(
    "method",
    ["Semiquantitative RT-PCR", "semiquantitative PCR", "Semi-quantitative real-time PCR"],
)
def test_semi_quantitative_pcr_is_not_strong_evidence(tmp_path, method):
    # semi-quantitative RT-PCR is end-point PCR (docs/mirna.md): the row is dropped; a
    # row with qRT-PCR, and one naming semi-quantitative PCR and a reporter, are kept
    p = tmp_path / "mtb.csv"
    p.write_text(
        MTB_HEADER + f"hsa-miR-1,Homo sapiens,AKT1,{method},Functional MTI,1\n"
        "hsa-miR-1,Homo sapiens,PTEN,qRT-PCR,Functional MTI,2\n"
        f"hsa-miR-1,Homo sapiens,MTOR,{method}//Luciferase reporter assay,Functional MTI,3\n"
    )
    t = read_mirtarbase(p)
    assert sorted(t["target"]) == ["MTOR", "PTEN"]
    assert any("1 row(s) without a reporter assay" in n for n in t.attrs["notes"])


def test_deseq2_write_csv_row_names_are_the_mirna_names(tmp_path):
    # write.csv(res): the header's first cell is "" and the names are the row names
    p = tmp_path / "deseq2.csv"
    p.write_text(
        '"","baseMean","log2FoldChange","lfcSE","stat","pvalue","padj"\n'
        '"hsa-miR-21-5p",100,2.1,0.3,7,1e-10,1e-8\n'
        '"hsa-miR-99a-5p",50,-1.2,0.3,-4,1e-4,0.002\n'
    )
    de = read_de_mirnas(p)
    assert de["mirna"].tolist() == ["hsa-miR-21-5p", "hsa-miR-99a-5p"]
    assert de["log2fc"].tolist() == [2.1, -1.2] and de["padj"].tolist() == [1e-8, 0.002]


def test_edger_write_table_header_one_cell_short(tmp_path):
    # write.table(topTags(...), sep="\t"): five header cells over six-cell rows
    p = tmp_path / "edger.tsv"
    p.write_text(
        "logFC\tlogCPM\tF\tPValue\tFDR\n"
        "hsa-miR-21-5p\t2.1\t5\t30\t1e-8\t1e-6\n"
        "hsa-miR-99a-5p\t-1.5\t4\t20\t1e-6\t1e-4\n"
        "hsa-miR-16-5p\t0.2\t6\t1\t0.3\t0.6\n"
    )
    de = read_de_mirnas(p)
    assert de["mirna"].tolist() == ["hsa-miR-21-5p", "hsa-miR-99a-5p", "hsa-miR-16-5p"]
    assert de["log2fc"].tolist() == [2.1, -1.5, 0.2] and de["padj"].tolist() == [1e-6, 1e-4, 0.6]


def test_row_names_table_problems_name_line_and_column(tmp_path):
    p = tmp_path / "edger.tsv"
    p.write_text("logFC\tFDR\nhsa-miR-21-5p\t2.1\t1e-6\n\t1.0\t0.01\nhsa-miR-1\t1.0\t7\n")
    with pytest.raises(DataError) as err:
        read_de_mirnas(p)
    got = [(q.row, q.column) for q in err.value.problems]
    assert got == [(3, "(row names)"), (4, "FDR")]


def test_a_real_extra_cell_is_still_refused(tmp_path):
    # only one row one cell longer than the header: not R's row names, refused as before
    p = tmp_path / "de.csv"
    p.write_text("mirna,log2fc,padj\nhsa-miR-21-5p,1,0.01\nhsa-miR-1,1,0.01,9\n")
    with pytest.raises(DataError, match="4 cells but the header has 3 columns"):
        read_de_mirnas(p)


def test_deseq2_na_padj_is_not_tested_and_counted(tmp_path):
    # independent filtering: padj NA; all-zero counts: log2FoldChange and padj NA
    p = tmp_path / "deseq2_na.csv"
    p.write_text(
        "mirna,log2FoldChange,pvalue,padj\nhsa-miR-21-5p,2.1,1e-9,1e-8\n"
        "hsa-miR-7-5p,1.0,0.5,NA\nhsa-miR-1,NA,NA,NA\nhsa-miR-16-5p,-1,0.2,\n"
    )
    de = read_de_mirnas(p)
    assert de["mirna"].tolist() == ["hsa-miR-21-5p", "hsa-miR-7-5p", "hsa-miR-1", "hsa-miR-16-5p"]
    assert de["padj"].iloc[0] == 1e-8 and np.isnan(de["padj"].iloc[1:]).all()
    (note,) = de.attrs["notes"]
    assert note.startswith("3 miRNA(s) with padj NA") and "not called changed" in note
    assert changed_mirnas(de, fdr=1.0)["mirna"].tolist() == ["hsa-miR-21-5p"]


def test_other_non_p_values_are_still_refused(tmp_path):
    p = tmp_path / "de.csv"
    p.write_text("mirna,log2fc,padj\nhsa-miR-21-5p,1,n/a\nhsa-miR-1,abc,0.01\n")
    with pytest.raises(DataError) as err:
        read_de_mirnas(p)
    assert [(q.row, q.column) for q in err.value.problems] == [(2, "padj"), (3, "log2fc")]


def test_cli_enrich_reads_deseq2_with_na_and_says_so(tmp_path, capsys):
    p = tmp_path / "deseq2.csv"
    p.write_text(
        '"","baseMean","log2FoldChange","lfcSE","stat","pvalue","padj"\n'
        '"hsa-miR-21-5p",100,2.1,0.3,7,1e-10,1e-8\n'
        '"hsa-miR-7-5p",5,1.0,0.3,1,0.5,NA\n'
    )
    out = tmp_path / "e"
    assert main(["mirna", "enrich", str(p), "--out", str(out)]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "deseq2.csv: 1 miRNA(s) with padj NA (hsa-miR-7-5p) not tested" in err
    pt = pd.read_csv(out / "pathway_targets.csv")
    # curated: miR-21-5p -> PTEN (Meng et al. 2007); miR-7-5p is not changed
    assert list(zip(pt["mirna"], pt["target"], strict=True)) == [("hsa-miR-21-5p", "PTEN")]


def test_pathway_targets_alias_and_symbol_are_one_row():
    # FRAP1 is MTOR's old symbol: a -> FRAP1 and a -> MTOR are one pair
    inter = pd.DataFrame({"mirna": ["a", "a", "b"], "target": ["FRAP1", "MTOR", "pten"]})
    de = pd.DataFrame({"mirna": ["a", "b"], "log2fc": [1.0, -1.0], "padj": [0.01, 0.01]})
    pt = pathway_targets(de, inter)
    assert list(zip(pt["mirna"], pt["target"], pt["direction"], strict=True)) == [
        ("a", "MTOR", "up"),
        ("b", "PTEN", "down"),
    ]


def test_tarbase_v9_pmid_and_missing_species_note(tmp_path):
    p = tmp_path / "tarbase_v9.tsv"
    p.write_text(
        "mirna_name\tgene_name\texperimental_method\tarticle_pubmed_id\n"
        "hsa-miR-21-5p\tPTEN\tLuciferase reporter assay\t17681183\n"
    )
    t = read_tarbase(p)
    assert t["pmid"].tolist() == ["17681183"]
    assert any("no species column" in n and "Homo sapiens" in n for n in t.attrs["notes"])


def test_extra_cells_under_a_mirna_header_are_not_row_names(tmp_path):
    # every row one cell longer, but the header names the miRNA column: refused as written
    p = tmp_path / "de.csv"
    p.write_text("mirna,log2fc,padj\nhsa-miR-21-5p,1,0.01,X\nhsa-miR-1,1,0.01,Y\n")
    with pytest.raises(DataError) as err:
        read_de_mirnas(p)
    assert [q.row for q in err.value.problems] == [2, 3]
    assert "4 cells but the header has 3 columns" in err.value.problems[0].message
