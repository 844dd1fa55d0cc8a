"""Default dosing intervals of a multiple-dose study (Phoenix-style selection), by hand.

Doses of 100 mg PO at 0, 24, 48, 72 h. Day 1 profile; predose troughs on days 2-3; the
last dose fully sampled with a washout to 144 h. Units h, mg/L, mg.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca

LN2 = math.log(2.0)
TIMES = [0.0, 1, 4, 24, 48, 72, 73, 84, 96, 120, 144]
CONCS = [0.0, 5, 4, 2, 2.5, 3.0, 10, 8, 4, 2, 1]


def md_study():
    conc = pd.DataFrame({"subject": "m1", "time": TIMES, "conc": CONCS})
    doses = pd.DataFrame({"subject": "m1", "time": [0.0, 24, 48, 72], "dose": 100.0, "route": "PO"})
    return Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})


def test_trough_only_intervals_are_not_analysed():
    res = nca(md_study(), auc_method="linear")
    ivs = sorted(zip(res.profiles["start"], res.profiles["end"], strict=True))
    assert ivs == [(0.0, 24.0), (72.0, 96.0)]
    notes = " ".join(res.provenance["notes"])
    assert "24-48" in notes and "48-72" in notes and "trough" in notes
    # no CMAX from a trough anywhere
    cmax = res.parameters.query("PPTESTCD == 'CMAX'")
    assert sorted(cmax["value"]) == [5.0, 10.0]


def test_last_interval_extends_to_the_last_sample_for_lambda_z():
    res = nca(md_study(), auc_method="linear")
    w = res.to_wide().set_index("start").loc[72.0]
    # lambda_z from the washout: 4, 2, 1 at 24, 48, 72 h after the dose (k = ln2/24);
    # within the 24 h interval alone there would be only 2 points after Tmax
    assert w.LAMZ == pytest.approx(LN2 / 24, rel=1e-10)
    assert (w.LAMZNPT, w.LAMZLL, w.LAMZUL) == (3, 24.0, 72.0)
    # Cmax, Cmin over [0, tau] only (the 1 mg/L washout sample is not Cmin)
    assert (w.CMAX, w.TMAX, w.CMIN, w.TMIN, w.CTROUGH) == (10.0, 1.0, 3.0, 0.0, 4.0)
    assert w.AUCTAU == pytest.approx(1 * 13 / 2 + 11 * 18 / 2 + 12 * 12 / 2, rel=1e-12)
