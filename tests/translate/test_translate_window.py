"""Hyperglycaemia (Topp 2000 glucose-insulin model), insulin feedback, schedule optimiser."""

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.translate.toxicity import (
    TOPP_2000,
    glucose_insulin,
    insulin_readout,
    metabolic_summary,
)


def test_topp_untreated_steady_state():
    # R0 = (EG0 + SI I) G at G 100 -> I = (8.64 - 1.44)/0.72 = 10 uU/mL;
    # k I = beta sigma G^2/(alpha + G^2) -> beta = 4320 / (43.2 x 1/3) = 300 mg;
    # -d0 + r1 G - r2 G^2 = -0.06 + 0.084 - 0.024 = 0
    p = TOPP_2000
    assert p["R0"] == pytest.approx((p["EG0"] + p["SI"] * 10.0) * 100.0)
    assert p["k"] * 10.0 == pytest.approx(300.0 * p["sigma"] * 1e4 / (p["alpha"] + 1e4))
    assert -p["d0"] + p["r1"] * 100 - p["r2"] * 1e4 == pytest.approx(0.0, abs=1e-12)
    t = np.linspace(0.0, 240.0, 11)
    g, ins, beta = glucose_insulin(t, np.zeros((2, t.size)))
    np.testing.assert_allclose(g, 100.0, rtol=1e-6)
    np.testing.assert_allclose(ins, 10.0, rtol=1e-6)
    np.testing.assert_allclose(beta, 300.0, rtol=1e-6)


def test_constant_insulin_resistance_reaches_the_algebraic_steady_state():
    # beta fixed at 300, E = 0.5: R0 = (EG0 + 0.36 I(G)) G with I(G) = 30 G^2/(2e4 + G^2);
    # solved by bisection here, independent of the ODE
    def f(gl):
        return 864.0 - (1.44 + 0.36 * 30.0 * gl**2 / (2e4 + gl**2)) * gl

    lo, hi = 100.0, 400.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
    t = np.linspace(0.0, 24.0 * 5, 121)
    g, ins, _ = glucose_insulin(t, np.full((1, t.size), 0.5), beta_dynamics=False)
    assert g[0, -1] == pytest.approx(lo, rel=1e-6)
    assert ins[0, -1] == pytest.approx(30.0 * lo**2 / (2e4 + lo**2), rel=1e-6)
    assert g[0, -1] > 100.0


def test_metabolic_summary_counts_hours_above_exactly():
    t = np.array([0.0, 10.0, 20.0])
    g = np.array([[100.0, 300.0, 100.0]])  # above 200 from t = 5 to t = 15
    s = metabolic_summary(t, g, 200.0)
    assert s["hours_above"][0] == pytest.approx(10.0)
    assert s["peak_glucose_mg_dL"][0] == 300.0
    assert s["mean_glucose_mg_dL"][0] == pytest.approx(200.0)


def test_insulin_readout_by_mechanism():
    assert insulin_readout("akt_allosteric") == "pPRAS40_T246"
    assert insulin_readout("pi3k_alpha") == "pAKT_S473"


def test_bad_inhibition_shape():
    with pytest.raises(ModelError, match="inhibition"):
        glucose_insulin(np.array([0.0, 1.0]), np.zeros(2))


@pytest.mark.slow
def test_study_glucose_rises_with_dose_and_feedback_lowers_tgi():
    import kinetor as kt

    arms = ["Low=vistusertib:10 mg/kg PO QD x 7 days", "High=vistusertib:100 mg/kg PO QD x 7 days"]
    kw = {
        "arms": arms,
        "n_animals": 1,
        "seed": 0,
        "pk_variability": None,
        "tumor_variability": False,
        "noise": False,
        "metabolic": True,
    }
    off = kt.run_study(None, "mouse", "MCF7", **kw)
    on = kt.run_study(None, "mouse", "MCF7", insulin_feedback=1.0, **kw)
    s = off.summary().set_index("arm")
    assert s.loc["Vehicle", "peak_glucose_mg_dL"] == pytest.approx(100.0)
    assert s.loc["High", "peak_glucose_mg_dL"] > s.loc["Low", "peak_glucose_mg_dL"] > 100.0
    t_off = off.tgi.set_index("arm")["tgi_pct"]
    t_on = on.tgi.set_index("arm")["tgi_pct"]
    assert t_on["High"] < t_off["High"]  # insulin re-activates tumour signalling
    assert set(off.glucose.columns) >= {"glucose", "insulin"}
    with pytest.raises(ModelError, match="quasi-steady"):
        kt.run_study(None, "mouse", "MCF7", insulin_feedback=1.0, pathway_mode="dynamic", **kw)


@pytest.mark.slow
def test_optimise_schedule_respects_the_glucose_limit(tmp_path):
    import kinetor as kt

    opt = kt.translate.optimise_schedule(
        "vistusertib",
        doses=[10, 40, 160],
        intervals=["QD", "BID"],
        patterns=["continuous", "2 days on/5 days off"],
        weeks=1,
        max_glucose=200.0,
        n_replicates=10,
        n_animals=4,
    )
    t = opt.table
    assert len(t) == 12 and t["feasible"].eq(t["peak_glucose_mg_dL"] <= 200.0).all()
    feas = t[t["feasible"]]
    assert opt.best["regimen"] == feas.sort_values("tgi_typical_pct").iloc[-1]["regimen"]
    assert opt.best["tgi_lo_pct"] <= opt.best["tgi_median_pct"] <= opt.best["tgi_hi_pct"]
    # the frontier is increasing in both glucose and TGI
    assert np.all(np.diff(opt.frontier["tgi_typical_pct"]) > 0)
    files = opt.save(tmp_path)
    assert all(f.exists() for f in files)
    none = kt.translate.optimise_schedule(
        "vistusertib",
        doses=[160],
        intervals=["BID"],
        patterns=["continuous"],
        weeks=1,
        max_glucose=101.0,
        n_replicates=5,
        n_animals=3,
    )
    assert none.best is None
