"""Hostile differential miRNA tables: every bad value is a DataError naming the file, the
row (header = row 1) and the column, before anything is simulated or written."""

import json
import warnings

import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.mirna import read_de_mirnas


def _table(tmp_path, body: str, name: str = "de.csv"):
    p = tmp_path / name
    p.write_text(body)
    return p


@pytest.mark.parametrize(("padj", "shown"), [("-0.1", "-0.1"), ("1.5", "1.5"), ("nan", "nan")])
def test_padj_outside_0_1_is_refused(tmp_path, padj, shown):
    p = _table(tmp_path, f"mirna,log2fc,padj\nhsa-miR-21-5p,1,0.01\nhsa-miR-16-5p,1,{padj}\n")
    with pytest.raises(DataError) as err:
        read_de_mirnas(p)
    (prob,) = err.value.problems
    assert (prob.row, prob.column) == (3, "padj") and shown in prob.message


def test_padj_at_the_bounds_is_accepted(tmp_path):
    p = _table(tmp_path, "mirna,log2fc,padj\na,1,0\nb,-1,1\n")
    assert read_de_mirnas(p)["padj"].tolist() == [0.0, 1.0]


@pytest.mark.parametrize("lfc", ["inf", "-inf"])
def test_infinite_log2fc_names_row_and_column(tmp_path, lfc):
    p = _table(tmp_path, f"mirna,logFC,FDR\nhsa-miR-21-5p,{lfc},0.001\n")
    with pytest.raises(DataError) as err:
        read_de_mirnas(p)
    (prob,) = err.value.problems
    assert (prob.file, prob.row, prob.column) == (str(p), 2, "logFC")


def test_every_bad_cell_is_listed_in_row_order(tmp_path):
    p = _table(tmp_path, "mirna,log2fc,padj\na,abc,2\nb,1,0.5\nc,,0.1\n")
    with pytest.raises(DataError) as err:
        read_de_mirnas(p)
    got = [(q.row, q.column) for q in err.value.problems]
    assert got == [(2, "log2fc"), (2, "padj"), (4, "log2fc")]


def test_empty_and_header_only_files(tmp_path):
    with pytest.raises(DataError, match="the file is empty"):
        read_de_mirnas(_table(tmp_path, "", "empty.csv"))
    with pytest.raises(DataError, match="no data rows"):
        read_de_mirnas(_table(tmp_path, "mirna,log2fc,padj\n", "hdr.csv"))


@pytest.mark.parametrize("command", ["simulate", "enrich"])
def test_cli_refuses_with_exit_3_and_no_warning(tmp_path, capsys, command):
    p = _table(tmp_path, "mirna,log2fc,padj\nhsa-miR-21-5p,inf,-0.1\n")
    out = tmp_path / "o"
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        code = main(["--json", "mirna", command, str(p), "--out", str(out)])
    assert code == 3
    probs = json.loads(capsys.readouterr().out)["problems"]
    assert {(q["row"], q["column"]) for q in probs} == {(2, "log2fc"), (2, "padj")}
    assert not out.exists()


def test_cli_empty_file_names_it(tmp_path, capsys):
    p = _table(tmp_path, "", "empty.csv")
    capsys.readouterr()
    assert main(["--json", "mirna", "simulate", str(p), "--out", str(tmp_path / "o")]) == 3
    assert json.loads(capsys.readouterr().out)["problems"][0]["file"] == str(p)
