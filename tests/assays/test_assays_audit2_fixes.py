"""Fixes from the second assays audit: the dish mask of ``count_colonies`` (a dark
surround), lane detection of ``quantify_blot`` under a vertical background gradient (and
equal-width boxes, and a note where the lane spacing implies another lane count), failed
MuSyC bootstrap refits, and the number of cells behind the Loewe CI summaries. Expected
values are the planted truths of synthetic images/matrices or closed forms by hand."""

import numpy as np
import pandas as pd
import pytest
from blot_synth import blot
from blot_synth import lanes as layout
from synergy.combination import MuSyC

from kinetor.assays import count_colonies, fit_musyc, quantify_blot, synergy
from kinetor.errors import DataError

# -- 1. count_colonies: pixels outside the dish are ignored --------------------------------


def _dish_plate(n, outside, *, size=600, dish_r=280, r=8.0, seed=0):
    """A synthetic plate: a light dish (200 + illumination gradient) with ``n`` dark
    colonies of radius ``r`` inside it, 100 dark specks, noise 6, and the surround
    outside the dish set to ``outside``."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size].astype(float)
    c = size / 2
    img = 200 + 40 * xx / size - 20 * yy / size
    placed = []
    while len(placed) < n:
        p = rng.uniform(0, size, 2)
        if np.hypot(*(p - c)) < dish_r - r - 6 and all(
            np.hypot(*(p - q)) > 2 * r + 4 for q in placed
        ):
            placed.append(p)
            img -= 90 * np.sqrt(np.clip(1 - ((yy - p[0]) ** 2 + (xx - p[1]) ** 2) / r**2, 0, None))
    for _ in range(100):
        p = rng.uniform(0, size, 2)
        img[np.hypot(yy - p[0], xx - p[1]) < 1.2] -= 60
    img += rng.normal(0, 6, img.shape)
    img[np.hypot(yy - c, xx - c) > dish_r] = outside
    return np.clip(img, 0, 255).astype(np.uint8), (c, c, dish_r)


@pytest.mark.parametrize("outside", [120, 60])
def test_a_dark_surround_does_not_hide_the_colonies(outside):
    img, dish = _dish_plate(100, outside)
    res = count_colonies(img, radius=8, dish=dish)
    # before the fix: 0 colonies (the surround entered the background and Otsu's threshold)
    assert abs(res.count - 100) <= 2


def test_a_dish_outside_the_image_is_refused():
    img, _ = _dish_plate(5, 120, size=200, dish_r=90)
    with pytest.raises(DataError, match="dish") as e:
        count_colonies(img, radius=8, dish=(1000, 1000, 50))
    assert "--dish ROW,COL,RADIUS" in e.value.problems[0].fix


# -- 2. quantify_blot: lanes under a vertical gradient, equal boxes, spacing note -----------

X0S = [15 + i * 42 for i in range(6)]
VOLS = np.array([1, 2, 4, 8, 0.5, 3]) * 2e5  # a 16-fold range; lane 5 is the faint one


def _gel(seed, slope_y=4.0):
    """A synthetic blot: 6 lanes (30 px, plateau 22 px), Gaussian bands of known
    volume, background 2000 + 3 per column + ``slope_y`` per row, noise 30."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:160, 0:260].astype(float)
    img = 2000 + 3 * xx + slope_y * yy + rng.normal(0, 30, xx.shape)
    for x0, v in zip(X0S, VOLS, strict=True):
        b = 1 / (1 + np.exp(-(xx - x0 - 4))) / (1 + np.exp(xx - x0 - 26))
        b *= np.exp(-0.5 * ((yy - 80) / 4) ** 2)
        img += v * b / b.sum()
    return np.clip(np.round(img), 0, 65535).astype(np.uint16)


@pytest.mark.parametrize("slope_y", [4.0, 0.0])
def test_the_faint_lane_is_found_under_a_vertical_gradient(slope_y):
    for seed in range(6):  # before the fix: 5 lanes in 4 of 6 seeds with the gradient
        t = quantify_blot(_gel(seed, slope_y), n_lanes=6, background="lane")
        centres = (t["x0"] + t["x1"]).to_numpy() / 2
        assert np.abs(centres - (np.array(X0S) + 15)).max() <= 2
        assert t.attrs["notes"] == [] and (t["flag"] == "").all()
        # equal boxes: the faint lane keeps its band's edges (it lost 10-22 % in a box
        # cut to where it crossed the detection threshold)
        assert (t["x1"] - t["x0"]).nunique() == 1
        got = t["volume"].to_numpy() / t["volume"].iat[3]
        assert np.abs(got / (VOLS / VOLS[3]) - 1).max() < 0.05


def test_uneven_lane_spacing_is_noted_not_silent():
    img, _, _ = blot([1000, 2000, 0, 3000, 1500])  # lane 3 empty: 4 lanes detected
    t = quantify_blot(img, background="none")
    assert len(t) == 4
    (note,) = t.attrs["notes"]
    assert "4 lanes detected" in note and "implies 5" in note
    assert "between lanes 2 and 3" in note and "--lanes" in note
    assert [bool(f) for f in t["flag"]] == [False, True, True, False]
    # given lanes are the user's: no note
    assert quantify_blot(img, lanes=layout(5), background="none").attrs["notes"] == []


