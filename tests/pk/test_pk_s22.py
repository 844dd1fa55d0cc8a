"""Session-22 PK fixes: predose baseline refused before a steady-state first dose (A2),
exposure at a dose on the window end (B3), the infusion-duration and --weight messages (B5).

Expected values are closed forms computed here, never read from kinetor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kinetor as kt
from kinetor.cli.main import main
from kinetor.data import Study
from kinetor.errors import DataError
from kinetor.pk import OneCompartment, Regimen
from kinetor.pk.regimen import RegimenError


def _oral_ss(t, dose, cl, v, ka, tau):
    """1-cmt oral at steady state (superposition to infinity), mg/L."""
    k = cl / v
    tm = np.mod(t, tau)
    return (
        dose
        * ka
        / (v * (ka - k))
        * (np.exp(-k * tm) / (1 - np.exp(-k * tau)) - np.exp(-ka * tm) / (1 - np.exp(-ka * tau)))
    )


def _ss_study(extra_single: bool = False) -> Study:
    t = np.array([0.0, 0.5, 1, 2, 4, 8, 12, 24])
    conc = _oral_ss(t, 100.0, 2.0, 20.0, 1.2, 24.0)
    rows = [{"subject": "SS1", "time": ti, "conc": c} for ti, c in zip(t, conc, strict=True)]
    doses = [{"subject": "SS1", "time": 0.0, "dose": 100.0, "route": "PO", "ss": 1, "ii": 24.0}]
    if extra_single:  # a first-dose subject with an endogenous baseline of 0.5 mg/L
        k, ka = 0.1, 1.2
        single = 100 * ka / (20 * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t)) + 0.5
        rows += [{"subject": "B1", "time": ti, "conc": c} for ti, c in zip(t, single, strict=True)]
        doses.append(
            {"subject": "B1", "time": 0.0, "dose": 100.0, "route": "PO", "ss": 0, "ii": 0.0}
        )
    return Study(
        pd.DataFrame(rows),
        pd.DataFrame(doses),
        units={"time": "h", "conc": "mg/L", "dose": "mg"},
    )


# --- A2 ------------------------------------------------------------------------------------


def test_predose_baseline_refused_before_a_steady_state_first_dose():
    st = _ss_study()
    with pytest.raises(DataError) as err:
        kt.pk.fit_pk(st, "1cmt-oral", predose="baseline")
    text = str(err.value)
    assert "SS1" in text and "steady-state" in text and "exclude" in text
    # exclude: the trough at 0 h is left out, the rest is the model exactly (CL 2, V 20, ka 1.2)
    res = kt.pk.fit_pk(st, "1cmt-oral", error="additive", method="wls")
    est = res.to_wide().iloc[0]
    assert est["cl"] == pytest.approx(2.0, rel=1e-4)
    assert est["v"] == pytest.approx(20.0, rel=1e-4)
    assert est["ka"] == pytest.approx(1.2, rel=1e-4)


def test_predose_baseline_kept_for_a_single_dose_subject_and_names_the_ss_one():
    st = _ss_study(extra_single=True)
    with pytest.raises(DataError) as err:
        kt.pk.fit_pk(st, "1cmt-oral", predose="baseline")
    assert "SS1" in str(err.value) and "B1" not in str(err.value)
    one = Study(
        st.conc[st.conc["subject"] == "B1"].reset_index(drop=True),
        st.doses[st.doses["subject"] == "B1"].reset_index(drop=True),
        units=st.units,
    )
    res = kt.pk.fit_pk(one, "1cmt-oral", predose="baseline", error="additive", method="wls")
    pred = res.predictions
    # the pre-dose 0.5 mg/L (0 + 0.5 at t = 0) is subtracted from later samples
    assert pred.loc[~pred["predose"], "baseline"].eq(0.5).all()
    est = res.to_wide().iloc[0]
    assert est["cl"] == pytest.approx(2.0, rel=1e-4) and est["ka"] == pytest.approx(1.2, rel=1e-4)


# --- B3 ------------------------------------------------------------------------------------


def test_exposure_window_ending_at_a_dose_uses_the_left_limit():
    sim = kt.simulate(
        OneCompartment(cl=2, v=20), "100 mg IV QD x 4", np.arange(0, 97.0), conc_unit="mg/L"
    )
    e = sim.exposure(24, 48).iloc[0]
    a = np.exp(-2.4)  # e^{-k tau}, k = 0.1 /h, tau = 24 h
    assert e["CMAX"] == pytest.approx(5 * (1 + a), rel=1e-10)  # 5.45359 mg/L after dose 2
    assert e["TMAX"] == 24.0
    assert e["CMIN"] == pytest.approx(5 * (a + a * a), rel=1e-10)  # 0.494739 before dose 3
    assert e["CMIN"] == pytest.approx(e["CTROUGH"], rel=1e-12)
    # AUC: trapezoid on the grid 24..48, the 48 h end value the one before the dose
    g = np.arange(24, 49.0)
    c = 5 * (np.exp(-0.1 * g) + np.exp(-0.1 * (g - 24)))
    assert e["AUC"] == pytest.approx(np.trapezoid(c, g), rel=1e-10)
    # window start at a dose: the value after it counts (peak of dose 3 at 48 h)
    w = sim.exposure(48, 72).iloc[0]
    assert w["CMAX"] == pytest.approx(5 * (1 + a + a * a), rel=1e-10) and w["TMAX"] == 48.0
    assert w["CMIN"] == pytest.approx(5 * (a + a**2 + a**3), rel=1e-10)
    # a whole window: the lowest value is the one just before dose 2 (5 e^{-2.4}), which a
    # [24, 48] window's minimum (above) cannot undercut
    whole = sim.exposure().iloc[0]
    assert whole["CMIN"] == pytest.approx(5 * a, rel=1e-10)
    assert whole["CMAX"] == pytest.approx(5 * (1 + a + a**2 + a**3), rel=1e-10)
    assert whole["TMAX"] == 72.0


# --- B5 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["10 mg IV over -2 h", "10 mg IV over 0 h"])
def test_infusion_duration_must_be_positive(text):
    with pytest.raises(RegimenError, match=r"infusion duration must be > 0"):
        Regimen.parse(text)


def test_simulate_pk_negative_weight_is_a_usage_error(tmp_path, capsys):
    args = ["simulate-pk", "--model", "1cmt", "--param", "cl=10", "--param", "v=100"]
    args += ["--regimen", "10 mg IV", "--hours", "24", "--weight", "-70"]
    assert main([*args, "--out", str(tmp_path / "sim")]) == 2
    cap = capsys.readouterr()
    assert "--weight" in cap.out + cap.err
