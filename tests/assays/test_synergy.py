"""Synergy scores against closed forms and against the ``synergy`` package (Wooten 2021)
given the same monotherapy fits."""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar
from synergy.combination import HSA, ZIP, Bliss, Loewe, MuSyC
from synergy.single import Hill

from kinetor.assays import synergy
from kinetor.errors import DataError

DOSES = np.r_[0, np.logspace(-2, 1, 7)]
D1, D2 = np.meshgrid(DOSES, DOSES, indexing="ij")


def hill(d, e0, emax, h, c):
    return emax + (e0 - emax) / (1 + (d / c) ** h)


def frame(e, reps=1, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    rows = [
        pd.DataFrame(
            {
                "d1": D1.ravel(),
                "d2": D2.ravel(),
                "v": 100 * (e.ravel() + noise * rng.standard_normal(e.size)),
            }
        )
        for _ in range(reps)
    ]
    return pd.concat(rows, ignore_index=True)


def models(res):
    m = res.monotherapy.set_index("drug")

    def one(k):
        r = m.loc[k]
        return Hill(E0=r["E0_pct"] / 100, Emax=r["Emax_pct"] / 100, h=r["hill"], C=r["ic50"])

    return one("drug1"), one("drug2")


class TightLoewe(Loewe):
    """The package's Loewe reference with its bounded scalar search run to 1e-13 (its
    default xatol of 1e-5 limits agreement to ~1e-6)."""

    def _fit_Loewe_reference(self, d1, d2):
        b1 = sorted([self.drug1_model.E0, self.drug1_model.Emax])
        b2 = sorted([self.drug2_model.E0, self.drug2_model.Emax])
        return minimize_scalar(
            self._quadratic_reference_objective_function,
            args=(d1, d2),
            method="bounded",
            bounds=[max(b1[0], b2[0]), min(b1[1], b2[1])],
            options={"xatol": 1e-13},
        )


def grid(res, col):
    return res.cells[col].to_numpy() / (1 if col == "loewe_ci" else 100)


@pytest.mark.slow
@pytest.mark.parametrize("alpha,sign", [(3.0, 1), (0.3, -1)])
def test_per_cell_scores_equal_synergy_package(alpha, sign):
    # MuSyC with full efficacy, h = 1, gamma = 1 is Bliss-additive at alpha = 1 (Meyer
    # 2019); alpha > 1 is potency synergy, alpha < 1 antagonism
    truth = MuSyC(
        E0=1,
        E1=0.0,
        E2=0.0,
        E3=0.0,
        h1=1,
        h2=1,
        C1=0.3,
        C2=0.5,
        alpha12=alpha,
        alpha21=alpha,
        gamma12=1,
        gamma21=1,
    )
    e = truth.E(D1.ravel(), D2.ravel()).reshape(8, 8)
    res = synergy(frame(e, noise=0.01), dose1="d1", dose2="d2", response="v")
    m1, m2 = models(res)
    args = (D1.ravel(), D2.ravel(), res.cells["response_pct"].to_numpy() / 100)
    for name, model in [("bliss", Bliss), ("hsa", HSA)]:
        ref = model(drug1_model=m1, drug2_model=m2).fit(*args)
        assert np.max(np.abs(grid(res, name) - ref)) < 1e-6, name
    ref = TightLoewe(mode="delta_HSA", drug1_model=m1, drug2_model=m2).fit(*args)
    assert np.max(np.abs(grid(res, "loewe") - ref)) < 1e-6
    ref = Loewe(mode="CI", drug1_model=m1, drug2_model=m2).fit(*args)
    ours = grid(res, "loewe_ci")
    assert np.array_equal(np.isnan(ours), np.isnan(ref))
    assert np.nanmax(np.abs(ours - ref)) < 1e-9
    ref = ZIP(drug1_model=m1, drug2_model=m2).fit(*args)
    assert np.max(np.abs(grid(res, "zip") - ref)) < 1e-4
    s = res.summary.set_index("method")["mean"]
    assert sign * s["bliss"] > 1 and sign * s["zip"] > 1


def test_bliss_additive_surface_scores_zero():
    e = hill(D1, 1, 0.1, 1.5, 0.2) * hill(D2, 1, 0.3, 0.9, 1.0)
    res = synergy(frame(e), dose1="d1", dose2="d2", response="v")
    assert np.max(np.abs(res.cells["bliss"])) < 1e-6
    assert np.max(np.abs(res.cells["zip"])) < 1e-4  # ZIP is 0 on a Bliss surface
    assert res.summary.set_index("method").loc["bliss", "unit"] == "percentage points"


def test_loewe_sham_combination():
    # a drug combined with itself: E(d1, d2) = H(d1 + d2); Loewe excess 0, CI 1
    e = hill(D1 + D2, 1.0, 0.05, 1.3, 0.4)
    res = synergy(frame(e), dose1="d1", dose2="d2", response="v", methods=["loewe", "bliss"])
    combo = (res.cells["d1"] > 0) & (res.cells["d2"] > 0)
    assert np.max(np.abs(res.cells.loc[combo, "loewe"])) < 1e-6
    assert np.allclose(res.cells.loc[combo, "loewe_ci"], 1.0, atol=1e-7)
    # Bliss is not sham-compliant: the same sham combination scores non-zero
    assert abs(res.summary.set_index("method").loc["bliss", "mean"]) > 0.5


def test_many_matrices_bootstrap_and_matrix_view():
    truth = MuSyC(
        E0=1,
        E1=0.2,
        E2=0.1,
        E3=0.0,
        h1=1.2,
        h2=0.8,
        C1=0.3,
        C2=0.5,
        alpha12=2,
        alpha21=2,
        gamma12=1,
        gamma21=1,
    )
    e = truth.E(D1.ravel(), D2.ravel()).reshape(8, 8)
    df = pd.concat(
        [
            frame(e, reps=3, noise=0.03, seed=s).assign(line=name)
            for s, name in enumerate(["a", "b"])
        ],
        ignore_index=True,
    )
    r1 = synergy(
        df, dose1="d1", dose2="d2", response="v", by="line", n_boot=50, seed=7, methods=["bliss"]
    )
    r2 = synergy(
        df, dose1="d1", dose2="d2", response="v", by="line", n_boot=50, seed=7, methods=["bliss"]
    )
    pd.testing.assert_frame_equal(r1.summary, r2.summary)
    s = r1.summary
    assert list(s["line"]) == ["a", "b"]
    assert ((s["mean_ci_low"] < s["mean"]) & (s["mean"] < s["mean_ci_high"])).all()
    m = r1.matrix("bliss", line="b")
    assert m.shape == (8, 8) and (m.iloc[0] == 0).all()


def test_incomplete_matrices_are_errors():
    e = np.ones((8, 8))
    df = frame(e)
    with pytest.raises(DataError, match="no monotherapy rows"):
        synergy(df[df["d1"] > 0], dose1="d1", dose2="d2", response="v")
    with pytest.raises(DataError, match="1 of 64 dose pairs have no well"):
        synergy(df.drop(index=20), dose1="d1", dose2="d2", response="v")
    from kinetor.assays import fit_musyc

    with pytest.raises(DataError, match="1 dose pairs have no well"):
        fit_musyc(df.drop(index=20), dose1="d1", dose2="d2", response="v")
    with pytest.raises(DataError, match="unknown method"):
        synergy(df, dose1="d1", dose2="d2", response="v", methods=["chou"])


@pytest.mark.parametrize("alpha,gamma", [(4.0, 1.0), (1.0, 4.0), (0.25, 1.0)])
def test_musyc_recovers_known_potency_and_cooperativity(alpha, gamma):
    from kinetor.assays import fit_musyc

    truth = MuSyC(
        E0=1,
        E1=0.2,
        E2=0.1,
        E3=0.0,
        h1=1.2,
        h2=0.8,
        C1=0.3,
        C2=0.5,
        alpha12=alpha,
        alpha21=alpha,
        gamma12=gamma,
        gamma21=gamma,
    )
    e = truth.E(D1.ravel(), D2.ravel()).reshape(8, 8)
    pars, cells = fit_musyc(
        frame(e, reps=2, noise=0.005, seed=3),
        dose1="d1",
        dose2="d2",
        response="v",
        n_boot=4,
        seed=1,
    )
    est = pars.set_index("parameter")["estimate"]
    if alpha > 1:
        assert est["alpha12"] > 2 and est["alpha21"] > 2
        assert cells["musyc"].mean() > 0
    elif alpha < 1:
        assert est["alpha12"] < 0.6 and est["alpha21"] < 0.6
        assert cells["musyc"].mean() < 0
    else:
        assert est["gamma12"] > 2 and est["gamma21"] > 2
        assert 0.5 < est["alpha12"] < 2 and 0.5 < est["alpha21"] < 2
    assert est["E3"] == pytest.approx(0.0, abs=0.05) and est["beta"] == pytest.approx(
        0.1 / 0.9, abs=0.06
    )
    assert pars["converged"].all() and pars["ci_low"].notna().sum() >= 10
    combo = (cells["d1"] > 0) & (cells["d2"] > 0)
    assert est["musyc_mean"] == pytest.approx(cells.loc[combo, "musyc"].mean())
    assert est["musyc_msa"] >= est["musyc_mean"]


def test_each_monotherapy_fit_carries_its_own_convergence():
    # drug 1 a Hill curve (IC50 0.1) with noise, drug 2 inactive (its wells 99.5-102.5 %):
    # drug 2's Hill fit does not converge. Before, one flag (drug1 AND drug2) was shown for
    # both, so drug 1's good fit was marked not converged, and the note named no drug.
    resp = [
        [102.50, 101.98, 99.48, 100.32, 101.46],
        [90.85, 88.96, 90.03, 87.89, 90.43],
        [49.36, 47.33, 50.48, 48.31, 45.97],
        [4.70, 11.29, 10.69, 8.47, 10.15],
        [0.53, -0.22, 0.90, 3.13, -1.20],
    ]
    d = np.array([0.0, 0.01, 0.1, 1.0, 10.0])
    d1, d2 = np.meshgrid(d, d, indexing="ij")
    wells = pd.DataFrame({"d1": d1.ravel(), "d2": d2.ravel(), "r": np.ravel(resp)})
    res = synergy(wells, dose1="d1", dose2="d2", response="r", methods=["bliss"])
    mono = res.monotherapy.set_index("drug")
    assert bool(mono.loc["drug1", "converged"])
    assert mono.loc["drug1", "ic50"] == pytest.approx(0.1, rel=0.1)
    assert not bool(mono.loc["drug2", "converged"])
    assert res.summary["note"].iloc[0] == "monotherapy fit of drug2 did not converge"
    assert not bool(res.summary["converged"].iloc[0])  # the scores rest on both fits
