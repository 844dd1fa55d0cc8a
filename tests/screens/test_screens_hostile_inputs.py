"""Small or degenerate screens that used to give wrong results."""

import gzip
import math

import numpy as np
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.screens import CountTable, count_fastq, gini, mean_variance_fit, screen_test
from kinetor.screens.mle_perm import cnv_correct, read_cnv

# -- the mean-variance fit must not blow up when clamped --------------------------


def test_slope_clamp_refits_the_intercept():
    # Two replicates mu -/+ sd with 2 sd^2 = mu + 255: median mu, variance - mean = 255,
    # so log2(var - mean + 1) = 8 for every guide; log2(mu + 1) = 4, 5, 6, 7 (3 guides
    # each). Free fit: k = 0, b = 8. Clamping k to 1 and keeping b = 8 would put the line
    # x_bar = 6.3 log2 units above the data. Under k >= 1, b >= 0 (weights = mu):
    #   k = 1: b = sum w (8 - lx) / sum w = 3 (15*4 + 31*3 + 63*2 + 127*1) / 708 = 203/118,
    #          SSE = 2694 - 1218^2/708 = 598.6
    #   b = 0: k = 8 * 4446 / 28518 = 1.247, SSE = 45312 - 35568^2/28518 = 951.4
    # so the constrained optimum is k = 1, b = 203/118.
    mu = np.repeat([15.0, 31.0, 63.0, 127.0], 3)
    sd = np.sqrt((mu + 255.0) / 2)
    k, b = mean_variance_fit(np.column_stack([mu - sd, mu + sd]))
    assert k == 1.0
    assert b == pytest.approx(203 / 118, rel=1e-9)


def _screen(seed, n_null_genes=30, hits=True):
    """One control (T0), two treatments; 4 guides a gene, Poisson around 200; genes H0-H3
    depleted 10x/5x/5x/3.3x and H4 enriched 4x in the treatments (as gen_screen.py)."""
    rng = np.random.default_rng(seed)
    fold = {"H0": 0.1, "H1": 0.2, "H2": 0.2, "H3": 0.3, "H4": 4.0} if hits else {}
    genes = [f"N{i}" for i in range(n_null_genes)] + list(fold)
    gene = np.repeat(genes, 4)
    lam = np.array([fold.get(g, 1.0) for g in gene])
    counts = np.column_stack(
        [rng.poisson(200, gene.size), rng.poisson(200 * lam), rng.poisson(200 * lam)]
    ).astype(float)
    guides = np.array([f"{g}_{i % 4}" for i, g in enumerate(gene)])
    return CountTable(guides, gene, ["T0", "T1", "T2"], counts)


@pytest.mark.parametrize("seed", range(5))
def test_small_screen_with_hits_keeps_nulls_insignificant(seed):
    res = screen_test(_screen(seed), treatment=["T1", "T2"], control=["T0"])
    g = res.guides
    null = g["gene"].str.startswith("N")
    # unchanged guides: at most 5 % called (was 100 %: adjusted variance ~1e11 at mean 200)
    assert (g.loc[null, "fdr"] < 0.05).mean() <= 0.05
    assert (g.loc[~null, "fdr"] < 0.05).all()
    # Poisson counts at mean ~200: the model variance stays within a few-fold of it
    assert g.loc[null, "adj_var"].median() < 10 * 200
    genes = res.genes.set_index("gene")
    assert set(genes.index[genes["neg_fdr"] < 0.05]) == {"H0", "H1", "H2", "H3"}
    assert set(genes.index[genes["pos_fdr"] < 0.05]) == {"H4"}


@pytest.mark.parametrize("seed", range(5))
def test_small_pure_null_screen_calls_nothing(seed):
    # all guides at the same mean: the slope is not identifiable, MAGeCK's clamp gave
    # k ~ 6, b = 0 and a variance ~1e14 (every guide significant)
    res = screen_test(_screen(seed, 10, hits=False), treatment=["T1", "T2"], control=["T0"])
    null = res.guides["gene"].str.startswith("N")
    assert (res.guides.loc[null, "fdr"] < 0.05).mean() <= 0.05


# -- no mapped reads -----------------------------------------------------------------


def test_gini_of_all_zeros_is_nan():
    assert math.isnan(gini(np.zeros(5)))
    assert gini(np.array([0.0, 0.0, 0.0, 4.0])) == pytest.approx(1.0)


def _fastq(path, seqs):
    with gzip.open(path, "wt") as f:
        for i, s in enumerate(seqs):
            f.write(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n")


def test_unmapped_reads_warn_and_suggest_trim5(tmp_path):
    import pandas as pd

    lib = pd.DataFrame({"guide": ["a", "b"], "sequence": ["ACGTACGT", "TTTTCCCC"], "gene": "G"})
    _fastq(tmp_path / "s.fastq.gz", ["GGGACGTACGT", "GGGTTTTCCCC"] * 3)
    with pytest.warns(UserWarning, match=r"s 0\.0 % .*trim5='auto'"):
        res = count_fastq([tmp_path / "s.fastq.gz"], lib)
    assert res.mapping["mapped"].iloc[0] == 0 and math.isnan(res.mapping["gini"].iloc[0])
    res = count_fastq([tmp_path / "s.fastq.gz"], lib, trim5="auto")  # no warning
    assert res.mapping["mapped_fraction"].iloc[0] == 1.0


def test_cli_count_warns_on_unmapped_reads(tmp_path, capsys):
    (tmp_path / "lib.txt").write_text("a\tACGTACGT\tG\nb\tTTTTCCCC\tG\n")
    _fastq(tmp_path / "s.fastq.gz", ["GGGACGTACGT", "GGGTTTTCCCC"] * 3)
    code = main(
        [
            "screen",
            "count",
            str(tmp_path / "s.fastq.gz"),
            "-l",
            str(tmp_path / "lib.txt"),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    assert "warning: few reads map" in err and "--trim-5 auto" in err


# -- CNV table covering too few genes names its file -------------------------------


def test_cnv_with_too_few_genes_names_the_file(tmp_path):
    cnv = tmp_path / "cnv.txt"
    cnv.write_text("SYMBOL\tHL60\nAKT1\t2\nG0\t3\n")
    genes = np.array(["AKT1", "G0", "G1", "G2"])
    with pytest.raises(DataError) as e:
        cnv_correct(genes, np.zeros((4, 1)), ["HL60"], read_cnv(cnv), None)
    (p,) = e.value.problems
    assert p.file == str(cnv) and p.column == "SYMBOL" and "only 2" in p.message
    assert "--cnv-norm" in p.fix
