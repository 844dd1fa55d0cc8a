"""Pooled screens, audit s21: library spacers with N, mapping samples, notes of the gene test
(guides removed before RRA, NA genes, identical replicates), trailing separators, blank
FASTQ lines, reads too short for the guide window. Expected values are worked out by hand
in each test."""

import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.screens import (
    CountTable,
    count_fastq,
    read_counts,
    read_library,
    screen_qc,
    screen_test,
)


def _fq(seqs: list[str]) -> bytes:
    return b"".join(
        b"@r%d\n%s\n+\n%s\n" % (i, s.encode(), b"I" * len(s)) for i, s in enumerate(seqs)
    )


# --- B1: a spacer with N can never be counted --------------------------------------------


def test_read_library_refuses_a_spacer_with_n(tmp_path):
    lib = tmp_path / "lib.txt"
    lib.write_text("s0\tACGTACGT\tA\ns1\tACGTNCGT\tA\ns2\tTTTTCCCC\tB\n")
    with pytest.raises(DataError) as e:
        read_library(lib)
    (p,) = e.value.problems
    # s1 is on the second line of the file (no header row)
    assert (p.row, p.column) == (2, "sequence")
    assert "'s1'" in p.message and " N " in p.message and "ACGTNCGT" in p.message


def test_screen_count_with_an_n_spacer_fails_instead_of_counting_zero(tmp_path, capsys):
    lib = tmp_path / "lib.txt"
    lib.write_text("id\tsequence\tgene\ns1\tACGTNCGT\tA\ns2\tTTTTCCCC\tB\n")
    fq = tmp_path / "s.fastq"
    fq.write_bytes(_fq(["GGACGTACGTAA", "GGTTTTCCCCAA"]))
    out = str(tmp_path / "o")
    code = main(["--json", "screen", "count", str(fq), "-l", str(lib), "--trim-5", "2", "-o", out])
    assert code == 3  # a DataError, not exit 0 with s1 = 0
    p = json.loads(capsys.readouterr().out)["problems"][0]
    assert p["row"] == 2 and "s1" in p["problem"]  # header = line 1, s1 on line 2


def test_count_fastq_refuses_a_frame_spacer_with_n():
    lib = pd.DataFrame(
        {"guide": ["s1", "s2"], "sequence": ["ACGTNCGT", "TTTTCCCC"], "gene": ["A", "B"]}
    )
    with pytest.raises(DataError, match="'s1'"):
        count_fastq({"s": io.BytesIO(_fq(["GGACGTACGTAA"]))}, lib, trim5=2, mismatches=1)


# --- B2: the mapping table must describe the count table's samples -------------------------


def _tiny_counts() -> CountTable:
    y = np.array([[10.0, 20.0], [30.0, 40.0], [50.0, 60.0]])
    return CountTable(np.array(["g1", "g2", "g3"]), np.array(["A", "A", "B"]), ["s1", "s2"], y)


def test_screen_qc_refuses_a_mapping_of_other_samples():
    mapping = pd.DataFrame({"sample": ["X1", "s1"], "reads": ["100", "200"], "mapped": [90, 80]})
    with pytest.raises(DataError) as e:
        screen_qc(_tiny_counts(), mapping=mapping)
    msg = e.value.problems[0].message
    assert "not in the count table: X1" in msg and "missing from the mapping table: s2" in msg


def test_screen_qc_mapping_of_the_same_samples_still_works():
    mapping = pd.DataFrame({"sample": ["s2", "s1"], "reads": [200, 100], "mapped": [50, 90]})
    q = screen_qc(_tiny_counts(), mapping=mapping)
    # s1: 90 / 100, s2: 50 / 200
    assert q.samples["mapped_fraction"].tolist() == pytest.approx([0.9, 0.25])


# --- B3, C2, C3: notes of the gene test ---------------------------------------------------


def _screen(zero_genes=("Z1", "Z2"), na=False, identical=False) -> CountTable:
    """20 genes x 4 guides with counts ~100-300, plus genes whose guides are 0 everywhere."""
    rng = np.random.default_rng(5)
    n = 80
    y = rng.poisson(200, size=(n, 4)).astype(float)
    if identical:
        y[:, 1] = y[:, 0]
    genes = np.repeat([f"G{i:02d}" for i in range(20)], 4)
    if na:
        genes[:4] = "NA"
        y[:4, 2:] = 5.0  # strongly depleted: would be the top hit if tested
    for z in zero_genes:
        y = np.vstack([y, np.zeros((2, 4))])
        genes = np.concatenate([genes, [z, z]])
    guides = np.array([f"g{i}" for i in range(len(genes))])
    return CountTable(guides, genes, ["c1", "c2", "t1", "t2"], y)


