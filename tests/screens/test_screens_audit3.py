"""Screens: genes without reads in the design model, RRA p-values <= 1, FASTQ and table
problems named with their file, staggered offsets, duplicate labels and spacers."""

import gzip

import numpy as np
import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.screens import CountTable, mle

SAMPLES = ["d0_r1", "d0_r2", "T_r1", "T_r2", "D_r1", "D_r2"]
NESTED = pd.DataFrame(
    {"baseline": 1.0, "time": [0, 0, 1, 1, 1, 1.0], "drug": [0, 0, 0, 0, 1, 1.0]}, index=SAMPLES
)


def _nested_screen(seed=5, n_genes=150, n_guides=4):
    """NB counts, log mu = log depth + b_i + time beta + drug beta (natural log units):
    genes 0-14 depleted in time (-1.5), 15-29 in drug (-1.2); ZERO has no reads, DROP none
    after day 0."""
    rng = np.random.default_rng(seed)
    bt, bd = np.zeros(n_genes), np.zeros(n_genes)
    bt[:15], bd[15:30] = -1.5, -1.2
    dm = NESTED[["time", "drug"]].to_numpy()
    depth = np.array([1.0, 1.2, 0.9, 1.1, 1.0, 1.3])
    b0 = rng.normal(np.log(300), 0.5, size=(n_genes, n_guides))
    mu = depth * np.exp(b0[..., None] + (np.c_[bt, bd] @ dm.T)[:, None, :])
    y = rng.negative_binomial(20, 20 / (20 + mu)).astype(float).reshape(-1, len(SAMPLES))
    genes = np.repeat([f"G{i:03d}" for i in range(n_genes)], n_guides)
    genes[-2 * n_guides : -n_guides], genes[-n_guides:] = "ZERO", "DROP"
    y[genes == "ZERO"] = 0.0
    y[genes == "DROP", 2:] = 0.0
    return CountTable(np.array([f"s{i}" for i in range(y.shape[0])]), genes, SAMPLES, y)


@pytest.mark.parametrize("rounds", [0, 3])
def test_mle_gene_without_reads_is_not_a_hit(rounds):
    res = mle(_nested_screen(), NESTED, permutation_rounds=rounds)
    g = res.genes.set_index("gene")
    # a gene without a read anywhere has no evidence in any condition
    for c in ("time", "drug"):
        assert np.isnan(g.loc["ZERO", f"{c}|beta"]) and np.isnan(g.loc["ZERO", f"{c}|z"])
        assert not g.loc["ZERO", f"{c}|fdr"] < 0.05
    assert not g.loc["ZERO", "converged"] and "no reads" in g.loc["ZERO", "reason"]
    # reads only at day 0: total loss over time (a real, strong depletion), but the drug
    # samples and their untreated reference are both empty: no drug call
    assert g.loc["DROP", "time|beta"] < -3 and g.loc["DROP", "time|fdr"] < 0.05
    assert np.isnan(g.loc["DROP", "drug|beta"]) and not g.loc["DROP", "drug|fdr"] < 0.05
    assert "drug" in g.loc["DROP", "reason"] and not g.loc["DROP", "converged"]
    if rounds:
        assert np.isnan(g.loc["ZERO", "time|p_perm"]) and np.isnan(g.loc["DROP", "drug|p_perm"])
    # the planted genes are still found (simulation truth); the Wald test on MAGeCK's
    # standard errors calls some null genes too (5 and 6 of 133 here, as before the fix)
    real = g.drop(index=["ZERO", "DROP"])
    hit_t, hit_d = real["time|fdr"] < 0.05, real["drug|fdr"] < 0.05
    assert hit_t.iloc[:15].all() and hit_t.iloc[15:].mean() < 0.1
    assert hit_d.iloc[15:30].all() and hit_d.drop(real.index[15:30]).mean() < 0.1
    assert real["converged"].all() and (real["reason"] == "").all()


