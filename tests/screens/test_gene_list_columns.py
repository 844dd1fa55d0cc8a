"""Which column of a gene-list table is read (read_gene_list, kinetor mirna enrich).

Expected genes are those written into each file; the enrichment counts and p-values are
worked by hand from the curated table (miR-21-5p -> PTEN, miR-99a-5p -> MTOR) and the
network's nodes (PTEN and MTOR are nodes, GAPDH is not).
"""

from __future__ import annotations

import json

import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.screens import read_gene_list

TEN = ["MTOR", "PTEN", "AKT1", "PIK3CA", "RPTOR", "TP53", "EGFR", "KRAS", "BRAF", "MYC"]


def _write(tmp_path, text: str, name: str = "genes.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _table(header: str, genes=TEN, first_numbers: bool = True) -> str:
    if first_numbers:
        return header + "\n" + "".join(f"{i},{g}\n" for i, g in enumerate(genes, 1))
    return header + "\n" + "".join(f"{g},{i}\n" for i, g in enumerate(genes, 1))


@pytest.mark.parametrize(
    "header",
    [
        "score,Gene Symbol",
        "score,gene-symbol",
        "score,Gene name",
        "score,HGNC Symbol",
        "score,Official Symbol",
        "score,Hugo_Symbol",
        "id,name",  # a name column is preferred to an id column
        "ID,Symbol",
    ],
)
def test_the_gene_column_is_found_by_its_normalised_header(tmp_path, header):
    genes = read_gene_list(_write(tmp_path, _table(header)))
    assert genes == TEN  # the header line is never a gene, the numbers neither
    assert (genes.column, genes.position) == (header.split(",")[1], 2)


def test_a_symbol_column_is_preferred_to_a_gene_id_column(tmp_path):
    text = "gene_id,gene_name\nENSG00000171862,PTEN\nENSG00000198793,MTOR\n"
    genes = read_gene_list(_write(tmp_path, text))
    assert (genes, genes.column) == (["PTEN", "MTOR"], "gene_name")


def test_a_header_naming_no_gene_column_is_a_data_error(tmp_path):
    path = _write(tmp_path, _table("score,value"))
    with pytest.raises(DataError) as info:
        read_gene_list(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.row) == (str(path), 1)
    assert "'score, value'" in problem.message
    assert "'gene symbol'" in problem.fix and "'symbol'" in problem.fix


@pytest.mark.parametrize(
    "text,row,column",
    [
        ("1,PTEN\n2,MTOR\n", 1, None),  # no header: column 1 would be read
        ("gene_id,score\n7157,1\n2475,2\n", 2, "gene_id"),  # Entrez ids only
        ("gene\n7157\n2475\n", 2, "gene"),
    ],
)
def test_a_column_of_numbers_is_not_read_as_genes(tmp_path, text, row, column):
    with pytest.raises(DataError) as info:
        read_gene_list(_write(tmp_path, text))
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (row, column)
    assert "genes are not numbers" in problem.message


def test_two_columns_of_the_gene_name_are_a_data_error(tmp_path):
    with pytest.raises(DataError) as info:
        read_gene_list(_write(tmp_path, "Gene,Gene\nMTOR,XMTOR\nPTEN,XPTEN\n"))
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (1, "Gene, Gene")


def test_an_unnamed_first_header_cell_is_not_read_as_a_gene(tmp_path):
    with pytest.raises(DataError) as info:
        read_gene_list(_write(tmp_path, "My genes,notes\nPTEN,lost\nMTOR,kept\n"))
    assert info.value.problems[0].row == 1


@pytest.mark.parametrize(
    "text,want",
    [
        ("PTEN\nMTOR\n", ["PTEN", "MTOR"]),
        ("1\n2\n", ["1", "2"]),  # a plain list is read as before, whatever it holds
        ("Gene Symbol\nPTEN\nMTOR\n", ["PTEN", "MTOR"]),
        ("PTEN,1\nMTOR,2\n", ["PTEN", "MTOR"]),
    ],
)
def test_plain_lists_and_headerless_tables_still_work(tmp_path, text, want):
    assert read_gene_list(_write(tmp_path, text, "genes.txt")) == want


def _enrich(tmp_path, capsys, *options):
    de = _write(
        tmp_path, "mirna,log2fc,padj\nhsa-miR-21-5p,2.0,0.001\nhsa-miR-99a-5p,-1.5,0.01\n", "de.csv"
    )
    argv = ["--json", "mirna", "enrich", str(de), *options, "--out", str(tmp_path / "o")]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)["enrichment"][0], err


