"""Pooled screens against ``mageck2`` 0.3.0: tests before the copy-number correction,
repeated and numeric sample names, too few control guides, usage errors, aliases."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.screens import CountTable, mle, read_cnv, screen_test


def _cn_screen(n_genes=120, seed=7):
    """Planted screen: G000-G019 depleted by 1.5; cutting toxicity -0.4 per copy above 1."""
    rng = np.random.default_rng(seed)
    cn_log2 = rng.choice([0.0, 0.0, 1.0, 1.585, 2.0], size=n_genes)
    effect = np.zeros(n_genes)
    effect[:20] = -1.5
    effect = effect - 0.4 * (np.minimum(2.0**cn_log2, 4.0) - 1.0)
    base = rng.gamma(4, 100, size=(n_genes, 4))
    dm = np.array([0, 0, 1, 1.0])
    mu = base[..., None] * np.exp(effect[:, None, None] * dm)
    y = rng.negative_binomial(20, 20 / (20 + mu)).astype(float).reshape(-1, 4)
    names = [f"G{i:03d}" for i in range(n_genes)]
    samples = ["t0a", "t0b", "d1", "d2"]
    ct = CountTable(np.array([f"g{i}" for i in range(y.shape[0])]), np.repeat(names, 4), samples, y)
    design = pd.DataFrame({"baseline": 1.0, "drug": dm}, index=samples)
    return ct, design, pd.DataFrame({"SYMBOL": names, "CELLX": cn_log2})


def test_cnv_correction_shifts_only_the_reported_beta(tmp_path):
    # mageck2 mlemageck.py: z, Wald p, permutation p and FDR before betascore_piecewisenorm
    ct, design, cn = _cn_screen()
    path = tmp_path / "cnv.txt"
    cn.to_csv(path, sep="\t", index=False)
    kw = {"permutation_rounds": 2, "seed": 3}
    plain = mle(ct, design, **kw).genes
    cor = mle(ct, design, cnv=read_cnv(path), cell_lines="CELLX", **kw).genes
    fitted = cor["drug|beta_uncorrected"].to_numpy()
    se = cor["drug|se"].to_numpy()
    # z and the two-sided Wald p of the fitted beta (scipy's normal tail, not the code's)
    np.testing.assert_allclose(cor["drug|z"], fitted / se, rtol=1e-12)
    np.testing.assert_allclose(cor["drug|p_twosided"], 2 * norm.sf(np.abs(fitted / se)))
    # the fit does not depend on the copy numbers: every test equals the run without them
    np.testing.assert_allclose(fitted, plain["drug|beta"], rtol=1e-12)
    for col in ("p_twosided", "fdr", "p_perm", "fdr_perm", "p_perm_neg", "p_perm_pos"):
        np.testing.assert_allclose(cor[f"drug|{col}"], plain[f"drug|{col}"], rtol=1e-12)
    # the reported beta is shifted (the amplified genes up), genes at CN 1 are not moved
    one = cn["CELLX"].to_numpy() == 0.0
    np.testing.assert_allclose(cor["drug|beta"][one], fitted[one], rtol=1e-12)
    amp = cn["CELLX"].to_numpy() >= 1.585
    assert (cor["drug|beta"].to_numpy()[amp] > fitted[amp] + 0.5).all()


def _table(samples):
    rng = np.random.default_rng(0)
    y = rng.integers(50, 500, size=(40, len(samples))).astype(float)
    genes = np.repeat([f"G{i}" for i in range(10)], 4)
    return CountTable(np.array([f"g{i}" for i in range(40)]), genes, samples, y, "c.txt")


def test_a_sample_repeated_within_a_group_is_refused():
    ct = _table(["C1", "C2", "T1", "T2"])
    with pytest.raises(DataError) as e:
        screen_test(ct, "T1,T2", "C1,C1")
    p = e.value.problems[0]
    assert "'C1'" in p.message and "more than once" in p.message and p.file == "c.txt"
    assert "control" in p.message
    with pytest.raises(DataError, match="more than once"):
        screen_test(ct, ["T1", "2"], "C1")  # index 2 is T1 again


def test_numeric_sample_names_are_names_and_indices_are_refused():
    ct = _table(["1", "2", "3", "4"])
    assert ct.select("1,4").samples == ["1", "4"]  # names, not indices 1 and 4
    with pytest.raises(DataError) as e:
        ct.select("0,1")  # 0 would be index -> sample '1', then name '1' again
    assert "'0' is not a sample name" in e.value.problems[0].message
    letters = _table(["A", "B", "C"])
    assert letters.select("0,B,2").samples == ["A", "B", "C"]  # names first, else indices
    with pytest.raises(DataError, match="'A' is given more than once"):
        letters.select("A,0")


def test_one_matching_control_guide_is_refused(tmp_path, capsys):
    ct = _table(["C1", "C2", "T1", "T2"])
    with pytest.raises(DataError) as e:
        screen_test(ct, "T1,T2", "C1,C2", control_guides=["g0", "nope"])
    assert "only 1 of the 2 control guide ids" in e.value.problems[0].message
    screen_test(ct, "T1,T2", "C1,C2", control_guides=["g0", "g1"])  # 2 are enough
    counts = tmp_path / "c.txt"
    ct.to_frame().to_csv(counts, sep="\t", index=False)
    ctrl = tmp_path / "ctrl.txt"
    ctrl.write_text("g0\nNOPE\n")
    argv = ["screen", "test", str(counts), "-t", "T1,T2", "-c", "C1,C2"]
    argv += ["--control-sgrna", str(ctrl), "--out", str(tmp_path / "o")]
    assert main(["--json", *argv]) == 3
    p = json.loads(capsys.readouterr().out)["problems"][0]
    assert p["file"] == str(ctrl) and "only 1" in p["problem"]
    # mle: the permutation null from one control guide
    one = CountTable(
        np.append(ct.guides, "nt1"),
        np.append(ct.genes, "NonTargeting"),
        ct.samples,
        np.vstack([ct.counts, [100.0, 110, 90, 105]]),
        "c.txt",
    )
    design = pd.DataFrame({"baseline": 1.0, "x": [0, 0, 1, 1.0]}, index=ct.samples)
    with pytest.raises(DataError, match="only 1 of the 1 control guide"):
        mle(one, design, permutation_rounds=1, control_guides=["nt1"])


def test_qc_essential_without_groups_is_a_usage_error(tmp_path):
    ct = _table(["C1", "T1"])
    counts = tmp_path / "c.txt"
    ct.to_frame().to_csv(counts, sep="\t", index=False)
    ess = tmp_path / "ess.txt"
    ess.write_text("G0\nG1\n")
    out = str(tmp_path / "o")
    assert main(["--quiet", "screen", "qc", str(counts), "--essential", str(ess), "-o", out]) == 2
    assert main(["--quiet", "screen", "qc", str(counts), "-t", "T1", "-o", out]) == 2
    assert main(["--quiet", "screen", "qc", str(counts), "-o", out]) == 0


def test_two_mismatches_is_a_usage_error(tmp_path):
    out = str(tmp_path / "o")
    lib = tmp_path / "lib.txt"
    lib.write_text("s0\tACGTACGTAA\tG0\ns1\tTTTTCCCCGG\tG0\n")
    fq = tmp_path / "a.fq"
    fq.write_text("@r1\nACGTACGTAA\n+\nIIIIIIIIII\n")
    argv = ["--quiet", "screen", "count", str(fq), "-l", str(lib), "--mismatches", "2"]
    assert main([*argv, "-o", out]) == 2


def test_a_symbol_and_its_alias_are_simulated_once(monkeypatch):
    import kinetor.pathway as pathway
    from kinetor.screens.network import simulate_knockdowns

    calls = []
    real = pathway.Network.steady_state

    def counted(self, *a, **k):
        calls.append(1)
        return real(self, *a, **k)

    monkeypatch.setattr(pathway.Network, "steady_state", counted)
    sim = simulate_knockdowns(["MTOR", "FRAP1", "AKT1"])
    assert len(calls) == 3  # the unperturbed cell, MTOR once, AKT1
    assert sim["growth"].iat[0] == sim["growth"].iat[1]
    note = "MTOR, FRAP1 are one node (MTOR): simulated once"
    assert sim["note"].tolist() == [note, note, ""]
