"""``kinetor fit``/``popfit`` exit codes, excluded samples kept in the fit output, NAME=VALUE
options given twice, and the R ``nls(SSfol)`` comparison with the pre-dose sample left out."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kinetor as kt
from kinetor.cli import _common
from kinetor.cli.main import main
from kinetor.pk import fit_pk

EXAMPLES = Path(kt.__file__).parent / "examples"
FIX = Path(__file__).parent / "fixtures"

# Subject A rises for 8 h after an IV bolus: a one-compartment model (a monoexponential
# decline from D/V) cannot follow a rising profile, so its fit cannot converge. Subject B
# declines as 10 mg/L x exp(-0.2 t) with a few % of noise: a textbook 1-cmt IV profile.
RISING = [(0.5, 1.0), (1, 2.0), (2, 3.1), (4, 3.9), (6, 5.2), (8, 6.0)]
DECLINING = [(0.5, 9.3), (1, 8.4), (2, 6.9), (4, 4.3), (6, 3.1), (8, 1.95)]
UNITS = ["--time-unit", "h", "--conc-unit", "mg/L", "--dose-unit", "mg"]


def _study_csv(path: Path, profiles: dict[str, list]) -> Path:
    rows = [
        {"subject": s, "time": t, "conc": c, "dose": 10.0, "route": "IV"}
        for s, prof in profiles.items()
        for t, c in prof
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_exit_code_4_is_one_constant_distinct_from_the_others():
    assert _common.EXIT_NOT_CONVERGED == 4  # README: 0 success, 1 internal, 2 usage, 3 data


def test_fit_exits_4_when_no_fit_converged_and_still_writes_its_outputs(tmp_path, capsys):
    data = _study_csv(tmp_path / "rise.csv", {"A": RISING})
    out = tmp_path / "fit"
    assert main(["fit", str(data), "--model", "1cmt", *UNITS, "--out", str(out)]) == 4
    text = capsys.readouterr().out
    assert "1 fit(s), 0 converged" in text and "NOT converged A:" in text
    stats = pd.read_csv(out / "pk_fit_stats.csv")
    assert stats["converged"].tolist() == [False] and stats["reason"].iloc[0]
    assert (out / "pk_fit_parameters.csv").exists() and (out / "pk_fit_predictions.csv").exists()
    # --json: the same document as before, exit code 4
    code = main(["--json", "fit", str(data), "--model", "1cmt", *UNITS, "--out", str(out)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 4
    assert doc["fits"] == 1 and doc["converged"] == 0 and set(doc["not_converged"]) == {"A"}


def test_fit_exits_0_when_some_fits_converged(tmp_path, capsys):
    data = _study_csv(tmp_path / "mixed.csv", {"A": RISING, "B": DECLINING})
    out = tmp_path / "fit"
    assert main(["fit", str(data), "--model", "1cmt", *UNITS, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "2 fit(s), 1 converged" in text and "NOT converged A:" in text


def _lag_csv(path: Path) -> Path:
    # 1-cmt oral, tlag 0.4 h, proportional error (as tests/popfit/test_popfit_audit_fixes.py)
    rng = np.random.default_rng(7)
    t = np.array([0.5, 0.75, 1, 1.5, 2, 4, 8, 12, 24.0])
    n = 12
    eta = rng.normal(0.0, np.sqrt([0.09, 0.04, 0.16]), size=(n, 3))
    cl, v, ka = (np.array([2.0, 30.0, 1.5])[None] * np.exp(eta)).T
    k, ka, tt = (cl / v)[:, None], ka[:, None], (t - 0.4)[None]
    c = 300.0 * ka / (v[:, None] * (ka - k)) * (np.exp(-k * tt) - np.exp(-ka * tt))
    y = c * (1 + 0.12 * rng.standard_normal(c.shape))
    ids = np.repeat([f"S{i:03d}" for i in range(n)], t.size)
    pd.DataFrame(
        {"subject": ids, "time": np.tile(t, n), "conc": y.ravel(), "dose": 300.0, "route": "PO"}
    ).to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_popfit_exits_4_when_its_fit_did_not_converge(tmp_path, capsys):
    # samples > 0 at 0.5 h with an initial lag time of 0.6 h: the prediction there is 0,
    # which a proportional error cannot produce (OFV not finite): the fit cannot converge
    data = _lag_csv(tmp_path / "lag.csv")
    out = tmp_path / "pop"
    args = ["popfit", str(data), "--model", "1cmt-oral-lag", "--error", "proportional"]
    args += ["--init", "tlag=0.6", "--vpc", "0", "--cov", "none", *UNITS, "--out", str(out)]
    assert main(["--json", *args]) == 4
    doc = json.loads(capsys.readouterr().out)
    assert doc["converged"] is False and "smaller initial tlag" in doc["reason"]
    assert pd.read_csv(out / "fit_stats.csv")["converged"].tolist() == [False]


def test_fit_keeps_a_sample_without_concentration_with_its_reason(tmp_path, capsys):
    src = EXAMPLES / "vistusertib_rat_iv_po.csv"
    raw = pd.read_csv(src)
    raw = raw[raw["Animal"] == "R101"]  # the file's first rows: one rat keeps the test quick
    n_rows = len(raw)  # every data row of the file is in the predictions
    raw.loc[3, "Conc (ng/mL)"] = np.nan  # file row 5 (row 1 is the header): R101 at 1 h
    data = tmp_path / "empty_conc.csv"
    raw.to_csv(data, index=False)
    out = tmp_path / "fit"
    code = main(["fit", str(data), "--model", "1cmt", "--method", "wls", "--out", str(out)])
    assert code in (0, 4)
    text = capsys.readouterr().out
    assert "1 sample(s) without a concentration value are excluded (rows 5" in text
    pred = pd.read_csv(out / "pk_fit_predictions.csv", keep_default_na=False, na_values=[""])
    assert len(pred) == n_rows
    gone = pred[pred["exclude"].fillna("") != ""]
    assert len(gone) == 1
    row = gone.iloc[0]
    assert row["subject"] == "R101" and row["time"] == pytest.approx(1.0333)
    assert row["exclude"] == "no concentration value"
    assert np.isnan(row["ipred"]) and np.isnan(row["dv"])
    n_r101 = int((raw["Animal"] == "R101").sum())  # 10 samples, all after the dose
    stats = pd.read_csv(out / "pk_fit_stats.csv").set_index("subject")
    assert stats.loc["R101", "n_obs"] == n_r101 - 1


def test_fit_pk_predictions_carry_the_exclude_column(tmp_path):
    raw = pd.read_csv(EXAMPLES / "vistusertib_rat_iv_po.csv")
    raw[raw["Animal"] == "R201"].to_csv(tmp_path / "r201.csv", index=False)  # one oral rat
    res = fit_pk(kt.read_study(tmp_path / "r201.csv"), "1cmt-oral", method="wls")
    assert "exclude" in res.predictions.columns
    assert res.predictions["exclude"].eq("").all()  # nothing excluded in the shipped file


def _sim(tmp_path, *extra):
    return [
        "simulate-pk",
        "--model",
        "1cmt",
        "--regimen",
        "100 mg IV single",
        "--hours",
        "12",
        "--out",
        str(tmp_path / "sim"),
        *extra,
    ]


@pytest.mark.parametrize(
    ("extra", "flag", "name"),
    [
        (["--param", "cl=10", "--param", "v=50", "--param", "cl=20"], "--param", "cl"),
        (
            [*"--param cl=10 --param v=50 --n-subjects 3 --cv v=0.3 --cv v=0.5".split()],
            "--cv",
            "v",
        ),
    ],
)
def test_simulate_pk_refuses_a_name_given_twice(tmp_path, capsys, extra, flag, name):
    assert main(_sim(tmp_path, *extra)) == 2
    err = capsys.readouterr().err
    assert flag in err and f"'{name}' given twice" in err
    assert not (tmp_path / "sim").exists()


def test_fit_refuses_an_init_given_twice(tmp_path, capsys):
    data = _study_csv(tmp_path / "b.csv", {"B": DECLINING})
    code = main(["fit", str(data), "--model", "1cmt", *UNITS, "--init", "cl=1", "--init", "cl=2"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--init" in err and "'cl' given twice" in err


def test_theoph_subject_1_with_the_predose_sample_left_out_matches_r_rescaled():
    # R's nls(conc ~ SSfol(Dose, Time, lKe, lKa, lCl), data = Theoph.1) uses all 11 samples
    # (R 2.13 tests/Examples/stats-Ex.Rout.save): lKe -2.9196, lKa 0.5752, lCl -3.9159
    # (SE 0.1273), residual SE 0.732 on 8 df. The t = 0 sample (0.74 mg/L) has prediction 0
    # and gradient 0 whatever the parameters, so leaving it out (fit_pk's default predose
    # rule) keeps the estimates and removes 0.74^2 from the residual sum of squares and one
    # degree of freedom: sigma = sqrt((8 x 0.732^2 - 0.74^2) / 7), SEs scaled by sigma/0.732.
    st = kt.read_study(FIX / "theoph_lab.csv")
    res = fit_pk(st, "1cmt-oral", method="wls", weighting="uniform")
    p = res.params[res.params["subject"] == "1"].set_index("parameter")
    est, se = p["estimate"], p["se"]
    assert res.stats.set_index("subject").loc["1", "n_obs"] == 10
    assert np.log(est["cl"]) == pytest.approx(-3.9159, abs=5e-5)
    assert np.log(est["ka"]) == pytest.approx(0.5752, abs=5e-5)
    assert np.log(est["cl"] / est["v"]) == pytest.approx(-2.9196, abs=5e-5)
    sigma = np.sqrt((8 * 0.732**2 - 0.74**2) / 7)  # 0.7309
    assert est["sigma"] == pytest.approx(sigma, abs=6e-4)
    assert se["cl"] / est["cl"] == pytest.approx(0.1273 * sigma / 0.732, abs=1e-4)


def test_wls_1_over_y2_optimum_is_judged_by_the_weighted_r2(tmp_path):
    # R101 (rat 2 mg/kg IV), 1-cmt, WLS with weights 1/y^2: the optimum CL 2.0967 L/h/kg,
    # V 10.643 L/kg, loglik -53.2888 was reproduced with an independent WLS fit. The
    # linear-scale R2 there is -0.115, but the fit minimises sum w r^2: its own
    # R2_w = 1 - sum w r^2 / sum w (y - ybar_w)^2 (computed here by hand) is 0.71 > 0.
    raw = pd.read_csv(EXAMPLES / "vistusertib_rat_iv_po.csv")
    data = tmp_path / "r101.csv"
    raw[raw["Animal"] == "R101"].to_csv(data, index=False)
    res = fit_pk(kt.read_study(data), "1cmt", method="wls", weighting="1/y2")
    est = res.params.set_index("parameter")["estimate"]
    assert est["cl"] == pytest.approx(2.0967, abs=1e-3)
    assert est["v"] == pytest.approx(10.643, abs=1e-2)
    assert res.stats["loglik"].iloc[0] == pytest.approx(-53.2888, abs=1e-3)
    p = res.predictions[~res.predictions["predose"]]
    y, f = p["dv"].to_numpy(float), p["ipred"].to_numpy(float)
    w = 1.0 / y**2
    ybar = np.sum(w * y) / np.sum(w)
    r2_w = 1.0 - np.sum(w * (y - f) ** 2) / np.sum(w * (y - ybar) ** 2)
    assert r2_w == pytest.approx(0.7123, abs=1e-3)
    assert bool(res.stats["converged"].iloc[0]), res.stats["reason"].iloc[0]