def test_rra_p_value_and_fdr_never_exceed_one():
    from kinetor.screens.rank_aggregation import rra

    # control guides hold the 10 smallest values: their mid-percentiles are <= 19/32, so a
    # null gene of two control guides has rho <= 1 - (13/32)^2 = 0.835 (the best guide
    # always counts), below the rho of every gene here (>= 1 - (1 - 21/32)^2 = 0.88):
    # every draw ranks below them, and the mid-rank (2N + 1) / 2N is capped at 1
    vals = np.r_[np.arange(10.0), [20, 21, 22, 23, 24, 25]]
    genes = np.array(["NT"] * 10 + ["A", "A", "B", "B", "C", "C"])
    ctrl = np.r_[np.ones(10, bool), np.zeros(6, bool)]
    out = rra(genes, vals, alpha=0.1, control=ctrl, seed=0)
    assert (out["score"] > 0.88).all()
    assert (out["p_value"] == 1.0).all() and (out["fdr"] == 1.0).all()


# --- FASTQ counting --------------------------------------------------------------------

LIB = pd.DataFrame(
    {
        "guide": ["g1", "g2", "g3"],
        "sequence": ["ACGTACGTAA", "TTTTCCCCGG", "GATTACAGAT"],
        "gene": ["A", "A", "B"],
    }
)


def _fq(seqs) -> bytes:
    return "".join(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(seqs)).encode()


def _json_error(capsys, argv):
    import json

    from kinetor.cli.main import main

    code = main(["--json", *argv])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("isal", [True, False])
@pytest.mark.parametrize("damage", ["truncated", "crc"])
def test_broken_gzip_fastq_is_a_data_error_naming_the_file(
    tmp_path, capsys, monkeypatch, isal, damage
):
    import sys

    if not isal:
        monkeypatch.setitem(sys.modules, "isal", None)  # the zlib reader
    data = bytearray(gzip.compress(_fq(["AAACGTACGTAA"] * 2000)))
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data[-8] ^= 0xFF  # the CRC-32 of the gzip trailer
    p = tmp_path / "s1.fastq.gz"
    p.write_bytes(bytes(data))
    lib = tmp_path / "lib.txt"
    LIB.to_csv(lib, sep="\t", index=False, header=False)
    code, err = _json_error(
        capsys, ["screen", "count", str(p), "-l", str(lib), "-o", str(tmp_path)]
    )
    assert code == 3 and err["error"] == "DataError"
    assert err["problems"][0]["file"] == str(p) and "gzip" in err["problems"][0]["problem"]


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("@r0\nACGTACGTAA\n+\nIIIIIIIIII\n@r1\nACGTACGTAA\n", 6, "ends inside"),
        ("@r0\nACGTACGTAA\n+\nIIIIIIIIII\n@r1\nACGTACGTAA\n+\nIIII\n", 8, "quality"),
        ("@r0\nACGTACGTAA\nIIIIIIIIII\n@r1\n", 3, "does not start with '\\+'"),
    ],
)
def test_malformed_plain_fastq_names_file_and_line(tmp_path, text, line, what):
    from kinetor.screens import count_fastq

    p = tmp_path / "x.fastq"
    p.write_text(text)
    with pytest.raises(DataError, match=what) as e:
        count_fastq({"s": p}, LIB)
    assert (e.value.problems[0].file, e.value.problems[0].row) == (str(p), line)


def test_trailing_blank_lines_are_not_a_cut_record(tmp_path):
    from kinetor.screens import count_fastq

    p = tmp_path / "x.fastq"
    p.write_bytes(_fq(["ACGTACGTAA", "GATTACAGAT"]) + b"\n\r\n")
    assert count_fastq({"s": p}, LIB).counts.counts[:, 0].tolist() == [1, 0, 1]


