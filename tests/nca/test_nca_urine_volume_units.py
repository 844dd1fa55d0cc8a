"""Urine amounts when the volume unit is not the volume of the concentration unit.

Ae = C V must be expressed in the amount unit: ug/mL x L is 1000 ug, not 1 ug. Expected
values by hand (the same collections as tests/nca/test_nca_urine.py, volumes rescaled).
"""

from __future__ import annotations

import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca


def _study(conc_unit: str, urine_conc, volume_unit: str, volumes) -> Study:
    plasma = pd.DataFrame(
        {"time": [0.0, 1, 2, 4, 8, 12], "conc": [0.0, 10, 8, 4, 1, 0.25], "matrix": "PLASMA"}
    )
    if conc_unit == "ng/mL":
        plasma["conc"] *= 1000.0
    urine = pd.DataFrame(
        {
            "time": [0.0, 4, 8],
            "end_time": [4.0, 8, 12],
            "conc": urine_conc,
            "volume": volumes,
            "matrix": "URINE",
        }
    )
    conc = pd.concat([plasma, urine], ignore_index=True).assign(subject="r1")
    doses = pd.DataFrame({"subject": ["r1"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
    units = {"time": "h", "conc": conc_unit, "dose": "mg", "volume": volume_unit}
    return Study(conc, doses, pd.DataFrame({"subject": ["r1"]}), units=units)


def _urine(res):
    p = res.parameters
    return p[p["matrix"] == "URINE"].set_index("PPTESTCD")


@pytest.mark.parametrize(
    ("conc_unit", "urine_conc", "volume_unit", "volumes", "ae", "amount_unit"),
    [
        # 100 ug/mL x 0.1 L = 100 ug/mL x 100 mL = 10,000 ug; 40 x 100 mL = 4,000;
        # 10 x 200 mL = 2,000 -> 16,000 ug
        ("ug/mL", [100.0, 40, 10], "L", [0.1, 0.1, 0.2], 16000.0, "ug"),
        # 100,000 ng/mL x 0.1 mL = 10,000 ng ... -> 16,000 ng (same numbers in mL: factor 1)
        ("ng/mL", [100000.0, 40000, 10000], "mL", [0.1, 0.1, 0.2], 16000.0, "ng"),
        # 100,000 ng/mL x 1e-4 L = 10,000 ng ... -> 16,000 ng
        ("ng/mL", [100000.0, 40000, 10000], "L", [1e-4, 1e-4, 2e-4], 16000.0, "ng"),
        # 100 ug/mL x 100 uL = 10 ug ... -> 16 ug
        ("ug/mL", [100.0, 40, 10], "uL", [100.0, 100.0, 200.0], 16.0, "ug"),
    ],
)
def test_amounts_follow_the_volume_unit(
    conc_unit, urine_conc, volume_unit, volumes, ae, amount_unit
):
    u = _urine(nca(_study(conc_unit, urine_conc, volume_unit, volumes)))
    assert u.loc["RCAMINT", "unit"] == amount_unit
    assert u.loc["RCAMINT", "value"] == pytest.approx(ae, rel=1e-12)
    # % of the 1 mg dose (1e6 ng, 1e3 ug)
    dose = 1e6 if amount_unit == "ng" else 1e3
    assert u.loc["RCPCINT", "value"] == pytest.approx(100.0 * ae / dose, rel=1e-12)
    # the first collection's rate is its amount over 4 h
    assert u.loc["ERMAX", "value"] == pytest.approx(ae * 10.0 / 16.0 / 4.0, rel=1e-12)


def test_renal_clearance_with_volumes_in_litres():
    res = nca(_study("ug/mL", [100.0, 40, 10], "L", [0.1, 0.1, 0.2]))
    u = _urine(res)
    p = res.parameters
    auc = p[(p["matrix"] == "PLASMA") & (p["PPTESTCD"] == "AUCLST")]["value"].iloc[0]
    # Ae(0-12) = 16,000 ug = 16 mg over AUC(0-12) in h*ug/mL (= h*mg/L): CLr = 16/AUC L/h
    assert u.loc["RENALCL", "unit"] == "L/h"
    assert u.loc["RENALCL", "value"] == pytest.approx(16.0 / auc, rel=1e-12)


def test_molar_concentrations_give_amounts_of_substance():
    # 100,000 nM x 0.1 mL = 1e-4 mol/L x 1e-4 L = 1e-8 mol = 10 nmol; 4 + 2 -> 16 nmol
    st = _study("nM", [100000.0, 40000, 10000], "mL", [0.1, 0.1, 0.2])
    st.mw = {"ANALYTE": 400.0}
    u = _urine(nca(st))
    assert u.loc["RCAMINT", "unit"] == "nmol"
    assert u.loc["RCAMINT", "value"] == pytest.approx(16.0, rel=1e-12)
    # 16 nmol x 400 g/mol = 6.4 ug of the 1 mg dose = 0.64 %
    assert u.loc["RCPCINT", "value"] == pytest.approx(0.64, rel=1e-12)
