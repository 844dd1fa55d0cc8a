"""Audit s21 (bioanalysis): the rejection loop past an unusable fit, inclusive blank limits,
the unit in the nominal_conc header, nominal_time, ISR units by meaning, wording without a
range, CLI usage errors and r beside R2.

Expected values come from hand arithmetic or from an independent numpy weighted least
squares written here (``_wls``), never from the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.bioanalysis import analyse_run, isr
from kinetor.bioanalysis.calibration import fit_calibration
from kinetor.bioanalysis.read import read_run
from kinetor.cli.main import main
from kinetor.errors import DataError

QC = [("L", 3.0), ("L", 3.0), ("M", 40.0), ("M", 40.0), ("H", 160.0), ("H", 160.0)]


def _wls(x, y, deg, w):
    """Coefficients (a, b[, c]) of sum w (y - poly)^2 by the normal equations."""
    x, y, w = (np.asarray(v, float) for v in (x, y, w))
    X = np.vander(x, deg + 1, increasing=True)
    return np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * y))


def _back(beta, y):
    y = np.asarray(y, float)
    if len(beta) == 2:
        return (y - beta[0]) / beta[1]
    a, b, c = beta
    with np.errstate(invalid="ignore"):
        return (-b + np.sqrt(b * b - 4 * c * (a - y))) / (2 * c)


def _run(x, y, qcs, f=lambda v: 0.01 * v):
    n = len(x)
    return pd.DataFrame(
        {
            "sample_id": [f"S{i}" for i in range(n)] + [f"Q{i}" for i in range(len(qcs))],
            "sample_type": ["standard"] * n + ["qc"] * len(qcs),
            "nominal_conc": list(x) + [q[1] for q in qcs],
            "area_ratio": list(y) + [f(q[1]) for q in qcs],
            "qc_level": [""] * n + [q[0] for q in qcs],
        }
    )


# ---------------------------------------------------------------- A1: quadratic that turns
X10 = np.array([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000.0])


def _quad(v):
    return 0.01 * np.asarray(v, float) - 3e-6 * np.asarray(v, float) ** 2


def test_quadratic_turning_inside_range_rejects_uloq_and_refits():
    y = _quad(X10)
    y[-1] = 4.5  # the ULOQ standard far low (saturation)
    # premise, independently: the first fit (all ten, 1/x^2) turns inside 1..1000
    b = _wls(X10, y, 2, 1 / X10**2)
    assert 1 < -b[1] / (2 * b[2]) < 1000
    qcs = [("L", 3.0), ("L", 3.0), ("M", 40.0), ("M", 40.0), ("H", 400.0), ("H", 400.0)]
    res = analyse_run(_run(X10, y, qcs, _quad), model="quadratic", weighting="1/x^2")
    std = res.standards
    assert std["used_in_fit"].tolist() == [True] * 9 + [False]
    assert std["pass"].tolist() == [True] * 9 + [False]
    assert "rejected and curve refitted" in std["reason"].iloc[-1]
    cal = res.curves[""]
    # the nine left lie exactly on y = 0.01 x - 3e-6 x^2: vertex 0.01 / 6e-6 = 1666.7
    assert cal.ok
    assert np.allclose(cal.coef, (0.0, 0.01, -3e-6), rtol=1e-9, atol=1e-12)
    assert np.all(np.abs(std["bias_pct"].iloc[:9]) < 1e-9)
    row = res.calibration.iloc[0]
    assert (row["lloq"], row["uloq"]) == (1.0, 500.0)
    assert res.qcs["pass"].all()
    assert res.accepted


def test_quadratic_turning_cli_accepts(tmp_path):
    y = _quad(X10)
    y[-1] = 4.5
    qcs = [("L", 3.0), ("L", 3.0), ("M", 40.0), ("M", 40.0), ("H", 400.0), ("H", 400.0)]
    path = tmp_path / "quadturn_run.csv"
    _run(X10, y, qcs, _quad).to_csv(path, index=False)
    out = tmp_path / "qt"
    args = ["bioanalysis", str(path), "--model", "quadratic", "--weighting", "1/x^2"]
    assert main([*args, "--conc-unit", "ng/mL", "--out", str(out), "--no-plot"]) == 0
    acc = pd.read_csv(out / "acceptance.csv")
    assert bool(acc.loc[acc["criterion"] == "run accepted", "passed"].iloc[0])


# ---------------------------------------------------------------- B2: the cascade
X8 = np.array([1, 2, 5, 10, 20, 50, 100, 200.0])


def test_cascade_stops_when_75_percent_is_unreachable_and_keeps_biases():
    y = 0.01 * X8 * np.array([1.0, 1.0, 1.0, 1.0, 1.3, 0.7, 1.35, 0.65])
    tol = np.where(X8 == 1, 20.0, 15.0)
    # independent M10 loop, weighting 1: reject the most deviant failure while 75 % of
    # the 8 standards (6) can still pass
    used = np.ones(8, bool)
    while True:
        beta = _wls(X8[used], y[used], 1, np.ones(used.sum()))
        bias = 100 * _back(beta, y) / X8 - 100
        fail = used & (np.abs(bias) > tol)
        if not fail.any() or used.sum() - 1 < 6:
            break
        used[np.argmax(np.where(fail, np.abs(bias) - tol, -np.inf))] = False
    assert used.sum() == 6 and fail.any()  # stopped with failures left in the fit
    res = analyse_run(_run(X8, y, QC), weighting="1")
    std = res.standards
    assert std["used_in_fit"].tolist() == used.tolist()
    assert np.allclose(std["bias_pct"], bias, rtol=1e-9, atol=1e-9)
    assert std["bias_pct"].notna().all()
    kept = std[std["used_in_fit"]]
    assert not kept["reason"].str.contains("rejected and curve refitted").any()
    assert kept.loc[~kept["pass"], "reason"].str.contains("75%").all()
    acc = res.acceptance.set_index("criterion")
    assert "rejection stopped" in acc.loc["standards passing", "note"]
    assert not res.accepted


def test_loop_ending_on_an_unusable_fit_keeps_last_usable_biases():
    y = np.array([0.00952, 0.0248, 0.05919, 0.14842, 0.07216, 0.57778, 0.71719, 1.40877])
    tol = np.where(X8 == 1, 20.0, 15.0)
    w = 1 / X8
    # fit 1 (all eight, 1/x): usable (vertex outside 1..200); 20 is the worst failure
    b1 = _wls(X8, y, 2, w)
    assert not 1 < -b1[1] / (2 * b1[2]) < 200
    bias1 = 100 * _back(b1, y) / X8 - 100
    assert np.nanargmax(np.where(np.abs(bias1) > tol, np.abs(bias1) - tol, -np.inf)) == 4
    # fit 2 (without 20): usable; 200 is beyond its maximum (no root): rejected next
    u2 = np.arange(8) != 4
    b2 = _wls(X8[u2], y[u2], 2, w[u2])
    assert not 1 < -b2[1] / (2 * b2[2]) < 200
    bias2 = 100 * _back(b2, y) / X8 - 100
    assert np.isnan(bias2[7])
    # fit 3 (without 20 and 200): turns inside 1..100; 6 of 8 left: 75 % cannot be kept
    u3 = u2 & (np.arange(8) != 7)
    b3 = _wls(X8[u3], y[u3], 2, w[u3])
    assert 1 < -b3[1] / (2 * b3[2]) < 100
    cal = fit_calibration(X8[u3], y[u3], "quadratic", "1/x")
    assert not cal.ok
    res = analyse_run(_run(X8, y, QC), model="quadratic", weighting="1/x")
    std = res.standards
    assert std["used_in_fit"].tolist() == u3.tolist()
    assert not std["pass"].any()
    assert np.allclose(std["bias_pct"], bias2, rtol=1e-7, atol=1e-7, equal_nan=True)
    kept = std[std["used_in_fit"]]
    assert kept["reason"].str.contains("no usable curve").all()
    assert not kept["reason"].str.contains("rejected and curve refitted").any()
    assert std.loc[~std["used_in_fit"], "reason"].str.contains("rejected and curve").all()
    acc = res.acceptance.set_index("criterion")
    assert acc.loc["regression usable", "note"].startswith("no usable curve")
    assert not res.accepted


# ---------------------------------------------------------------- C3: no range at all
def test_no_passing_standard_is_said_plainly():
    y = 0.01 * X8[::-1]  # response falls with concentration: no fit is ever usable
    res = analyse_run(_run(X8, y, QC), weighting="1/x^2")
    assert not res.standards["pass"].any()
    kept = res.standards[res.standards["used_in_fit"]]
    assert kept["reason"].str.contains("no usable curve").all()
    notes = res.acceptance["note"].astype(str)
    assert not notes.str.contains("nan").any()
    acc = res.acceptance.set_index("criterion")
    assert "no calibrated range" in acc.loc["LLOQ standard passes", "note"]
    assert "no calibrated range" in acc.loc["QC levels inside calibrated range", "note"]
    assert "none of the 6 QCs" in acc.loc["QC levels inside calibrated range", "note"]


# ---------------------------------------------------------------- A2: exactly 20 % / 5 %
def test_blank_and_carry_over_at_exactly_the_limit_pass():
    rows = [dict(sample_id="BLK0", sample_type="blank", analyte_area=1.1, is_area=50.0)]
    for v in X8:
        rows.append(
            dict(
                sample_id=f"S{v:g}",
                sample_type="standard",
                nominal_conc=v,
                analyte_area=5.5 * v,
                is_area=1000.0,
            )
        )
    rows.append(dict(sample_id="BLK1", sample_type="blank", analyte_area=1.1, is_area=50.0))
    for i, (lv, n) in enumerate(QC):
        rows.append(
            dict(
                sample_id=f"Q{i}",
                sample_type="qc",
                nominal_conc=n,
                analyte_area=5.5 * n,
                is_area=1000.0,
                qc_level=lv,
            )
        )
    df = pd.DataFrame(rows)
    df["injection_order"] = np.arange(1, len(df) + 1)
    acc = analyse_run(df).acceptance.set_index("criterion")
    # 1.1 / 5.5 = 20 % of the LLOQ response; 50 / 1000 = 5 % of the LLOQ IS response
    for crit in (
        "analyte response in blanks/zeros",
        "IS response in blanks",
        "carry-over: analyte response after the highest standard",
        "carry-over: IS response after the highest standard",
    ):
        assert acc.loc[crit, "value"] == pytest.approx(20.0 if "analyte" in crit else 5.0)
        assert bool(acc.loc[crit, "passed"]), crit


# ---------------------------------------------------------------- B1: unit in the header
def _hdr_file(tmp_path, unit):
    df = _run(X8, 0.01 * X8, QC).rename(columns={"nominal_conc": f"Nominal Concentration ({unit})"})
    path = tmp_path / "hdr_unit.csv"
    df.to_csv(path, index=False)
    return path


def test_header_unit_is_read(tmp_path):
    assert analyse_run(_hdr_file(tmp_path, "ng/mL")).conc_unit == "ng/mL"
    # the header keeps its case: nM is nanomolar, not nanometre ("nm")
    assert analyse_run(_hdr_file(tmp_path, "nM")).conc_unit == "nM"


def test_header_unit_conflicting_with_conc_unit_is_an_error(tmp_path):
    path = _hdr_file(tmp_path, "ng/mL")
    with pytest.raises(DataError, match="header") as exc:
        analyse_run(path, conc_unit="nM")
    assert "Nominal Concentration (ng/mL)" in str(exc.value)
    assert analyse_run(path, conc_unit="ug/L").conc_unit == "ng/mL"  # the same unit


def test_header_unit_serves_the_cli(tmp_path):
    path = _hdr_file(tmp_path, "ng/mL")
    out = tmp_path / "o"
    assert main(["bioanalysis", str(path), "--out", str(out), "--no-plot"]) == 0
    assert pd.read_csv(out / "calibration.csv")["conc_unit"].iloc[0] == "ng/mL"
    assert main(["bioanalysis", str(path), "--conc-unit", "nM", "--out", str(out)]) == 3


# ---------------------------------------------------------------- C1: nominal_time
def test_nominal_time_stays_nominal_time():
    df = _run(X8, 0.01 * X8, QC)
    unk = pd.DataFrame(
        {
            "sample_id": ["U0", "U1"],
            "sample_type": ["unknown"] * 2,
            "area_ratio": [0.05, 0.5],
            "subject": ["R1"] * 2,
            "nominal_time": [1.0, 2.0],
        }
    )
    run = read_run(pd.concat([df, unk], ignore_index=True))
    u = run[run["sample_type"] == "unknown"]
    assert u["nominal_time"].tolist() == [1.0, 2.0]
    assert u["time"].isna().all()
    conc = analyse_run(run).concentrations
    assert conc["nominal_time"].tolist() == [1.0, 2.0]
    assert conc["time"].isna().all()


# ---------------------------------------------------------------- C2: ISR units
def test_isr_units_compared_by_meaning(tmp_path):
    path = tmp_path / "isr_units.csv"
    path.write_text("Sample ID,Original (ng/mL),Repeat (ug/L)\nA,10,12\nB,5,5.5\nC,3,2.5\n")
    res = isr(path)
    # 100 (r - o) / mean: 2/11, 0.5/5.25, -0.5/2.75
    expect = [100 * 2 / 11, 100 * 0.5 / 5.25, -100 * 0.5 / 2.75]
    assert res.samples["diff_pct"].tolist() == pytest.approx(expect)
    assert set(res.samples["unit"]) == {"ng/mL"}
    path.write_text("Sample ID,Original (ng/mL),Repeat (nM)\nA,10,12\n")
    with pytest.raises(DataError, match="units differ"):
        isr(path)


# ---------------------------------------------------------------- C4: usage errors
@pytest.mark.parametrize(
    ("option", "value", "choices"),
    [("--weighting", "1/z", "1, 1/x, 1/x^2"), ("--model", "cubic", "linear, quadratic")],
)
def test_unknown_model_or_weighting_is_a_usage_error(tmp_path, capsys, option, value, choices):
    path = tmp_path / "run.csv"
    _run(X8, 0.01 * X8, QC).to_csv(path, index=False)
    args = ["bioanalysis", str(path), option, value, "--conc-unit", "ng/mL"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    assert choices in capsys.readouterr().err


# ---------------------------------------------------------------- C5: r beside R2
def test_r_is_reported_beside_r2():
    y = 0.01 * X8 * (1 + np.array([0.03, -0.02, 0.01, -0.03, 0.02, -0.01, 0.03, -0.02]))
    cal = fit_calibration(X8, y, "linear", "1")
    # unweighted line: r is Pearson's correlation of x and y
    assert cal.r == pytest.approx(np.corrcoef(X8, y)[0, 1], rel=1e-12)
    res = analyse_run(_run(X8, y, QC), weighting="1")
    used = res.standards["used_in_fit"].to_numpy()  # the run's final fit
    r = np.corrcoef(X8[used], y[used])[0, 1]
    assert res.calibration.iloc[0]["r"] == pytest.approx(r, rel=1e-12)
    note = res.acceptance.set_index("criterion").loc["regression usable", "note"]
    assert f"r {r:.5f}" in note


def test_header_unit_conflicting_with_conc_unit_column_is_an_error(tmp_path):
    path = _hdr_file(tmp_path, "ng/mL")
    df = pd.read_csv(path)
    df["conc_unit"] = "nM"
    df.to_csv(path, index=False)
    with pytest.raises(DataError, match="header's unit"):
        analyse_run(path)
