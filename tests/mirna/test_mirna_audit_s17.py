"""Differential miRNA tables: two fold-change or two adjusted p-value columns, and a blank
miRNA name, are DataErrors naming the file, row and column (hand-made tables)."""

import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.mirna import read_de_mirnas


def _write(tmp_path, text: str):
    path = tmp_path / "de.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("header", "row", "both"),
    [
        ("mirna,log2fc,FDR,padj", "hsa-miR-21-5p,2,0.9,0.01", ("'FDR'", "'padj'")),
        ("mirna,log2fc,logFC,padj", "hsa-miR-21-5p,2,-1,0.01", ("'log2fc'", "'logFC'")),
    ],
)
def test_two_columns_for_one_role_are_not_guessed(tmp_path, header, row, both):
    path = _write(tmp_path, f"{header}\n{row}\n")
    with pytest.raises(DataError) as exc:
        read_de_mirnas(path)
    (p,) = exc.value.problems
    assert p.row == 1 and p.file == str(path)
    assert all(name in p.message for name in both)
    assert "keep one" in p.fix


def test_blank_mirna_name_is_a_data_error_naming_its_row(tmp_path):
    # header row 1, hsa-miR-21-5p row 2, the blank name row 3
    path = _write(tmp_path, "mirna,log2fc,padj\nhsa-miR-21-5p,2,0.01\n,1,0.01\n")
    with pytest.raises(DataError) as exc:
        read_de_mirnas(path)
    (p,) = exc.value.problems
    assert (p.row, p.column) == (3, "mirna") and "blank miRNA name" in p.message


def test_cli_refuses_both_with_exit_3(tmp_path, capsys):
    for i, text in enumerate(
        (
            "mirna,log2fc,FDR,padj\nhsa-miR-21-5p,2,0.9,0.01\n",
            "mirna,log2fc,padj\nhsa-miR-21-5p,2,0.01\n ,1,0.01\n",
        )
    ):
        path = _write(tmp_path, text)
        argv = ["mirna", "simulate", str(path), "--lesions", "PTEN_loss"]
        assert main([*argv, "--out", str(tmp_path / f"s{i}")]) == 3
        assert not (tmp_path / f"s{i}" / "protein_changes.csv").exists()
    capsys.readouterr()