def _staggered(tmp_path):
    """Reads with the guide after 2, 3, 4 or 5 bases (40/30/20/10 %), and a brute force
    count at the offsets [2, 3, 4] in order."""
    rng = np.random.default_rng(0)
    offs = rng.choice([2, 3, 4, 5], size=400, p=[0.4, 0.3, 0.2, 0.1])
    picks = rng.integers(0, 3, size=400)
    reads = [
        "".join(rng.choice(list("ACGT"), o)) + LIB["sequence"].iat[k] + "TTGA"
        for o, k in zip(offs, picks, strict=True)
    ]
    p = tmp_path / "stag.fastq"
    p.write_bytes(_fq(reads))
    want = np.zeros(3)
    for r in reads:
        for o in (2, 3, 4):
            hit = np.flatnonzero(LIB["sequence"] == r[o : o + 10])
            if hit.size:
                want[hit[0]] += 1
                break
    return p, reads, want


def test_several_offsets_for_staggered_adapters(tmp_path):
    from kinetor.screens import count_fastq

    p, _, want = _staggered(tmp_path)
    res = count_fastq({"s": p}, LIB, trim5=[2, 3, 4])
    assert res.counts.counts[:, 0].tolist() == want.tolist()
    assert res.mapping["trim5"].iat[0] == "2,3,4"
    assert count_fastq({"s": p}, LIB, trim5="2,3,4").counts.counts[:, 0].tolist() == want.tolist()
    # MAGeCK's AUTO: offsets by decreasing share of matched reads (0.4, 0.3, 0.2) until they
    # cover more than 75 %: 2, 3, 4
    auto = count_fastq({"s": p}, LIB, trim5="auto")
    assert auto.mapping["trim5"].iat[0] == "2,3,4"
    assert auto.counts.counts[:, 0].tolist() == want.tolist()
    with pytest.raises(DataError, match="whole numbers"):
        count_fastq({"s": p}, LIB, trim5="2,x")


def test_cli_trim5_accepts_several_offsets(tmp_path):
    from kinetor.cli.main import main

    p, _, want = _staggered(tmp_path)
    lib = tmp_path / "lib.txt"
    LIB.to_csv(lib, sep="\t", index=False, header=False)
    out = tmp_path / "o"
    argv = ["--quiet", "screen", "count", str(p), "-l", str(lib), "--trim-5", "2,3,4"]
    assert main([*argv, "-o", str(out)]) == 0
    got = pd.read_csv(out / "screen.count.txt", sep="\t")
    assert got["stag"].tolist() == want.tolist()


def test_duplicate_sample_labels_are_refused(tmp_path, capsys):
    from kinetor.screens import count_fastq

    lib = tmp_path / "lib.txt"
    LIB.to_csv(lib, sep="\t", index=False, header=False)
    paths = []
    for d in ("run1", "run2"):
        (tmp_path / d).mkdir()
        paths.append(tmp_path / d / "S1.fastq")
        paths[-1].write_bytes(_fq(["ACGTACGTAA"]))
    with pytest.raises(DataError, match="same sample name"):
        count_fastq(paths, LIB)
    files = [str(p) for p in paths]
    code, err = _json_error(
        capsys, ["screen", "count", *files, "-l", str(lib), "--sample-label", "A,A"]
    )
    assert code == 3 and "label(s) A given twice" in err["problems"][0]["problem"]
    code, err = _json_error(capsys, ["screen", "count", *files, "-l", str(lib)])
    assert code == 3 and "same sample name" in err["problems"][0]["problem"]


def test_duplicate_spacer_is_reported(tmp_path):
    from kinetor.screens import count_fastq

    lib = pd.concat(
        [LIB, pd.DataFrame({"guide": ["g4"], "sequence": ["GATTACAGAT"], "gene": ["C"]})]
    )
    p = tmp_path / "s.fastq"
    p.write_bytes(_fq(["GATTACAGAT", "ACGTACGTAA"]))
    with pytest.warns(UserWarning, match=r"g4 \(= g3\)"):
        res = count_fastq({"s": p}, lib)
    assert res.counts.counts[:, 0].tolist() == [1, 0, 1, 0]


# --- tables, designs and option files ---------------------------------------------------


