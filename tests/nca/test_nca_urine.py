"""Urine: amounts excreted, excretion rates, renal clearance, by hand.

Plasma in ug/mL, urine concentration in ug/mL, volume in mL, dose in mg, time in h.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.errors import DataError
from kinetor.nca import nca

LN2 = math.log(2.0)


def urine_study(dose_unit="mg", weight=None, with_volume_unit=True):
    plasma_t = [0.0, 1, 2, 4, 8, 12]
    plasma_c = [0.0, 10, 8, 4, 1, 0.25]
    urine = pd.DataFrame(
        {
            "time": [0.0, 4, 8],
            "end_time": [4.0, 8, 12],
            "conc": [100.0, 40, 10],
            "volume": [0.1, 0.1, 0.2],
            "matrix": "URINE",
        }
    )
    plasma = pd.DataFrame({"time": plasma_t, "conc": plasma_c, "matrix": "PLASMA"})
    conc = pd.concat([plasma, urine], ignore_index=True).assign(subject="r1")
    doses = pd.DataFrame({"subject": ["r1"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
    subjects = pd.DataFrame({"subject": ["r1"], "weight": [weight]})
    units = {"time": "h", "conc": "ug/mL", "dose": dose_unit}
    if with_volume_unit:
        units["volume"] = "mL"
    return Study(conc, doses, subjects, units=units)


def urine_params(res):
    p = res.parameters
    return p[p["matrix"] == "URINE"].set_index("PPTESTCD")


def test_urine_amounts_rates_and_renal_clearance():
    res = nca(urine_study())
    u = urine_params(res)
    # Ae = C V: 100*0.1 = 10 ug, 40*0.1 = 4 ug, 10*0.2 = 2 ug -> 16 ug
    assert u.loc["RCAMINT", "value"] == pytest.approx(16.0, rel=1e-12)
    assert u.loc["RCAMINT", "unit"] == "ug"
    # % of the 1 mg dose: 100 * 16e-3 mg / 1 mg = 1.6 %
    assert u.loc["RCPCINT", "value"] == pytest.approx(1.6, rel=1e-12)
    assert u.loc["VOLPK", "value"] == pytest.approx(0.4, rel=1e-12)
    # rates 10/4 = 2.5, 4/4 = 1, 2/4 = 0.5 ug/h at midpoints 2, 6, 10
    assert (u.loc["ERMAX", "value"], u.loc["ERTMAX", "value"]) == (2.5, 2.0)
    assert (u.loc["ERLST", "value"], u.loc["ERTLST", "value"]) == (0.5, 10.0)
    # AURC to the last rate, rate 0 at t=0: up linear 2*2.5/2; down logs
    aurc = 2.5 + 4 * 1.5 / math.log(2.5) + 4 * 0.5 / LN2
    assert u.loc["AURCLST", "value"] == pytest.approx(aurc, rel=1e-12)
    # renal CL = Ae(0-12) / plasma AUC(0-12): lin-up/log-down plasma AUC
    auc = 5 + 2 / math.log(1.25) + 2 * 4 / LN2 + 4 * 3 / math.log(4) + 4 * 0.75 / math.log(4)
    # ug / (ug/mL*h) = mL/h -> L/h: * 1e-3
    assert u.loc["RENALCL", "value"] == pytest.approx(16 / auc * 1e-3, rel=1e-12)
    assert u.loc["RENALCL", "unit"] == "L/h"
    # two rates after the maximum: no urinary lambda_z, with the reason
    assert np.isnan(u.loc["LAMZ", "value"]) and "fewer than 3" in u.loc["LAMZ", "exclude"]
    assert res.urine["rate"].tolist() == [2.5, 1.0, 0.5]


def test_percent_recovered_per_kg_dose_uses_body_weight():
    res = nca(urine_study(dose_unit="mg/kg", weight=0.25))
    u = urine_params(res)
    # dose 1 mg/kg * 0.25 kg = 0.25 mg; 16 ug = 0.016 mg -> 6.4 %
    assert u.loc["RCPCINT", "value"] == pytest.approx(6.4, rel=1e-12)


def test_urine_needs_volume_unit_and_end_time():
    with pytest.raises(DataError, match="volume"):
        nca(urine_study(with_volume_unit=False))
    st = urine_study()
    st.conc.loc[st.conc["matrix"] == "URINE", "end_time"] = np.nan
    with pytest.raises(DataError, match="end_time"):
        nca(st)


def test_urine_parameters_over_intervals():
    # collections 0-4, 4-8, 8-12 h; Ae 10, 4, 2 ug; volumes 0.1, 0.1, 0.2 mL
    iv = pd.DataFrame({"start": [0.0, 8.0, 2.0], "end": [8.0, 12.0, 10.0], "kind": "partial"})
    res = nca(urine_study(), intervals=iv)
    p = res.parameters
    u = p[p["matrix"] == "URINE"]

    def at(code, a, b):
        row = u[(u.PPTESTCD == code) & (u.start == a) & (u.end == b)]
        assert len(row) == 1, (code, a, b)
        return float(row["value"].iloc[0]), str(row["exclude"].iloc[0])

    assert at("RCAMINT", 0.0, 8.0)[0] == pytest.approx(14.0, rel=1e-12)
    assert at("RCPCINT", 0.0, 8.0)[0] == pytest.approx(1.4, rel=1e-12)  # 14 ug of 1 mg
    assert at("VOLPK", 0.0, 8.0)[0] == pytest.approx(0.2, rel=1e-12)
    assert at("RCAMINT", 8.0, 12.0)[0] == pytest.approx(2.0, rel=1e-12)
    assert at("RCPCINT", 8.0, 12.0)[0] == pytest.approx(0.2, rel=1e-12)
    # renal CL over each interval: Ae(a-b) / plasma AUC(a-b) (lin-up/log-down), mL/h -> L/h
    auc_0_8 = 5 + 2 / math.log(1.25) + 2 * 4 / LN2 + 4 * 3 / math.log(4)
    auc_8_12 = 4 * 0.75 / math.log(4)
    assert at("RENALCL", 0.0, 8.0)[0] == pytest.approx(14 / auc_0_8 * 1e-3, rel=1e-12)
    assert at("RENALCL", 8.0, 12.0)[0] == pytest.approx(2 / auc_8_12 * 1e-3, rel=1e-12)
    # 2-10 h cuts the 0-4 and 8-12 h collections: no amount, a reason
    value, why = at("RCAMINT", 2.0, 10.0)
    assert np.isnan(value) and "straddle" in why
    # the whole-collection parameters are still reported (0 to the last collection)
    assert at("RCAMINT", 0.0, 12.0)[0] == pytest.approx(16.0, rel=1e-12)
