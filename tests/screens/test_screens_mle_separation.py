"""Design-matrix model: betas without a finite maximum-likelihood estimate (separation).

A gene whose guides have no reads in every sample of a condition (or of the samples it is
compared with) has a likelihood that keeps rising as that beta runs to -inf (+inf). The
expected values come from the likelihood itself, computed here with scipy (profile
log-likelihoods, an independent likelihood-ratio statistic) or by hand.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from kinetor.cli.main import main
from kinetor.screens import CountTable, mle
from kinetor.screens.mle_perm import empirical_p

SIMPLE = pd.DataFrame({"baseline": 1.0, "treat": [0, 1, 1.0]}, index=["plasmid", "t1", "t2"])
ZERO_GUIDES = np.array([268.0, 491.0, 591.0, 232.0])  # the audited gene's plasmid reads


def _screen(n_genes=30, samples=("plasmid", "t1", "t2"), seed=0, edit=None):
    """NB counts without an effect; ``edit(genes, y)`` plants the zero patterns."""
    rng = np.random.default_rng(seed)
    base = rng.gamma(5, 80, size=(n_genes * 4, 1))
    y = rng.negative_binomial(20, 20 / (20 + base * np.ones(len(samples)))).astype(float)
    genes = np.repeat([f"GENE{i}" for i in range(n_genes)], 4)
    if edit is not None:
        edit(genes, y)
    guides = np.array([f"g{i}" for i in range(len(genes))])
    return CountTable(guides, genes, list(samples), y)


def _gene0_without_treated_reads(genes, y):
    y[genes == "GENE0", 0] = ZERO_GUIDES
    y[genes == "GENE0", 1:] = 0.0


def _profile_ll(y, size, d, beta, alpha=0.05):
    """NB log-likelihood of one gene (guides x samples) at fixed ``beta`` (conditions),
    maximised over the guide intercepts; ``size`` multiplies the mean per sample."""
    total = 0.0
    for yi in y:

        def neg(b, yi=yi):
            mu = size * np.exp(b + d @ beta)
            return -stats.nbinom.logpmf(yi, 1 / alpha, 1 / (1 + alpha * mu)).sum()

        total -= optimize.minimize_scalar(neg, bounds=(-40.0, 40.0), method="bounded").fun
    return total


def test_no_reads_in_the_treated_samples_gives_minus_inf():
    ct = _screen(edit=_gene0_without_treated_reads)
    y0 = ct.counts[ct.genes == "GENE0"]
    d = SIMPLE[["treat"]].to_numpy()
    # no finite maximum: the profile likelihood still rises as beta falls (any dispersion)
    ll = [_profile_ll(y0, np.ones(3), d, np.array([b])) for b in (-2.0, -5.0, -10.0, -20.0)]
    assert np.all(np.diff(ll) > 0)
    res = mle(ct, SIMPLE)
    g = res.genes.set_index("gene")
    assert g.loc["GENE0", "treat|beta"] == -np.inf and np.isnan(g.loc["GENE0", "treat|se"])
    assert not g.loc["GENE0", "converged"]
    assert g.loc["GENE0", "reason"] == "treat beta unbounded (-inf): no reads in t1, t2"
    assert int(res.converged.sum()) == 29 and np.isfinite(g.drop(index="GENE0")["treat|beta"]).all()
    # z: signed root of the likelihood ratio for beta = 0, computed here independently:
    # each guide's dispersion fixed at the fitted trend at its mean normalised count (the
    # documented formula); the supremum has the plasmid mean at its count and the zero
    # counts adding 0; kinetor takes the alternative where its fit stopped (a lower bound)
    a, c = res.dispersion_model
    sf = np.array([res.size_factors[s] for s in SIMPLE.index])  # they multiply counts

    def alpha(mu):
        m = np.maximum(mu, 1e-3)
        return np.maximum(np.exp(a + c * np.log(m)) - mu, 0.01 * mu) / m**2

    def nb(y, mu, al):
        return stats.nbinom.logpmf(y, 1 / al, 1 / (1 + al * mu)).sum()

    lr = 0.0
    for yi in y0:
        al = alpha(np.mean(yi * sf))
        null = optimize.minimize_scalar(
            lambda b, yi=yi, al=al: -nb(yi, np.exp(b) / sf, al), bounds=(0, 10), method="bounded"
        )
        lr += 2 * (nb(yi[:1], yi[:1], al) + null.fun)
    z = g.loc["GENE0", "treat|z"]
    assert z < 0 and 0.98 * lr <= z**2 <= lr * (1 + 1e-6)
    assert g.loc["GENE0", "treat|p_neg"] < 1e-100 and g.loc["GENE0", "treat|fdr"] < 1e-100


def test_em_flags_the_same_gene():
    res = mle(_screen(edit=_gene0_without_treated_reads), SIMPLE, update_efficiency=True)
    g = res.genes.set_index("gene")
    assert g.loc["GENE0", "treat|beta"] == -np.inf and not g.loc["GENE0", "converged"]
    assert "unbounded (-inf)" in g.loc["GENE0", "reason"]


def test_no_reads_in_the_reference_samples_gives_plus_inf():
    design = pd.DataFrame(
        {"baseline": 1.0, "treat": [0, 0, 1, 1.0]}, index=["p1", "p2", "t1", "t2"]
    )

    def edit(genes, y):
        y[genes == "GENE3", :2] = 0.0

    ct = _screen(samples=design.index, edit=edit)
    y3 = ct.counts[ct.genes == "GENE3"]
    d = design[["treat"]].to_numpy()
    ll = [_profile_ll(y3, np.ones(4), d, np.array([b])) for b in (2.0, 5.0, 10.0, 20.0)]
    assert np.all(np.diff(ll) > 0)
    g = mle(ct, design).genes.set_index("gene")
    assert g.loc["GENE3", "treat|beta"] == np.inf and g.loc["GENE3", "treat|z"] > 5
    assert g.loc["GENE3", "reason"] == "treat beta unbounded (+inf): no reads in p1, p2"


NESTED = pd.DataFrame(
    {"baseline": 1.0, "time": [0, 0, 1, 1, 1, 1.0], "drug": [0, 0, 0, 0, 1, 1.0]},
    index=["d0a", "d0b", "Ta", "Tb", "Da", "Db"],
)


def test_nested_design_without_reads_in_the_untreated_time_samples():
    # reads at day 0 and under drug, none in the untreated time samples: time -> -t,
    # drug -> +t keeps every mean with reads and drives only the zeros to 0 (by hand)
    def edit(genes, y):
        y[genes == "GENE1", 2:4] = 0.0

    ct = _screen(samples=NESTED.index, edit=edit)
    y1 = ct.counts[ct.genes == "GENE1"]
    d = NESTED[["time", "drug"]].to_numpy()
    ll = [_profile_ll(y1, np.ones(6), d, np.array([-t, t])) for t in (1.0, 3.0, 6.0, 12.0)]
    assert np.all(np.diff(ll) > 0)
    g = mle(ct, NESTED).genes.set_index("gene")
    assert g.loc["GENE1", "time|beta"] == -np.inf and g.loc["GENE1", "drug|beta"] == np.inf
    assert g.loc["GENE1", "reason"] == (
        "time beta unbounded (-inf): no reads in Ta, Tb; "
        "drug beta unbounded (+inf): no reads in Ta, Tb"
    )
    assert g.drop(index="GENE1")["converged"].all()


def test_zeros_that_no_beta_can_reach_leave_the_estimate_finite():
    # crossed conditions A and B without interaction: no beta moves the AB sample alone,
    # and one read is enough to bound a beta (by hand: no direction exists)
    design = pd.DataFrame(
        {"baseline": 1.0, "A": [0, 1, 0, 1.0], "B": [0, 0, 1, 1.0]}, index=["o", "a", "b", "ab"]
    )

    def edit(genes, y):
        y[genes == "GENE2", 3] = 0.0

    g = mle(_screen(samples=design.index, edit=edit), design).genes.set_index("gene")
    assert np.isfinite(g.loc["GENE2", ["A|beta", "B|beta"]].astype(float)).all()
    assert "unbounded" not in g.loc["GENE2", "reason"]

    def one_read(genes, y):
        _gene0_without_treated_reads(genes, y)
        y[np.flatnonzero(genes == "GENE0")[0], 1] = 1.0

    g = mle(_screen(edit=one_read), SIMPLE).genes.set_index("gene")
    assert np.isfinite(g.loc["GENE0", "treat|beta"]) and g.loc["GENE0", "converged"]


def test_empirical_p_counts_ties_of_an_infinite_beta():
    null = {4: np.array([[-np.inf], [-np.inf], [-3.0], [0.0], [2.0]])}
    pn, pp = empirical_p(np.array([-np.inf, -1.0, np.inf]), np.array([4, 4, 4]), null, 0)
    # by hand: -inf ties 2 null betas -> (2 + 1) / 6; -1 has 3 below -> 4 / 6; +inf: 1 / 6
    assert pn.tolist() == pytest.approx([3 / 6, 4 / 6, 6 / 6])
    assert pp.tolist() == pytest.approx([6 / 6, 3 / 6, 1 / 6])


def test_permutation_null_of_separated_pseudo_genes():
    # control genes whose guides all lack treated reads: every null pseudo-gene drawn from
    # them is separated (beta -inf), so a -inf gene is no more extreme than its null: p 1
    def edit(genes, y):
        for gn in ("GENE0", "GENE1"):
            y[genes == gn, 0] = ZERO_GUIDES
            y[genes == gn, 1:] = 0.0

    ct = _screen(edit=edit)
    ctrl = list(ct.guides[np.isin(ct.genes, ["GENE0", "GENE1"])])
    res = mle(ct, SIMPLE, permutation_rounds=2, control_guides=ctrl)
    g = res.genes.set_index("gene")
    assert g.loc["GENE0", "treat|p_perm_neg"] == 1.0 and g.loc["GENE0", "treat|p_perm"] == 1.0
    p = g["treat|p_perm"].to_numpy()  # BH over every gene, by hand
    o = np.argsort(p)
    bh = np.minimum.accumulate((p[o] * len(p) / np.arange(1, len(p) + 1))[::-1])[::-1]
    assert np.allclose(g["treat|fdr_perm"].to_numpy()[o], np.minimum(bh, 1.0))


def test_cli_counts_the_unbounded_gene_as_not_converged(tmp_path, capsys):
    ct = _screen(edit=_gene0_without_treated_reads)
    counts = tmp_path / "cnt.txt"
    frame = pd.DataFrame(ct.counts.astype(int), columns=ct.samples)
    frame.insert(0, "Gene", ct.genes)
    frame.insert(0, "sgRNA", ct.guides)
    frame.to_csv(counts, sep="\t", index=False)
    design = tmp_path / "design.txt"
    SIMPLE.rename_axis("Samples").astype(int).to_csv(design, sep="\t")
    out = tmp_path / "o"
    assert main(["screen", "mle", str(counts), "-d", str(design), "--out", str(out)]) == 0
    cap = capsys.readouterr()
    text = " ".join((cap.out + cap.err).split())
    assert "29/30 genes converged" in text
    beta = pd.read_csv(out / "beta.csv").set_index("gene")
    assert beta.loc["GENE0", "treat|beta"] == -np.inf and not beta.loc["GENE0", "converged"]
    summ = pd.read_csv(out / "screen.gene_summary.txt", sep="\t").set_index("Gene")
    assert summ.loc["GENE0", "treat|beta"] == -np.inf
