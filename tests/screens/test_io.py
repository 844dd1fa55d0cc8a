import io

import pytest

from kinetor.errors import DataError
from kinetor.screens import read_counts, read_design, read_library


def test_duplicate_guide_named_with_row():
    text = "sgRNA\tGene\tA\tB\ng1\tX\t1\t2\ng2\tX\t1\t2\ng1\tY\t3\t4\n"
    with pytest.raises(DataError) as e:
        read_counts(io.StringIO(text))
    assert "duplicated guide id 'g1'" in str(e.value) and "row 4" in str(e.value)


def test_negative_and_text_counts():
    text = "sgRNA,Gene,A,B\ng1,X,-1,2\ng2,X,abc,2\n"
    with pytest.raises(DataError) as e:
        read_counts(io.StringIO(text))
    assert len(e.value.problems) == 2 and e.value.problems[1].column == "A"


def test_missing_sample_named():
    ct = read_counts(io.StringIO("sgRNA\tGene\tA\tB\ng1\tX\t1\t2\n"))
    with pytest.raises(DataError, match="sample 'C' is not in the count table"):
        ct.select(["A", "C"])
    assert ct.select("1").samples == ["B"]


def test_design_sample_missing(fixtures):
    with pytest.raises(DataError, match=r"'HL60\.final' is not in the count table"):
        read_design(
            fixtures / "leukemia_designmat.txt",
            samples=["HL60.initial", "KBM7.initial", "KBM7.final"],
        )
    d = read_design(fixtures / "leukemia_designmat.txt")
    assert d.shape == (4, 3) and d.loc["KBM7.final", "KBM7"] == 1


def test_library_header_and_bad_sequence():
    lib = read_library(io.StringIO("id,sequence,gene\ns1,acgt,G\ns2,TTTT,H\n"))
    assert list(lib["sequence"]) == ["ACGT", "TTTT"]
    with pytest.raises(DataError, match="row 1"):
        read_library(io.StringIO("s1\tAC-T\tG\n"))