def test_mirna_enrich_reads_the_gene_symbol_column_of_a_background(tmp_path, capsys):
    bg = _write(tmp_path, "score,Gene Symbol\n1,PTEN\n2,MTOR\n3,GAPDH\n", "bg.csv")
    pooled, err = _enrich(tmp_path, capsys, "--background", str(bg))
    # N = 3, K = 2 (PTEN, MTOR on the network), n = 2 targets, k = 2:
    # P(X >= 2) = C(2,2) C(1,0) / C(3,2) = 1/3
    got = (pooled["N"], pooled["K"], pooled["n"], pooled["k"])
    assert got == (3, 2, 2, 2)
    assert pooled["p_value"] == pytest.approx(1 / 3)
    assert "bg.csv: background genes read from column 2 'Gene Symbol'" in err


def test_mirna_enrich_reads_the_gene_symbol_column_of_a_pathway(tmp_path, capsys):
    bg = _write(tmp_path, "PTEN\nMTOR\nGAPDH\n", "bg.txt")
    pw = _write(tmp_path, "score,Gene Symbol\n1,PTEN\n", "pw.csv")
    pooled, err = _enrich(tmp_path, capsys, "--background", str(bg), "--pathway", str(pw))
    # N = 3, K = 1 (PTEN), n = 2, k = 1: P(X >= 1) = 1 - C(1,0) C(2,2) / C(3,2) = 2/3
    assert (pooled["N"], pooled["K"], pooled["n"], pooled["k"]) == (3, 1, 2, 1)
    assert pooled["p_value"] == pytest.approx(2 / 3)
    assert "pw.csv: pathway genes read from column 2 'Gene Symbol'" in err
    assert "bg.txt" not in err  # a plain list needs no note


def test_mirna_enrich_refuses_a_background_whose_gene_column_is_unknown(tmp_path, capsys):
    de = _write(tmp_path, "mirna,log2fc,padj\nhsa-miR-21-5p,2.0,0.001\n", "de.csv")
    bg = _write(tmp_path, "score,value\n1,PTEN\n2,MTOR\n", "bg.csv")
    argv = ["--json", "mirna", "enrich", str(de), "--background", str(bg)]
    code = main([*argv, "-o", str(tmp_path / "o")])
    assert code != 0
    (problem,) = json.loads(capsys.readouterr().out)["problems"]
    assert (problem["file"], problem["row"]) == (str(bg), 1)
    assert "names no gene column" in problem["problem"]


@pytest.mark.parametrize(
    "text",
    [
        '"","baseMean","log2FoldChange"\n"PTEN",10.5,-1.2\n"MTOR",8.1,0.4\n',  # R write.csv
        "X,baseMean,log2FoldChange\nPTEN,10.5,-1.2\nMTOR,8.1,0.4\n",  # read back by R
        "...1,baseMean\nPTEN,10.5\nMTOR,8.1\n",  # readr
        "Unnamed: 0,baseMean\nPTEN,10.5\nMTOR,8.1\n",  # pandas
        "baseMean\tlog2FoldChange\nPTEN\t10.5\t-1.2\nMTOR\t8.1\t0.4\n",  # R write.table
    ],
)
def test_gene_names_as_row_names_are_read_from_the_first_column(tmp_path, text):
    # DESeq2 results written by R or pandas have the genes as row names; these headers
    # name no gene column, so the table was refused
    genes = read_gene_list(_write(tmp_path, text))
    assert list(genes) == ["PTEN", "MTOR"]
    assert (genes.column, genes.position) == ("(row names)", 1)


def test_maxquant_gene_names_column_is_a_gene_column(tmp_path):
    genes = read_gene_list(_write(tmp_path, "Protein IDs,Gene names\nP60484,PTEN\nP42345,MTOR\n"))
    assert list(genes) == ["PTEN", "MTOR"] and genes.column == "Gene names"
