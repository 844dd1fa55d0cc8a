"""FASTQ counting against hand-built reads with known answers."""

import gzip
import io

import numpy as np
import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.screens import count_fastq, reverse_complement

LIB = pd.DataFrame(
    {
        "guide": ["g1", "g2", "g3"],
        "sequence": ["ACGTACGTAA", "TTTTCCCCGG", "GATTACAGAT"],
        "gene": ["A", "A", "B"],
    }
)


def _fq(seqs):
    return "".join(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(seqs)).encode()


def _write(tmp_path, name, seqs, gz=True):
    p = tmp_path / name
    data = _fq(seqs)
    p.write_bytes(gzip.compress(data) if gz else data)
    return p


def test_exact_mismatch_n_and_short_reads(tmp_path):
    pre = "NNN"  # 3 bases before the guide
    reads = [
        pre + "ACGTACGTAA" + "TT",  # g1 exact
        pre + "ACGTACGTAA",  # g1 exact, nothing after
        pre + "ACGTTCGTAA" + "TT",  # g1 with one mismatch (A->T at 5)
        pre + "TTTTCCCCGG" + "A",  # g2 exact
        pre + "TTTTNCCCGG" + "A",  # g2 with one N
        pre + "TTTTCCAAGG" + "A",  # two mismatches: unmapped
        pre + "GATTACA",  # too short: unmapped
        pre + "CCCCCCCCCC",
    ]  # nothing
    p = _write(tmp_path, "s1.fastq.gz", reads)
    with pytest.warns(UserWarning, match=r"S1 37\.5 % of reads mapped"):  # 3 of 8
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
    with pytest.warns(UserWarning, match="--reverse-complement if the reads"):
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


def _brute_force(windows, guides, mismatches):
    """Reference by Hamming distance to every guide (N matches nothing)."""
    counts = [0] * len(guides)
    exact = one = 0
    for w in windows:
        if w is None:
            continue
        n_pos = [i for i, c in enumerate(w) if c == "N"]
        d = [sum(a != b for a, b in zip(w, g, strict=True)) for g in guides]
        if not n_pos and 0 in d:
            counts[d.index(0)] += 1
            exact += 1
            continue
        if mismatches == 0 or len(n_pos) > 1:
            continue
        near = [k for k, dk in enumerate(d) if dk == 1]
        if len(near) == 1:
            counts[near[0]] += 1
            one += 1
    return counts, exact, one


@pytest.mark.parametrize("mismatches", [0, 1])
def test_compiled_counter_equals_brute_force(tmp_path, monkeypatch, mismatches):
    from functools import partial

    from kinetor.screens import count as cmod

    rng = np.random.default_rng(7)
    # short, crowded guides: many reads are one substitution from two guides (ambiguous)
    guides = ["".join(rng.choice(list("ACGT"), 6)) for _ in range(40)]
    guides = list(dict.fromkeys(guides))
    lib = pd.DataFrame(
        {
            "guide": [f"g{i}" for i in range(len(guides))],
            "sequence": guides,
            "gene": ["X"] * len(guides),
        }
    )
    reads, windows = [], []
    for _ in range(4000):
        w = list(guides[rng.integers(len(guides))])
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            w[rng.integers(6)] = rng.choice(list("ACGTN"))
        w = "".join(w)
        tail = "" if rng.random() < 0.05 else "TTG"
        read = "GA" + (w.lower() if rng.random() < 0.1 else w) + tail
        if rng.random() < 0.03:
            read = read[:5]  # too short for the window
            w = None
        reads.append(read)
        windows.append(w)
    p = _write(tmp_path, "bf.fq.gz", reads)
    # small blocks: records are split across many block boundaries
    monkeypatch.setattr(cmod, "_blocks", partial(cmod._blocks, block=997))
    want, exact, one = _brute_force(windows, guides, mismatches)
    if sum(want) < 2000:  # under half of the 4000 reads map: warned
        with pytest.warns(UserWarning, match="few reads map"):
            res = count_fastq({"s": p}, lib, trim5=2, mismatches=mismatches)
    else:
        res = count_fastq({"s": p}, lib, trim5=2, mismatches=mismatches)
    assert res.counts.counts[:, 0].tolist() == want
    m = res.mapping.iloc[0]
    assert (m["reads"], m["exact"], m["one_mismatch"]) == (4000, exact, one)
    assert one > 100 or mismatches == 0


def test_plain_zlib_reader_when_isal_is_missing(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "isal", None)  # import isal -> ImportError
    reads = [s for s in LIB["sequence"] for _ in range(3)]
    res = count_fastq({"s": _write(tmp_path, "z.fq.gz", reads)}, LIB)
    assert res.counts.counts[:, 0].tolist() == [3, 3, 3]
