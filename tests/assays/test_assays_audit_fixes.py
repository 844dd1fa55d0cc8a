"""Fixes from the assays audit: GR50 at GR = 0.5 (GR100 at GR = 0), the held line of
``linear_range``, observed single-agent references for Bliss/HSA, ``log_ic50`` of the 5PL,
the t quantile of the SER interval and the per-blot Western summary. Every expected value
is computed here by hand (closed forms, or the textbook formulas written out)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kinetor.assays import (
    clonogenic,
    fit_dose_response,
    fit_gr,
    linear_range,
    normalise_bands,
    synergy,
)
from kinetor.cli.main import main
from kinetor.errors import DataError


def _gr_frame(conc, gr, x0=100.0, xc=800.0):
    """Counts whose GR values are ``gr``: x = x0 (xc/x0)^log2(GR + 1)."""
    cnt = x0 * (xc / x0) ** np.log2(np.asarray(gr) + 1.0)
    return pd.DataFrame({"dose": conc, "count": cnt, "count_control": xc, "count_t0": x0})


# -- 1. GR50 is where GR = 0.5 (Hafner et al. 2016), GR100 where GR = 0 -------------------


def test_gr50_reproduces_the_published_gr_metrics_example():
    # the worked example of the authors' gr_metrics Python code (datarail): GR values at
    # 0.001-10 uM -> GR50 0.114025, GEC50 0.110411, GRinf 0.018109, h 1.145262, AOC 0.481125
    conc = np.array([0.001, 0.01, 0.1, 1.0, 10.0])
    gr = np.array([0.965, 0.953, 0.533, 0.0976, 0.0188])
    r = fit_gr(_gr_frame(conc, gr), dose_unit="uM").iloc[0]
    assert r["GR50"] == pytest.approx(0.114025, rel=1e-4)
    assert r["GR50_text"] == "GR50 = 0.114 uM"
    assert r["GEC50"] == pytest.approx(0.110411, rel=1e-4)
    assert r["GRinf"] == pytest.approx(0.018109, abs=1e-5)
    assert r["h_GR"] == pytest.approx(1.145262, rel=1e-4)
    assert r["GR_AOC"] == pytest.approx(0.481125, rel=1e-6)
    # GRinf > 0: GR never reaches 0, so GR100 is a bound, not a number
    assert np.isnan(r["GR100"]) and r["GR100_text"] == "GR stays above 0: GR100 > 10 uM"


def test_gr50_and_gr100_of_an_exact_curve_by_the_closed_form():
    # GR(c) = GRinf + (1 - GRinf) / (1 + c / GEC50), GRinf = -0.3, GEC50 = 0.1:
    # GR = 0.5 at c = 0.1 (1.3 / 0.8 - 1) = 0.0625; GR = 0 at c = 0.1 (1.3 / 0.3 - 1) = 1/3
    conc = np.logspace(-3, 1, 9)
    gr = -0.3 + 1.3 / (1.0 + conc / 0.1)
    r = fit_gr(_gr_frame(conc, gr, 1000.0, 8000.0), dose_unit="uM").iloc[0]
    assert r["GR50"] == pytest.approx(0.0625, rel=1e-6)
    assert r["GR100"] == pytest.approx(1.0 / 3.0, rel=1e-6)
    assert r["GR50_text"] == "GR50 = 0.0625 uM" and r["GR100_text"] == "GR100 = 0.333 uM"
    # a curve that stays above 0.5 (GRinf = 0.6) gives GR50 as a bound
    flat = fit_gr(_gr_frame(conc, 0.6 + 0.4 / (1.0 + conc / 0.1)), dose_unit="uM").iloc[0]
    assert np.isnan(flat["GR50"]) and flat["GR50_text"] == "GR stays above 0.5: GR50 > 10 uM"


# -- 2. linear_range holds the line through the lowest three loads ---------------------


def test_linear_range_holds_the_line_of_the_lowest_three_loads():
    loads = [1, 2, 4, 8, 16, 32]
    vols = [11, 19, 42, 79, 140, 180]
    t = linear_range(loads, vols)
    # slope = (1*11 + 2*19 + 4*42) / (1 + 4 + 16) = 217 / 21; deviations from that line:
    # 8: 79 / 82.667 - 1 = -0.044 (in); 16: 140 / 165.33 - 1 = -0.153 (out, ends the range)
    assert t.attrs["slope"] == pytest.approx(217 / 21, rel=1e-12)
    assert t["in_range"].tolist() == [True, True, True, True, False, False]
    assert t.attrs["max_linear_load"] == 8.0
    assert t["deviation"].iloc[4] == pytest.approx(140 / (16 * 217 / 21) - 1, rel=1e-12)
    s = 217 / 21
    fit = s * np.array([1, 2, 4, 8])
    y = np.array([11, 19, 42, 79])
    r2 = 1 - ((y - fit) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert t.attrs["r2"] == pytest.approx(r2, rel=1e-12)


def test_linear_range_flags_agree_with_max_linear_load():
    # 8 is 25 % off the line (slope 10), 16 is back on it: the range still ends at 4
    t = linear_range([1, 2, 4, 8, 16], [10, 20, 40, 60, 160])
    assert t["in_range"].tolist() == [True, True, True, False, False]
    assert t.attrs["max_linear_load"] == 4.0
    # the lowest load 28 % off the line of the lowest three (slope 213/21): no range
    t = linear_range([1, 2, 4, 8], [13, 20, 40, 80])
    assert not t["in_range"].any() and np.isnan(t.attrs["max_linear_load"])


@pytest.mark.parametrize(
    ("loads", "vols", "kw", "text"),
    [
        ([1, 2, 4], [1, 2], {}, "3 loads for 2 volumes"),
        ([1, 2, 4], [1, np.nan, 4], {}, "volume nan at position 1"),
        ([1, 0, 4], [1, 2, 4], {}, "load 0 at position 1"),
        ([1, 2, 4], [1, 2, 4], {"tolerance": -0.1}, "tolerance=-0.1"),
    ],
)
def test_linear_range_refuses_bad_series(loads, vols, kw, text):
    with pytest.raises(DataError, match=text):
        linear_range(loads, vols, **kw)


# -- 3a. Bliss and HSA against the observed single-agent wells ------------------------

DOSES = [0.0, 1.0, 2.0, 4.0]
# fraction of vehicle; rows: dose 1 = 0, 1, 2, 4; columns: dose 2 = 0, 1, 2, 4
E = [
    [1.0, 0.9, 0.8, 0.6],
    [0.8, 0.6, 0.5, 0.4],
    [0.7, 0.5, 0.4, 0.3],
    [0.5, 0.35, 0.3, 0.2],
]


def _hand_matrix():
    rows = [
        {"d1": a, "d2": b, "v": E[i][j]} for i, a in enumerate(DOSES) for j, b in enumerate(DOSES)
    ]
    df = pd.DataFrame(rows)
    # two replicate wells for drug 1 alone at dose 1 (0.9, 0.7): their mean is 0.8
    df.loc[(df.d1 == 1) & (df.d2 == 0), "v"] = 0.9
    return pd.concat([df, pd.DataFrame([{"d1": 1.0, "d2": 0.0, "v": 0.7}])], ignore_index=True)


def test_observed_reference_bliss_and_hsa_by_hand():
    res = synergy(
        _hand_matrix(),
        dose1="d1",
        dose2="d2",
        response="v",
        scale="fraction",
        methods=["bliss", "hsa"],
        reference="observed",
    )
    c = res.cells[(res.cells.d1 > 0) & (res.cells.d2 > 0)]
    # Bliss: 100 (E1 E2 - E) with E1 = 0.8, 0.7, 0.5 and E2 = 0.9, 0.8, 0.6 (observed)
    bliss = [[12, 14, 8], [13, 16, 12], [10, 10, 10]]
    hsa = [[20, 30, 20], [20, 30, 30], [15, 20, 30]]  # 100 (min(E1, E2) - E)
    np.testing.assert_allclose(c["bliss"].to_numpy().reshape(3, 3), bliss, atol=1e-10)
    np.testing.assert_allclose(c["hsa"].to_numpy().reshape(3, 3), hsa, atol=1e-10)
    s = res.summary.set_index("method")
    assert s.loc["bliss", "mean"] == pytest.approx(105 / 9, rel=1e-12)
    assert s.loc["hsa", "mean"] == pytest.approx(215 / 9, rel=1e-12)
    assert set(s["reference"]) == {"observed"}
    # the default stays the monotherapy fits (and says so)
    fit = synergy(_hand_matrix(), dose1="d1", dose2="d2", response="v", scale="fraction")
    assert set(fit.summary["reference"]) == {"fit"}
    with pytest.raises(DataError, match="unknown reference 'wells'"):
        synergy(_hand_matrix(), dose1="d1", dose2="d2", response="v", reference="wells")


def test_observed_reference_equals_the_synergy_package():
    from synergy.combination import HSA, Bliss

    rng = np.random.default_rng(0)
    d = np.r_[0, np.logspace(-2, 1, 6)]
    a, b = (m.ravel() for m in np.meshgrid(d, d, indexing="ij"))
    e1 = 0.1 + 0.9 / (1 + (a / 0.3) ** 1.2)
    e2 = 0.3 + 0.7 / (1 + (b / 1.0) ** 0.9)
    v = e1 * e2 * (1 - 0.2 * (a > 0) * (b > 0) * (1 - e1 * e2)) + rng.normal(0, 0.02, a.size)
    v[0] = 1.0
    df = pd.DataFrame({"d1": a, "d2": b, "v": v})
    res = synergy(df, dose1="d1", dose2="d2", response="v", scale="fraction", reference="observed")
    got = df.merge(res.cells, on=["d1", "d2"])
    combo = (got.d1 > 0) & (got.d2 > 0)
    for cls, col in ((Bliss, "bliss"), (HSA, "hsa")):
        pkg = 100 * np.asarray(cls().fit(got.d1.to_numpy(), got.d2.to_numpy(), got.v.to_numpy()))
        np.testing.assert_allclose(got.loc[combo, col], pkg[combo.to_numpy()], atol=1e-10)


# -- 3b. log_ic50 = log10(ic50) for the 5PL too ----------------------------------------


def test_5pl_log_ic50_is_log10_of_ic50_and_log_c_is_the_location():
    c, h, s = 0.3, 1.2, 0.5
    x = np.logspace(-3, 2, 15)
    y = 5 + 90 / (1 + (x / c) ** h) ** s
    r = fit_dose_response(pd.DataFrame({"dose": x, "response": y}), model="5pl").iloc[0]
    # halfway between top and bottom: (1 + (x/c)^h)^s = 2 -> x = c (2^(1/s) - 1)^(1/h)
    ic50 = c * 3 ** (1 / 1.2)
    assert r["log_c"] == pytest.approx(math.log10(c), abs=1e-7)
    assert r["ic50"] == pytest.approx(ic50, rel=1e-6)
    assert r["log_ic50"] == pytest.approx(math.log10(ic50), abs=1e-7)
    assert np.isfinite(r["log_ic50_se"]) and np.isfinite(r["log_c_se"])
    with pytest.raises(DataError, match=r"cannot fix \['log_ic50'\]"):
        fit_dose_response(
            pd.DataFrame({"dose": x, "response": y}), model="5pl", fix={"log_ic50": 0.0}
        )


# -- 3c. the SER interval uses the t quantile, as SF2/D10/MID --------------------------


def _lq_by_hand(g):
    pe = (g.colonies / g.seeded)[g.dose == 0].mean()
    u = g[g.dose > 0]
    sf = (u.colonies / u.seeded) / pe
    x = np.column_stack([u.dose, u.dose**2]).astype(float)
    y = -np.log(sf.to_numpy(float))
    theta = np.linalg.lstsq(x, y, rcond=None)[0]
    dof = len(y) - 2
    s2 = ((y - x @ theta) ** 2).sum() / dof
    return theta, s2 * np.linalg.inv(x.T @ x), dof


def test_ser_interval_uses_t_with_welch_satterthwaite_dof():
    rng = np.random.default_rng(3)
    rows = []
    for grp, (al, be) in {"ctl": (0.2, 0.03), "drug": (0.35, 0.04)}.items():
        for dose in [0, 0, 0, 1, 1, 2, 2, 4, 4, 6, 6]:
            seeded = 2000
            p = 0.5 * math.exp(-al * dose - be * dose**2)
            rows.append(
                {"group": grp, "dose": dose, "seeded": seeded, "colonies": rng.binomial(seeded, p)}
            )
    df = pd.DataFrame(rows)
    ser = clonogenic(df, control="ctl")["ser"].set_index("sf")
    fits = {k: _lq_by_hand(g) for k, g in df.groupby("group")}
    for s in (0.5, 0.1):
        dose, var, dofs = {}, {}, {}
        for k, ((a, b), cov, dof) in fits.items():
            d = (-a + math.sqrt(a * a - 4 * b * math.log(s))) / (2 * b)
            # a D + b D^2 = -ln s  ->  dD/da = -D / (a + 2bD), dD/db = -D^2 / (a + 2bD)
            g = np.array([-d, -d * d]) / (a + 2 * b * d) / d  # gradient of ln D
            dose[k], var[k], dofs[k] = d, g @ cov @ g, dof
        value = dose["ctl"] / dose["drug"]
        v = var["ctl"] + var["drug"]
        dof = v**2 / (var["ctl"] ** 2 / dofs["ctl"] + var["drug"] ** 2 / dofs["drug"])
        t = stats.t.ppf(0.975, dof)
        assert ser.loc[s, "ser"] == pytest.approx(value, rel=1e-9)
        assert ser.loc[s, "dof"] == pytest.approx(dof, rel=1e-5)
        assert ser.loc[s, "ser_ci_low"] == pytest.approx(
            value * math.exp(-t * math.sqrt(v)), rel=1e-6
        )
        assert ser.loc[s, "ser_ci_high"] == pytest.approx(
            value * math.exp(t * math.sqrt(v)), rel=1e-6
        )
        assert t > stats.norm.ppf(0.975)  # wider than the normal-quantile interval it replaces


# -- 3d. Western summary over lanes or over blots --------------------------------------


def _blots():
    # reference volume 1: ratio = target volume. Blot 1: veh 100, 100; hi 50, 30.
    # Blot 2: veh 200, 200; hi 90, 90. Relative to veh: hi 0.5, 0.3 | 0.45, 0.45
    vols = {1: [100, 100, 50, 30], 2: [200, 200, 90, 90]}
    tgt, ref = [], []
    for rep, vv in vols.items():
        for lane, (sample, v) in enumerate(zip(["veh", "veh", "hi", "hi"], vv, strict=True), 1):
            base = {"replicate": rep, "lane": lane, "sample": sample, "saturated": False}
            tgt.append({**base, "volume": float(v)})
            ref.append({**base, "volume": 1.0})
    return pd.DataFrame(tgt), pd.DataFrame(ref)


def test_western_summary_over_lanes_or_blots_by_hand():
    tgt, ref = _blots()
    lanes = normalise_bands(tgt, ref, control="veh").attrs["summary"].set_index("sample")
    # lanes: 0.5, 0.3, 0.45, 0.45 -> mean 0.425, SD sqrt(0.0225 / 3), n 4
    assert lanes.loc["hi", "relative_mean"] == pytest.approx(0.425)
    assert lanes.loc["hi", "relative_sd"] == pytest.approx(math.sqrt(0.0225 / 3))
    assert lanes.loc["hi", "n"] == 4 and lanes.loc["hi", "n_of"] == "lanes"
    blots = normalise_bands(tgt, ref, control="veh", summary="blots").attrs["summary"]
    blots = blots.set_index("sample")
    # blot means 0.4 and 0.45 -> mean 0.425, SD 0.05 / sqrt(2), SEM 0.025, n 2
    assert blots.loc["hi", "relative_mean"] == pytest.approx(0.425)
    assert blots.loc["hi", "relative_sd"] == pytest.approx(0.05 / math.sqrt(2))
    assert blots.loc["hi", "relative_sem"] == pytest.approx(0.025)
    assert blots.loc["hi", "n"] == 2 and blots.loc["hi", "n_of"] == "blots"
    one = tgt.drop(columns="replicate")[tgt.replicate == 1]
    with pytest.raises(DataError, match="needs a 'replicate' column"):
        normalise_bands(one, ref.drop(columns="replicate")[ref.replicate == 1], summary="blots")


# -- the command line: the new options, checked before anything is written ---------------


def test_cli_synergy_reference_and_western_summary_options(tmp_path, capsys):
    import tifffile
    from blot_synth import blot

    m = tmp_path / "m.csv"
    _hand_matrix().to_csv(m, index=False)
    args = ["--quiet", "assay", "synergy", str(m), "--dose1", "d1", "--dose2", "d2"]
    args += ["--response", "v", "--scale", "fraction", "--methods", "bliss,hsa"]
    out = tmp_path / "syn"
    assert main([*args, "--reference", "wells", "--out", str(out)]) == 2
    assert "--reference" in capsys.readouterr().err and not out.exists()
    assert main([*args, "--reference", "observed", "--out", str(out)]) == 0
    s = pd.read_csv(out / "synergy_summary.csv").set_index("method")
    assert s.loc["bliss", "mean"] == pytest.approx(105 / 9, rel=1e-9)
    assert s.loc["bliss", "reference"] == "observed"

    img, _, _ = blot([1000, 2000, 3000], shape=(120, 130))
    tifffile.imwrite(tmp_path / "b.tif", img)
    wb = ["assay", "western", str(tmp_path / "b.tif"), "--reference", str(tmp_path / "b.tif")]
    out = tmp_path / "wb"
    assert main([*wb, "--summary", "blots", "--out", str(out)]) == 2
    assert "several blot images" in capsys.readouterr().err and not out.exists()
    assert main([*wb, "--summary", "sample", "--out", str(out)]) == 2
    assert not out.exists()