def test_genes_without_guides_left_are_named_in_a_note():
    res = screen_test(_screen(), treatment="t1,t2", control="c1,c2")
    assert not res.genes["gene"].isin(["Z1", "Z2"]).any()
    # 80 guides + 2 x 2 all-zero guides = 84; the 4 zero guides are removed
    (note,) = [n for n in res.notes if "removed before RRA" in n]
    assert note.startswith("4 of 84 guides removed before RRA")
    assert "2 gene(s) had no guide left" in note and "Z1, Z2" in note
    assert res.genes.attrs["notes"] == res.notes


def test_many_lost_genes_are_listed_ten_and_counted():
    zero = [f"Z{i:02d}" for i in range(12)]
    res = screen_test(_screen(zero_genes=zero), treatment="t1,t2", control="c1,c2")
    (note,) = [n for n in res.notes if "removed before RRA" in n]
    assert "12 gene(s)" in note and "Z09 and 2 more" in note and "Z10" not in note


def test_no_note_when_nothing_is_left_out():
    res = screen_test(_screen(zero_genes=()), treatment="t1,t2", control="c1,c2")
    assert res.notes == []


def test_na_genes_get_p_1_and_a_note():
    res = screen_test(_screen(zero_genes=(), na=True), treatment="t1,t2", control="c1,c2")
    row = res.genes.set_index("gene").loc["NA"]
    assert row["neg_p_value"] == 1.0 and row["pos_p_value"] == 1.0
    (note,) = [n for n in res.notes if "NA" in n]
    assert "(4 guides)" in note and "--skip-gene" in note


def test_identical_replicates_get_a_note():
    res = screen_test(_screen(zero_genes=(), identical=True), treatment="t1,t2", control="c1,c2")
    # no variance: var - mean is floored at 0.01 for every guide, a flat line (slope 0),
    # raised to the bound k = 1
    assert res.model["k"] == 1.0
    (note,) = [n for n in res.notes if "identical" in n]
    assert note.startswith("samples c1, c2 have identical counts")
    assert "merged" in note


def test_screen_test_cli_prints_and_reports_the_notes(tmp_path, capsys):
    path = tmp_path / "counts.txt"
    _screen().to_frame().to_csv(path, sep="\t", index=False)
    out = tmp_path / "o"
    argv = ["screen", "test", str(path), "-t", "t1,t2", "-c", "c1,c2", "-o", str(out)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "note: 4 of 84 guides removed before RRA" in err and "Z1, Z2" in err
    assert "Z1, Z2" in (out / "report.html").read_text()
    assert main(["--json", *argv]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert len(notes) == 1 and "Z1, Z2" in notes[0]


# --- C4: a trailing separator on every line -----------------------------------------------


def test_trailing_tab_on_every_line_is_one_problem():
    text = "sgRNA\tGene\tC1\tT1\t\n" + "".join(f"g{i}\tA\t{i}\t{i + 1}\t\n" for i in range(30))
    with pytest.raises(DataError) as e:
        read_counts(io.StringIO(text))
    (p,) = e.value.problems  # one problem, not 30 about an "Unnamed: 4" column
    assert p.row == 1 and "column 5" in p.message and "separator" in p.message


# --- C5: a blank line inside a FASTQ -----------------------------------------------------


def test_blank_line_is_reported_at_its_own_line(tmp_path):
    fq = tmp_path / "mid.fastq"
    # lines: 1 @r1, 2 ACGT, 3 +, 4 IIII, 5 (blank), 6 @r2 ...
    fq.write_bytes(b"@r1\nACGT\n+\nIIII\n\n@r2\nACGT\n+\nIIII\n")
    lib = pd.DataFrame({"guide": ["s1"], "sequence": ["ACGT"], "gene": ["A"]})
    with pytest.raises(DataError) as e:
        count_fastq({"s": fq}, lib)
    (p,) = e.value.problems
    assert p.row == 5 and "blank line" in p.message


# --- C7: reads shorter than the guide window ---------------------------------------------


def test_low_mapping_names_reads_too_short_for_the_window():
    lib = pd.DataFrame(
        {"guide": ["s1", "s2"], "sequence": ["ACGTACGT", "TTTTCCCC"], "gene": ["A", "B"]}
    )
    fq = _fq(["GGGGGACGTACG", "GGGGGTTTTCCC"])  # 12 nt reads; window = 5 + 8 = 13 nt
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = count_fastq({"s": io.BytesIO(fq)}, lib, trim5=5)
    assert int(res.mapping["mapped"].iloc[0]) == 0
    (msg,) = [str(x.message) for x in w if "few reads" in str(x.message)]
    assert "too short" in msg and "100.0 % of reads shorter than 13 nt" in msg
    assert "trim5 5 + spacer 8 nt" in msg and "longest read 12 nt" in msg
    assert "--reverse-complement" not in msg
