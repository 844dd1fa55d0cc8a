"""Lambda_z: best-fit selection, tie rule, manual ranges and points, exclusions, flags."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca
from kinetor.nca._kernels import fit_lambda_z

LN2 = math.log(2.0)


def study(times, concs, route="PO", subject="s1"):
    conc = pd.DataFrame({"subject": subject, "time": times, "conc": concs})
    doses = pd.DataFrame({"subject": [subject], "time": [0.0], "dose": [10.0], "route": [route]})
    return Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})


def adj_r2(x, y):
    """Independent adjusted R2 of ln(y) on x (numpy.polyfit)."""
    x, ly = np.asarray(x, float), np.log(np.asarray(y, float))
    b1, b0 = np.polyfit(x, ly, 1)
    resid = ly - (b0 + b1 * x)
    r2 = 1 - (resid**2).sum() / ((ly - ly.mean()) ** 2).sum()
    n = len(x)
    return 1 - (1 - r2) * (n - 1) / (n - 2), -b1


def test_best_fit_prefers_more_points_within_tolerance():
    # tail points 4..24; ln C nearly linear: the 4-point fit is within 1e-4 of the
    # best adjusted R2 (the exact 3-point fit), so it wins
    t = np.array([0.0, 1, 2, 4, 8, 12, 24])
    c = np.array([0.0, 10, 9, 6.0, 3.0, 1.5, 0.1875])
    c[3] = 6.0 * 1.003  # a 0.3 % wobble on the 4th-last point
    a3, _ = adj_r2(t[-3:], c[-3:])
    a4, k4 = adj_r2(t[-4:], c[-4:])
    a5, _ = adj_r2(t[-5:], c[-5:])
    assert a3 == pytest.approx(1.0)
    assert 1.0 - a4 < 1e-4 and a5 < a3 - 1e-4  # the hand-made premise
    w = nca(study(t, c)).to_wide().iloc[0]
    assert w.LAMZNPT == 4 and w.LAMZ == pytest.approx(k4, rel=1e-10)
    assert w.LAMZLL == 4.0 and w.LAMZUL == 24.0


def test_best_fit_keeps_fewer_points_outside_tolerance():
    t = np.array([0.0, 1, 2, 4, 8, 12, 24])
    c = np.array([0.0, 10, 9, 8.0, 3.0, 1.5, 0.1875])  # 4-point fit clearly worse
    a3, k3 = adj_r2(t[-3:], c[-3:])
    a4, _ = adj_r2(t[-4:], c[-4:])
    assert a3 - a4 > 1e-4
    w = nca(study(t, c)).to_wide().iloc[0]
    assert w.LAMZNPT == 3 and w.LAMZ == pytest.approx(k3, rel=1e-10)


def test_kernel_tie_rule_matches_a_brute_force_search():
    rng = np.random.default_rng(3)
    T = np.tile(np.array([0.0, 0.5, 1, 2, 3, 4, 6, 8, 12, 24]), (200, 1))
    C = 20 * np.exp(-0.2 * T) * rng.lognormal(0, 0.05, T.shape)
    C[:, 0] = 0
    cand = T > 1.0
    fit = fit_lambda_z(T, C, cand)
    for i in range(len(T)):
        x, y = T[i][cand[i]], C[i][cand[i]]
        fits = [(*adj_r2(x[-n:], y[-n:]), n) for n in range(3, len(x) + 1)]
        top = max(f[0] for f in fits)
        best = max((f for f in fits if top - f[0] < 1e-4), key=lambda f: f[2])
        assert fit["npt"][i] == best[2]
        assert fit["lamz"][i] == pytest.approx(best[1], rel=1e-9)


def test_zero_concentrations_are_skipped_not_fitted():
    # a zero in the tail is not a regression point (log 0): candidates are t = 2, 4, 8, 12
    t = [0.0, 1, 2, 4, 6, 8, 12]
    c = [0.0, 10, 8, 4, 0.0, 1, 0.5]
    w = nca(study(t, c)).to_wide().iloc[0]
    x, y = [2, 4, 8, 12], [8, 4, 1, 0.5]
    fits = [(*adj_r2(x[-n:], y[-n:]), n) for n in (3, 4)]
    top = max(f[0] for f in fits)
    best = max((f for f in fits if top - f[0] < 1e-4), key=lambda f: f[2])
    assert w.LAMZNPT == best[2] and w.LAMZ == pytest.approx(best[1], rel=1e-10)
    assert w.TLST == 12.0


def test_too_few_points_gives_nan_with_reason():
    res = nca(study([0.0, 1, 2, 4], [0.0, 5, 4, 2]))
    p = res.parameters.set_index("PPTESTCD")
    assert np.isnan(p.loc["LAMZ", "value"])
    assert "fewer than 3 usable points" in p.loc["LAMZ", "exclude"]
    # everything that needs lambda_z inherits the reason; AUClast does not
    assert "fewer than 3" in p.loc["AUCIFO", "exclude"]
    assert "fewer than 3" in p.loc["CLFO", "exclude"]
    assert p.loc["AUCLST", "exclude"] == "" and p.loc["AUCLST", "value"] > 0


def test_rising_terminal_phase_gives_nan_lambda_z():
    res = nca(study([0.0, 1, 2, 3, 4, 5], [0.0, 5, 1, 2, 3, 4]), blq_rule="zero")
    p = res.parameters.set_index("PPTESTCD")
    assert np.isnan(p.loc["LAMZ", "value"])
    assert "does not decline" in p.loc["LAMZ", "exclude"]


def test_manual_range_and_points_and_exclusions():
    t = [0.0, 1, 2, 4, 8, 12]
    c = [0.0, 8, 10, 5, 2.5, 1.25]
    st = study(t, c)
    # manual range [2, 12] uses Tmax too (manual overrides the after-Tmax rule)
    res = nca(st, lambda_z_range=pd.DataFrame({"subject": ["s1"], "lower": [2.0], "upper": [12.0]}))
    w = res.to_wide().iloc[0]
    _, k = adj_r2([2, 4, 8, 12], [10, 5, 2.5, 1.25])
    assert w.LAMZNPT == 4 and w.LAMZ == pytest.approx(k, rel=1e-10)
    # explicit points
    res = nca(st, lambda_z_points=pd.DataFrame({"subject": "s1", "time": [1.0, 4.0, 12.0]}))
    _, k = adj_r2([1, 4, 12], [8, 5, 1.25])
    w = res.to_wide().iloc[0]
    assert w.LAMZNPT == 3 and w.LAMZ == pytest.approx(k, rel=1e-10)
    pts = res.lambda_z_points
    assert pts.loc[pts.used, "time"].tolist() == [1.0, 4.0, 12.0]
    # excluding t=8 leaves two points after Tmax: no lambda_z
    res = nca(st, lambda_z_exclude=pd.DataFrame({"subject": ["s1"], "time": [8.0]}))
    assert np.isnan(res.to_wide().iloc[0].LAMZ)
    assert res.provenance["lambda_z_exclude"] == [{"subject": "s1", "time": 8.0}]


def test_acceptance_flags_keep_values():
    # Theoph-like: 3-point fit spanning less than 2 half-lives, large extrapolation
    t = [0.0, 1, 2, 6, 9, 12]
    c = [0.0, 10, 9, 7, 6.3, 5.7]
    res = nca(study(t, c))
    p = res.parameters.set_index("PPTESTCD")
    w = res.to_wide().iloc[0]
    assert w.LAMZSPN < 2 and w.AUCPEO > 20  # premise
    assert np.isfinite(p.loc["LAMZ", "value"])
    assert "LAMZSPN < 2" in p.loc["LAMZ", "exclude"]
    assert "LAMZSPN < 2" in p.loc["LAMZHL", "exclude"]
    assert "AUCPEO > 20%" in p.loc["AUCIFO", "exclude"]
    assert "AUCPEO > 20%" in p.loc["CLFO", "exclude"]
    # a diagnostic does not flag itself (AUCPEO still carries the lambda_z flag)
    assert "AUCPEO" not in p.loc["AUCPEO", "exclude"] and p.loc["LAMZSPN", "exclude"] == ""
    assert p.loc["R2ADJ", "exclude"] == "" and p.loc["AUCLST", "exclude"] == ""
    # the thresholds are options
    res = nca(study(t, c), min_span_ratio=0.0, max_aucpext=100.0)
    p = res.parameters.set_index("PPTESTCD")
    assert p.loc["LAMZ", "exclude"] == "" and p.loc["AUCIFO", "exclude"] == ""


def test_low_adjusted_r2_is_flagged():
    t = [0.0, 1, 2, 3, 4, 5]
    c = [0.0, 10, 5, 6, 2, 2.4]
    res = nca(study(t, c))
    w = res.to_wide().iloc[0]
    p = res.parameters.set_index("PPTESTCD")
    a, _ = adj_r2([2, 3, 4, 5], [5, 6, 2, 2.4])
    assert w.R2ADJ < 0.9 and a < 0.9  # premise, checked independently
    assert "R2ADJ < 0.9" in p.loc["LAMZ", "exclude"]
    assert "R2ADJ < 0.9" in p.loc["CLFO", "exclude"]


def test_manual_range_without_points_is_nan_not_automatic():
    st = study([0.0, 1, 2, 4, 8, 12], [0.0, 8, 10, 5, 2.5, 1.25])
    res = nca(
        st, lambda_z_range=pd.DataFrame({"subject": ["s1"], "lower": [20.0], "upper": [30.0]})
    )
    p = res.parameters.set_index("PPTESTCD")
    assert np.isnan(p.loc["LAMZ", "value"])
    assert "manual lambda_z selection" in p.loc["LAMZ", "exclude"]
