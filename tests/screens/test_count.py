"""FASTQ counting against hand-built reads with known answers."""

import gzip
import io

import numpy as np
import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.screens import count_fastq, reverse_complement

LIB = pd.DataFrame({"guide": ["g1", "g2", "g3"],
                    "sequence": ["ACGTACGTAA", "TTTTCCCCGG", "GATTACAGAT"],
                    "gene": ["A", "A", "B"]})


def _fq(seqs):
    return "".join(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(seqs)).encode()


def _write(tmp_path, name, seqs, gz=True):
    p = tmp_path / name
    data = _fq(seqs)
    p.write_bytes(gzip.compress(data) if gz else data)
    return p


def test_exact_mismatch_n_and_short_reads(tmp_path):
    pre = "NNN"  # 3 bases before the guide
    reads = [pre + "ACGTACGTAA" + "TT",  # g1 exact
             pre + "ACGTACGTAA",          # g1 exact, nothing after
             pre + "ACGTTCGTAA" + "TT",  # g1 with one mismatch (A->T at 5)
             pre + "TTTTCCCCGG" + "A",   # g2 exact
             pre + "TTTTNCCCGG" + "A",   # g2 with one N
             pre + "TTTTCCAAGG" + "A",   # two mismatches: unmapped
             pre + "GATTACA",            # too short: unmapped
             pre + "CCCCCCCCCC"]         # nothing
    p = _write(tmp_path, "s1.fastq.gz", reads)
    exact = count_fastq({"S1": p}, LIB, trim5=3)
    assert exact.counts.counts[:, 0].tolist() == [2, 1, 0]
    one = count_fastq({"S1": p}, LIB, trim5=3, mismatches=1)
    assert one.counts.counts[:, 0].tolist() == [3, 2, 0]
    m = one.mapping.iloc[0]
    assert (m["reads"], m["mapped"], m["exact"], m["one_mismatch"]) == (8, 5, 3, 2)
    assert m["zero_guides"] == 1 and m["mapped_fraction"] == pytest.approx(5 / 8)


def test_ambiguous_variant_not_counted():
    lib = pd.DataFrame({"guide": ["a", "b"], "sequence": ["AAAA", "AATA"], "gene": ["X", "Y"]})
    # AACA is one mismatch from both guides: ambiguous
    res = count_fastq({"s": io.BytesIO(_fq(["AACA", "AAAA", "AATT"]))}, lib, mismatches=1)
    assert res.counts.counts[:, 0].tolist() == [1, 1]  # AAAA -> a; AATT -> b (1 mismatch)


def test_reverse_complement_reads(tmp_path):
    reads = ["GG" + reverse_complement(s) for s in ["ACGTACGTAA", "GATTACAGAT", "GATTACAGAT"]]
    p = _write(tmp_path, "rc.fq", reads, gz=False)
    res = count_fastq([p], LIB, trim5=2, reverse_complement=True)
    assert res.counts.samples == ["rc"]
    assert res.counts.counts[:, 0].tolist() == [1, 0, 2]
    assert count_fastq([p], LIB, trim5=2).mapping["mapped"].iloc[0] == 0


def test_auto_trim_and_lower_case(tmp_path):
    reads = ["CACGT" + s.lower() + "GG" for s in LIB["sequence"]] * 5
    res = count_fastq({"s": _write(tmp_path, "a.fq.gz", reads)}, LIB, trim5="auto")
    assert res.mapping["trim5"].iloc[0] == 5
    assert res.counts.counts[:, 0].tolist() == [5, 5, 5]


def test_block_boundaries_do_not_lose_reads(tmp_path):
    from kinetor.screens import count as cmod

    rng = np.random.default_rng(0)
    picks = rng.integers(0, 3, 5000)
    reads = [LIB["sequence"].iat[k] for k in picks]
    p = _write(tmp_path, "many.fq.gz", reads)
    keys = [k.size for k, _ in cmod._read_keys(p, "many", 0, 10)]
    assert sum(keys) == 5000
    res = count_fastq({"s": p}, LIB)
    np.testing.assert_array_equal(res.counts.counts[:, 0], np.bincount(picks, minlength=3))


def test_bad_inputs(tmp_path):
    p = tmp_path / "x.fq"
    p.write_text("r1\nACGT\n+\nIIII\n")
    with pytest.raises(DataError, match="row 1"):
        count_fastq({"s": p}, LIB)
    lib = pd.DataFrame({"guide": ["a", "b"], "sequence": ["AAAA", "AAAAT"], "gene": ["X", "Y"]})
    with pytest.raises(DataError, match="several lengths"):
        count_fastq({"s": p}, lib)
    with pytest.raises(DataError, match="mismatches"):
        count_fastq({"s": p}, LIB, mismatches=2)
