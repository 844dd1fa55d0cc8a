"""Phoenix WinNonlin / PKNCA conventions that kinetor follows, each checked by hand.

Units h, mg/L, mg unless a test says otherwise.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca

FIX = Path(__file__).parent / "fixtures"
UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}


def theoph_subject(subject: int) -> Study:
    df = pd.read_csv(FIX / "theoph.csv")
    df = df[df.Subject == subject]
    conc = pd.DataFrame({"subject": df.Subject.astype(str), "time": df.Time, "conc": df.conc})
    doses = pd.DataFrame({"subject": [str(subject)], "time": [0.0], "dose": [320.0],
                          "route": ["PO"]})
    return Study(conc, doses, units=UNITS)


def value(res, code, start=None, end=None):
    p = res.parameters
    sel = p.PPTESTCD == code
    if start is not None:
        sel &= (p.start == start) & (p.end == end)
    row = p[sel]
    assert len(row) == 1, (code, len(row))
    return float(row["value"].iloc[0])


def test_partial_auc_wholly_after_tlast_uses_predicted_ends():
    # Phoenix: an interval [a, b] after Tlast integrates between C*(a) and C*(b) predicted
    # by lambda_z. Theoph subject 6 (Tlast 23.85 h): WinNonlin's lambda_z and AUCINF_pred
    # give CLSTP = (AUCINF_pred - AUClast) lambda_z; AUC(30, 48) = (C*(30) - C*(48))/lambda_z.
    ref = pd.read_csv(FIX / "wnl_theoph_log.csv").set_index("Subject").loc[6]
    lz = ref.Lambda_z
    clstp = (ref.AUCINF_pred - ref.AUClast) * lz
    c30 = clstp * math.exp(-lz * (30 - ref.Tlast))
    c48 = clstp * math.exp(-lz * (48 - ref.Tlast))
    expected = (c30 - c48) / lz
    assert expected == pytest.approx(4.96155, abs=5e-6)
    iv = pd.DataFrame({"start": [30.0, 30.0], "end": [48.0, np.inf], "kind": "partial"})
    res = nca(theoph_subject(6), intervals=iv)
    assert value(res, "AUCINT", 30.0, 48.0) == pytest.approx(expected, rel=1e-7)
    # to infinity: C*(30)/lambda_z
    assert value(res, "AUCINT", 30.0, np.inf) == pytest.approx(c30 / lz, rel=1e-7)
