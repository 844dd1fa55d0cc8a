"""Urine over two doses (dose per collection period, renal CL across doses) and molar
amounts with a mass dose, by hand.

Two PO doses: 1 mg at 0 h, 0.5 mg at 12 h. Plasma (ug/mL) at 0, 2, 6, 12, 14, 18, 26 h;
urine collections 0-12 and 12-24 h (Ae = C V: 50 ug/mL x 0.1 mL = 5 ug, 40 x 0.1 = 4 ug).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca

LN2 = math.log(2.0)
LN3 = math.log(3.0)


def two_dose_study():
    plasma = pd.DataFrame(
        {
            "time": [0.0, 2, 6, 12, 14, 18, 26],
            "conc": [0.0, 8, 4, 2, 6, 3, 1],
            "matrix": "PLASMA",
        }
    )
    urine = pd.DataFrame(
        {
            "time": [0.0, 12],
            "end_time": [12.0, 24],
            "conc": [50.0, 40],
            "volume": [0.1, 0.1],
            "matrix": "URINE",
        }
    )
    conc = pd.concat([plasma, urine], ignore_index=True).assign(subject="r1")
    doses = pd.DataFrame(
        {"subject": ["r1", "r1"], "time": [0.0, 12.0], "dose": [1.0, 0.5], "route": "PO"}
    )
    units = {"time": "h", "conc": "ug/mL", "dose": "mg", "volume": "mL"}
    return Study(conc, doses, units=units)


def at(res, code, a, b):
    p = res.parameters
    u = p[(p["matrix"] == "URINE") & (p.PPTESTCD == code) & (p.start == a) & (p.end == b)]
    assert len(u) >= 1, (code, a, b)
    return float(u["value"].iloc[0]), str(u["exclude"].iloc[0])


# plasma AUC(0-24) over every sample across both doses, lin-up/log-down:
# 0-2 up 2*(0+8)/2 = 8; 2-6 down 4*(8-4)/ln2; 6-12 down 6*(4-2)/ln2; 12-14 up 2*(2+6)/2 = 8;
# 14-18 down 4*(6-3)/ln2; 18-24: C(24) = 3*(1/3)^(6/8) = 3^0.25 (log interpolation between
# 18 h and 26 h), area 6*(3 - 3^0.25)/ln(3/3^0.25) = 6*(3 - 3^0.25)/(0.75 ln3)
C24 = 3.0**0.25
AUC_0_24 = 8 + 16 / LN2 + 12 / LN2 + 8 + 12 / LN2 + 6 * (3 - C24) / (0.75 * LN3)


def test_renal_clearance_integrates_plasma_across_the_second_dose():
    res = nca(two_dose_study())
    # Ae(0-24) = 9 ug; ug/(ug/mL*h) = mL/h -> L/h: * 1e-3
    assert at(res, "RCAMINT", 0.0, 24.0)[0] == pytest.approx(9.0, rel=1e-12)
    assert at(res, "RENALCL", 0.0, 24.0)[0] == pytest.approx(9 / AUC_0_24 * 1e-3, rel=1e-12)


def test_renal_clearance_over_an_interval_across_doses():
    iv = pd.DataFrame({"start": [0.0, 12.0, 0.0], "end": [12.0, 24.0, 24.0], "kind": "partial"})
    res = nca(two_dose_study(), intervals=iv)
    assert at(res, "RENALCL", 0.0, 24.0)[0] == pytest.approx(9 / AUC_0_24 * 1e-3, rel=1e-12)
    # no dose inside (0, 12): the first dose's AUC(0-12) = 8 + 16/ln2 + 12/ln2 as before
    auc_0_12 = 8 + 28 / LN2
    assert at(res, "RENALCL", 0.0, 12.0)[0] == pytest.approx(5 / auc_0_12 * 1e-3, rel=1e-12)


def test_percent_of_dose_uses_the_doses_given_in_the_period():
    iv = pd.DataFrame({"start": [0.0, 12.0], "end": [12.0, 24.0], "kind": "partial"})
    res = nca(two_dose_study(), intervals=iv)
    # 0-12: 5 ug of the 1 mg dose = 100 * 0.005/1 = 0.5 %
    assert at(res, "RCPCINT", 0.0, 12.0)[0] == pytest.approx(0.5, rel=1e-12)
    # 12-24: 4 ug of the 0.5 mg dose given at 12 h = 100 * 0.004/0.5 = 0.8 %
    assert at(res, "RCPCINT", 12.0, 24.0)[0] == pytest.approx(0.8, rel=1e-12)
    # whole collection 0-24: 9 ug of 1 + 0.5 = 1.5 mg = 0.6 %
    assert at(res, "RCPCINT", 0.0, 24.0)[0] == pytest.approx(0.6, rel=1e-12)


def test_percent_of_a_mass_dose_from_molar_amounts_uses_the_molecular_weight():
    conc = pd.DataFrame(
        {
            "subject": "a",
            "analyte": "X",
            "time": [0.0, 1, 2, 4, 0],
            "end_time": [np.nan, np.nan, np.nan, np.nan, 12],
            "conc": [0.0, 100, 80, 40, 1000],
            "volume": [np.nan, np.nan, np.nan, np.nan, 100],
            "matrix": ["PLASMA"] * 4 + ["URINE"],
        }
    )
    doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
    units = {"time": "h", "conc": "nM", "dose": "mg", "volume": "mL"}
    res = nca(Study(conc, doses, units=units, mw={"X": 400.0}))
    # Ae = 1000 nmol/L x 0.1 L = 100 nmol; x 400 g/mol = 4e-5 g = 0.04 mg; of 1 mg = 4 %
    assert at(res, "RCPCINT", 0.0, 12.0)[0] == pytest.approx(4.0, rel=1e-12)
    # without the molecular weight: NaN with the reason
    value, why = at(nca(Study(conc, doses, units=units)), "RCPCINT", 0.0, 12.0)
    assert np.isnan(value) and "molecular weight" in why


def test_renal_clearance_needs_collections_over_the_whole_interval():
    """Collections 0-4, 4-8, 8-12 h: over 0-24 h they cover only 0-12 h, so Ae(0-12) over
    the plasma AUC(0-24) would mix two periods: NaN with the reason; 0-12 h is computed."""
    plasma = pd.DataFrame(
        {"time": [0.0, 1, 2, 4, 8, 12], "conc": [0.0, 10, 8, 4, 1, 0.25], "matrix": "PLASMA"}
    )
    urine = pd.DataFrame(
        {
            "time": [0.0, 4, 8],
            "end_time": [4.0, 8, 12],
            "conc": [100.0, 40, 10],
            "volume": [0.1, 0.1, 0.2],
            "matrix": "URINE",
        }
    )
    conc = pd.concat([plasma, urine], ignore_index=True).assign(subject="r1")
    doses = pd.DataFrame({"subject": ["r1"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
    units = {"time": "h", "conc": "ug/mL", "dose": "mg", "volume": "mL"}
    st = Study(conc, doses, pd.DataFrame({"subject": ["r1"]}), units=units)
    iv = pd.DataFrame({"start": [0.0, 0.0], "end": [24.0, 12.0], "kind": "partial"})
    p = nca(st, intervals=iv).parameters
    u = p[(p["matrix"] == "URINE") & (p["PPTESTCD"] == "RENALCL")]
    whole = u[(u.start == 0.0) & (u.end == 24.0)].iloc[0]
    assert np.isnan(whole["value"]) and "cover only part of the interval" in whole["exclude"]
    assert np.isfinite(u[(u.start == 0.0) & (u.end == 12.0)]["value"].iloc[0])
    # the amount over 0-24 h is still the collections inside it (documented): 16 ug
    ae = p[(p["PPTESTCD"] == "RCAMINT") & (p.start == 0.0) & (p.end == 24.0)]["value"].iloc[0]
    assert ae == pytest.approx(16.0, rel=1e-12)
