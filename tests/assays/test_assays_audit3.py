"""Dose-response statuses and intervals, plate-map and input checks, colony-count warnings.

Expected values come from hand rules stated in the docs (which numbers a status may
carry), from the observed data, and from scipy (``curve_fit`` / ``least_squares`` from
several starts) computed here, never from kinetor itself.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import tifffile
from blot_synth import blot
from colony_synth import plate
from scipy import stats
from scipy.optimize import brentq, curve_fit, least_squares

from kinetor.assays import fit_dose_response
from kinetor.assays.colonies import count_colonies
from kinetor.assays.plates import read_plate_map
from kinetor.assays.plots import plot_survival
from kinetor.cli.main import main
from kinetor.errors import DataError

DOSES6 = 10 ** np.linspace(-2.5, 0.5, 6)
# three noisy 4PL curves (top 100, bottom 10, IC50 0.1, Hill 1.2, SD 8): a flat verdict,
# an incomplete curve whose fit runs off beyond the doses, a near-step
CURVES = {
    rep: np.array(values.split(), float)
    for rep, values in {
        27: "115.62360825771665 86.5178677934659 79.35950296855475 30.12499323663982 "
        "24.363622875732975 14.48375733061157",
        31: "100.06172589601059 83.29320897349697 61.70631574469868 50.55583411918603 "
        "30.7003645390054 9.96799589550386",
        84: "74.87961969550213 88.7409971637999 92.01490943664322 40.82748483304521 "
        "12.434460484343106 15.124791277767116",
    }.items()
}


def four_pl(x, top, bottom, log_ic50, hill):
    x = np.asarray(x, float)
    pos = x > 0
    z = np.where(pos, 10 ** (hill * (np.log10(np.where(pos, x, 1.0)) - log_ic50)), 0.0)
    return bottom + (top - bottom) / (1 + z)


def _curves(reps):
    return pd.DataFrame(
        [(r, d, v) for r in reps for d, v in zip(DOSES6, CURVES[r], strict=True)],
        columns=["rep", "dose", "resp"],
    )


def test_no_absolute_ic50_number_unless_ok_or_a_converged_crossing_inside_the_doses():
    res = fit_dose_response(_curves([27, 31, 84]), dose="dose", response="resp", by="rep")
    res = res.set_index("rep")
    allowed = res["status"].isin(["ok", "extrapolated"]) & res["converged"]
    for col in ("abs_ic50", "abs_ic50_ci_low", "abs_ic50_ci_high"):
        assert res.loc[~allowed, col].isna().all(), col
    # the run-off curve and the flat one: no number in the table or in the text
    assert not res.loc[31, "converged"] and np.isnan(res.loc[31, "abs_ic50"])
    assert "IC50 =" not in res.loc[31, "abs_ic50_text"]
    assert res.loc[27, "status"] == "flat" and np.isnan(res.loc[27, "abs_ic50"])
    # a converged extrapolated curve keeps an absolute IC50 that lies inside the doses:
    # top 100, bottom -300, log IC50 1.5, Hill 1 crosses 50 at 10**1.5 / 7 (by hand)
    d = 10 ** np.linspace(-2, 1, 10)
    y = four_pl(d, 100, -300, 1.5, 1.0) + np.tile([0.3, -0.3], 5)
    r = fit_dose_response(pd.DataFrame({"dose": d, "response": y})).iloc[0]
    assert r["status"] == "extrapolated" and r["converged"]
    assert r["abs_ic50"] == pytest.approx(10**1.5 / 7, rel=0.02)


def test_flat_curve_states_a_bound_only_when_every_dose_is_on_one_side():
    res = fit_dose_response(_curves([27]), dose="dose", response="resp", dose_unit="uM")
    r = res.iloc[0]
    resp = np.array(CURVES[27])
    assert (resp[:3] > 50).all() and (resp[3:] < 50).all()  # the data cross 50
    assert r["status"] == "flat"
    assert r["ic50_text"] == "IC50 not determined" and "both sides of 50" in r["reason"]
    # a flat curve above 50 at every dose keeps its bound
    above = fit_dose_response(
        pd.DataFrame({"dose": DOSES6, "response": [98.0, 101, 97, 100, 99, 102]}), dose_unit="uM"
    ).iloc[0]
    assert above["status"] == "flat" and above["ic50_text"] == "IC50 > 3.16 uM"


SERIES = [10.0, 3, 1, 0.3, 0.1, 0.03, 0.01, 0.003]
ZERO_DOSE = pd.DataFrame(
    {
        # one zero-dose well (response -2.8), then three replicate series
        "dose": np.r_[0.0, 3, 1, 0.3, 0.1, 0.03, 0.01, 0.003, np.tile(SERIES, 3)],
        "response": np.array(
            "-2.758192 5.111016 9.099879 40.365389 65.147284 92.349682 101.080174 105.948597 "
            "7.065467 4.076105 19.116585 40.866852 73.362604 86.418933 96.768045 102.418933 "
            "1.50025 5.494824 16.492754 41.763547 62.203612 94.606839 94.849004 93.496537 "
            "7.223103 11.651746 14.068823 32.56586 64.194617 93.356036 95.00207 96.000428".split(),
            float,
        ),
    }
)


def test_one_low_zero_dose_well_does_not_send_the_fit_to_a_worse_minimum():
    x, y = ZERO_DOSE["dose"].to_numpy(), ZERO_DOSE["response"].to_numpy()
    ref, _ = curve_fit(four_pl, x, y, p0=[100, 0, -1, 1], ftol=1e-14, xtol=1e-14, maxfev=20000)
    sse_ref = np.sum((y - four_pl(x, *ref)) ** 2)
    r = fit_dose_response(ZERO_DOSE).iloc[0]
    assert r["status"] == "ok" and r["converged"]
    got = [r["top"], r["bottom"], r["log_ic50"], r["hill"]]
    assert np.allclose(got, ref, rtol=1e-4, atol=1e-4)
    assert r["sse"] == pytest.approx(sse_ref, rel=1e-6)


def test_a_fit_no_better_than_a_constant_is_not_converged():
    # top, bottom and hill fixed: the one free parameter cannot follow flat data at 20
    d = np.repeat([0.01, 0.1, 1.0, 10.0], 2)
    y = 20 + np.tile([1.0, -1.0], 4)
    sst = np.sum((y - y.mean()) ** 2)  # the constant model's SSE: 8
    r = fit_dose_response(
        pd.DataFrame({"dose": d, "response": y}), fix={"top": 100, "bottom": 0, "hill": 1}
    ).iloc[0]
    assert r["sse"] >= sst
    assert not r["converged"] and "no better than a constant" in r["reason"]


def _profile_data(rep):
    """Replicate ``rep`` of a seeded simulation: 8 doses x 2 wells, SD 10."""
    doses = 10 ** np.linspace(-3, 1, 8)
    rng = np.random.default_rng(42)
    rows = [
        (r, d, four_pl(d, 100, 10, -1, 1.2) + rng.normal(0, 10))
        for r in range(rep + 1)
        for _ in range(2)
        for d in doses
    ]
    df = pd.DataFrame(rows, columns=["rep", "dose", "resp"])
    return df[df["rep"] == rep]


def _scipy_profile(x, y):
    """Profile SSE at log_ic50 = c: top, bottom, hill refitted from several starts."""

    def sse(c):
        best = np.inf
        for t0, b0, h0 in [(y.max(), y.min(), h) for h in (0.3, 1, 3, 10, 30)] + [
            (100, 0, 1),
            (2e4, -2e4, 0.01),
        ]:
            with np.errstate(over="ignore"):
                r = least_squares(
                    lambda q: four_pl(x, q[0], q[1], c, q[2]) - y,
                    [t0, b0, h0],
                    bounds=([-np.inf, -np.inf, -50], [np.inf, np.inf, 50]),
                )
            best = min(best, 2 * r.cost)
        return best

    return sse


def test_profile_limits_match_a_multi_start_profile():
    g = _profile_data(3)
    x, y = g["dose"].to_numpy(), g["resp"].to_numpy()
    r = fit_dose_response(g, dose="dose", response="resp", ci="profile").iloc[0]
    thr = r["sse"] * (1 + stats.f.ppf(0.95, 1, 12) / 12)
    prof = _scipy_profile(x, y)
    for sign, got in ((-1, r["ic50_ci_low"]), (1, r["ic50_ci_high"])):
        c = r["log_ic50"]
        while prof(c + sign * 0.02) <= thr:  # walk out to the first crossing
            c += sign * 0.02
        lim = brentq(lambda v: prof(v) - thr, c, c + sign * 0.02, xtol=1e-5)
        assert np.log10(got) == pytest.approx(lim, abs=2e-3)


def test_open_profile_limit_is_zero_or_inf_with_the_reason():
    g = _profile_data(15)
    x, y = g["dose"].to_numpy(), g["resp"].to_numpy()
    r = fit_dose_response(g, dose="dose", response="resp", ci="profile").iloc[0]
    thr = r["sse"] * (1 + stats.f.ppf(0.95, 1, 12) / 12)
    prof = _scipy_profile(x, y)
    # scipy: the profile stays under the threshold far out on both sides (open interval)
    for c in (r["log_ic50"] - 2, r["log_ic50"] + 2, r["log_ic50"] + 5):
        assert prof(c) < thr
    assert r["status"] == "ok"
    assert r["ic50_ci_low"] == 0 and r["ic50_ci_high"] == np.inf
    assert "open below" in r["reason"] and "above" in r["reason"]


def test_all_parameters_fixed_is_reported_as_fixed_without_an_interval():
    d = np.array([0.01, 0.03, 0.1, 0.3, 1, 3, 10])
    y = 100 / (1 + d) + np.array([1, -1, 2, -2, 1, 0, -1])
    fix = {"bottom": 0, "top": 100, "log_ic50": 0, "hill": 1}
    r = fit_dose_response(pd.DataFrame({"dose": d, "response": y}), fix=fix).iloc[0]
    assert r["ic50"] == 1.0  # 10**0, given
    for col in ("ic50_ci_low", "ic50_ci_high", "abs_ic50_ci_low", "abs_ic50_ci_high"):
        assert np.isnan(r[col]), col
    assert "(fixed)" in r["ic50_text"] and "fixed" in r["reason"]


MAP_HEAD = "well,role,compound,concentration\nA1,vehicle,,\nA2,positive,,\n"


def _map_problems(tmp_path, row):
    f = tmp_path / "map.csv"
    f.write_text(MAP_HEAD + row + "\nA4,sample,cmpdA,3\n")
    with pytest.raises(DataError) as e:
        read_plate_map(f)
    return e.value.problems


def test_vehicle_well_naming_a_compound_and_concentration_is_refused(tmp_path):
    (p,) = _map_problems(tmp_path, "A3,vehicle,cmpdA,10")
    assert p.row == 4 and p.column == "role" and "A03" in p.message and "cmpdA" in p.message


def test_plate_map_messages_name_the_value_and_the_column(tmp_path):
    (p,) = _map_problems(tmp_path, "A3,sample,cmpdA,10 uM")
    assert p.row == 4 and p.column == "concentration" and "non-numeric '10 uM'" in p.message
    (p,) = _map_problems(tmp_path, "A3,sample,,10")
    assert p.row == 4 and p.column == "compound"


def test_infinite_dose_is_printed_as_a_plain_number():
    df = pd.DataFrame({"dose": [0.01, np.inf, 1.0], "response": [90.0, 50, 10]})
    with pytest.raises(DataError) as e:
        fit_dose_response(df, source="t.csv")
    (p,) = e.value.problems
    assert p.row == 3 and p.column == "dose" and "inf" in p.message
    assert "np.float64" not in p.message


def test_reference_blot_of_another_size_is_refused(tmp_path, capsys):
    target, _, _ = blot([1000, 3000], shape=(120, 130))
    ref, _, _ = blot([1000, 3000], shape=(120, 100))
    tifffile.imwrite(tmp_path / "t.tif", target)
    tifffile.imwrite(tmp_path / "small.tif", ref)
    args = ["assay", "western", str(tmp_path / "t.tif"), "--reference"]
    rc = main([*args, str(tmp_path / "small.tif"), "--out", str(tmp_path / "o")])
    assert rc == 3
    err = capsys.readouterr()
    assert "small.tif" in err.err + err.out and "100 x 120" in err.err + err.out


def test_colony_counts_must_be_whole_numbers_in_the_file(tmp_path, capsys):
    f = tmp_path / "cfa.csv"
    f.write_text("group,dose,seeded,colonies\nctl,0,200,120\nctl,0,200,110\nctl,2,400,150.5\n")
    assert main(["assay", "clonogenic", str(f), "--out", str(tmp_path / "o")]) == 3
    out = capsys.readouterr()
    assert "150.5" in out.err + out.out and "whole number" in out.err + out.out


def test_survival_plot_without_fits_warns_nothing():
    pts = pd.DataFrame({"group": ["g"] * 2, "dose": [0.0, 2.0], "surviving_fraction": [1, 0.5]})
    fits = pd.DataFrame(columns=["group", "alpha", "beta"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_survival(pts, fits)


def test_surround_outside_the_dish_is_warned_about():
    img, n = plate(60, seed=4)
    yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
    outside = (yy - 200) ** 2 + (xx - 200) ** 2 > 185**2
    surround = np.where(outside, 110, img).astype(np.uint8)
    plain = count_colonies(img, radius=7)
    assert plain.count == n and plain.notes == []
    res = count_colonies(surround, radius=7)
    assert any("--dish" in note for note in res.notes)
    assert count_colonies(surround, radius=7, dish=(200, 200, 185)).notes == []