def test_count_table_problems_name_file_row_and_column(tmp_path):
    from kinetor.screens import read_counts

    p = tmp_path / "dup.txt"
    p.write_text("sgRNA\tGene\tT1\tT1\ng1\tA\t1\t2\ng2\tA\t3\t4\n")
    with pytest.raises(DataError, match="duplicated sample column") as e:
        read_counts(p)
    assert (e.value.problems[0].file, e.value.problems[0].column) == (str(p), "T1")
    p = tmp_path / "long.txt"
    p.write_text("sgRNA\tGene\tT1\tT2\ng1\tA\t1\t2\ng2\tA\t3\t4\t5\n")
    with pytest.raises(DataError, match="5 fields, where the first row has 4") as e:
        read_counts(p)
    assert (e.value.problems[0].file, e.value.problems[0].row) == (str(p), 3)
    p = tmp_path / "empty.txt"
    p.write_text("")
    with pytest.raises(DataError, match="empty") as e:
        read_counts(p)
    assert e.value.problems[0].file == str(p)


def test_design_values_other_than_0_1_are_refused():
    ct = _nested_screen(n_genes=10)
    design = NESTED.copy()
    design.iloc[3, 1] = 2.0  # T_r2 "time" = 2
    design.attrs["source"] = "design.txt"
    with pytest.raises(DataError, match="not 0 or 1") as e:
        mle(ct, design)
    p = e.value.problems[0]
    assert (p.file, p.row, p.column) == ("design.txt", 5, "time")


def _mle_files(tmp_path):
    ct = _nested_screen(n_genes=20)
    counts = tmp_path / "counts.txt"
    ct.to_frame().to_csv(counts, sep="\t", index=False)
    design = tmp_path / "design.txt"
    NESTED.rename_axis("Samples").reset_index().to_csv(design, sep="\t", index=False)
    return ct, counts, design


def test_mle_option_files_are_checked_and_unknown_ids_counted(tmp_path, capsys):
    from kinetor.cli.main import main

    _, counts, design = _mle_files(tmp_path)
    eff = tmp_path / "eff.txt"
    eff.write_text("s0 0.5\ns1 1.5\n")
    code, err = _json_error(
        capsys, ["screen", "mle", str(counts), "-d", str(design), "--sgrna-efficiency", str(eff)]
    )
    p = err["problems"][0]
    assert code == 3 and "efficiency 1.5 of 's1'" in p["problem"] and "np." not in p["problem"]
    assert (p["file"], p["row"]) == (str(eff), 2)
    eff.write_text("s0 0.5\nBOGUS1 0.3\nBOGUS2 0.3\n")
    ctrl = tmp_path / "ctrl.txt"
    ctrl.write_text("s1\nNOPE\n")
    out = tmp_path / "o"
    argv = ["--quiet", "screen", "mle", str(counts), "-d", str(design), "-o", str(out)]
    assert main([*argv, "--sgrna-efficiency", str(eff), "--control-sgrna", str(ctrl)]) == 0
    note = capsys.readouterr().err
    assert "2 of 3 guides of --sgrna-efficiency" in note and "1 of 2 control guides" in note
    empty = tmp_path / "empty_design.txt"
    empty.write_text("")
    code, err = _json_error(capsys, ["screen", "mle", str(counts), "-d", str(empty)])
    assert code == 3 and err["problems"][0]["file"] == str(empty)


def test_network_reports_genes_left_out(tmp_path, capsys):
    from kinetor.cli.main import main

    g = tmp_path / "genes.csv"
    g.write_text(
        "gene,num,neg_lfc,neg_fdr,pos_fdr\nAKT1,4,-2,0.01,0.9\nFOO1,4,-1,0.5,0.9\n"
        "BAR,4,0.1,0.9,0.8\n"
    )
    out = tmp_path / "net"
    code, res = _json_error(capsys, ["screen", "network", str(g), "-o", str(out)])
    assert code == 0 and res["left_out"] == ["FOO1", "BAR"]
    assert [r["gene"] for r in res["rows"]] == ["AKT1"]
    assert (out / "left_out.txt").read_text() == "FOO1\nBAR\n"
    assert main(["screen", "network", str(g), "-o", str(out)]) == 0
    assert "2 gene(s) neither network nodes nor screen hits" in capsys.readouterr().out