# -- 3. fit_musyc: failed bootstrap refits are counted, not a crash ------------------------


def _musyc_matrix():
    """A 6 x 6 matrix without replicate wells (noise SD 0.03)."""
    d = np.r_[0, np.logspace(-2, 1, 5)]
    d1, d2 = (x.ravel() for x in np.meshgrid(d, d))
    truth = MuSyC(
        E0=1, E1=0.3, E2=0.4, E3=0.05, h1=1.2, h2=0.9, C1=0.3, C2=1.0,
        alpha12=3.0, alpha21=3.0, gamma12=1.0, gamma21=1.0,
    )  # fmt: skip
    y = truth.E(d1, d2) + np.random.default_rng(4).normal(0, 0.03, d1.size)
    return pd.DataFrame({"d1": d1, "d2": d2, "r": y})


def _fit(df, n_boot, seed):
    return fit_musyc(
        df, dose1="d1", dose2="d2", response="r", scale="fraction", n_boot=n_boot, seed=seed
    )


def test_musyc_bootstrap_survives_a_failed_refit():
    # seed 3, 10 refits: one refit's starting Hill fit gives up inside the synergy
    # package (RuntimeError "Optimal parameters not found" before the fix)
    pars, _ = _fit(_musyc_matrix(), 10, 3)
    k = int(pars["n_boot_failed"].iat[0])
    assert k >= 1 and (pars["n_boot_failed"] == k).all() and pars["converged"].all()
    assert f"over the {10 - k} of 10 bootstrap refits" in pars["note"].iat[0]
    assert pars["ci_low"].notna().all()


def _failing_fit(monkeypatch, fail_calls):
    real = MuSyC.fit
    calls = {"n": 0}

    def fit(self, *a, **kw):
        calls["n"] += 1
        if calls["n"] in fail_calls:
            raise RuntimeError("Optimal parameters not found: maxfev")
        return real(self, *a, **kw)

    monkeypatch.setattr(MuSyC, "fit", fit)


def test_musyc_intervals_over_the_refits_that_worked(monkeypatch):
    _failing_fit(monkeypatch, {3})  # call 1 is the fit, 2-11 the refits: 1 of 10 fails
    pars, _ = _fit(_musyc_matrix(), 10, 0)
    assert (pars["n_boot_failed"] == 1).all() and pars["ci_low"].notna().all()
    assert "over the 9 of 10 bootstrap refits that converged (1 failed" in pars["note"].iat[0]


def test_musyc_refuses_intervals_when_over_20_percent_fail(monkeypatch):
    _failing_fit(monkeypatch, {2, 5, 8})  # 3 of 10 refits fail
    pars, _ = _fit(_musyc_matrix(), 10, 0)
    assert (pars["n_boot_failed"] == 3).all()
    assert pars["estimate"].notna().all() and pars["ci_low"].isna().all()
    assert pars["note"].iat[0].startswith("no intervals: 3 of 10 bootstrap refits failed")


def test_musyc_failed_fit_says_why(monkeypatch):
    _failing_fit(monkeypatch, {1})
    pars, cells = _fit(_musyc_matrix(), 0, 0)
    assert not pars["converged"].any() and pars["estimate"].isna().all()
    assert pars["note"].iat[0].startswith("MuSyC fit failed: Optimal parameters not found")
    assert cells.empty


# -- 4d. loewe_ci summaries say over how many cells ----------------------------------------


def test_loewe_ci_summary_counts_the_cells_where_it_is_defined():
    # drug 1: E = 1 - 0.5 d/(d + 1) (at most 50 % effect); drug 2: E = 1/(1 + d);
    # Bliss-combined. The CI exists where E > 0.5 (drug 1 can reach it).
    d = np.r_[0, 0.1, 0.3, 1, 3, 10]
    a, b = np.meshgrid(d, d, indexing="ij")
    e = (1 - 0.5 * a / (a + 1)) / (1 + b)
    df = pd.DataFrame({"a": a.ravel(), "b": b.ravel(), "v": 100 * e.ravel()})
    s = synergy(df, dose1="a", dose2="b", response="v", methods=["loewe"]).summary
    row = s.set_index("method").loc["loewe_ci"]
    combo = e[1:, 1:]
    ok = combo > 0.5
    # by hand: f1 = 0.9545, 0.8846, 0.75, 0.625, 0.5455 and f2 = 0.9091, 0.7692, 0.5, ...
    # products above 0.5: 4 with d2 = 0.1, 3 with d2 = 0.3, none beyond
    assert ok.sum() == 7 and row["n_cells"] == 7
    assert "CI defined in 7 of 25 combination cells" in row["note"]
    E = combo[ok]
    ci = a[1:, 1:][ok] * (E - 0.5) / (1 - E) + b[1:, 1:][ok] * E / (1 - E)  # d/D(E), closed
    assert row["mean"] == pytest.approx(np.exp(np.log(ci).mean()), rel=1e-4)
    assert s.set_index("method").loc["loewe", "n_cells"] == 25
