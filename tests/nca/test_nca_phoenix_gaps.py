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


def blq_study():
    # BLQ at 0 (first), 3 (middle, after Tmax) and 12, 24 (last); Tmax = 1
    conc = pd.DataFrame({"subject": "b1", "time": [0.0, 1, 2, 3, 4, 8, 12, 24],
                         "conc": [np.nan, 8, 4, np.nan, 2, 1, np.nan, np.nan],
                         "blq": [True, False, False, True, False, False, True, True],
                         "lloq": 0.5})
    doses = pd.DataFrame({"subject": ["b1"], "time": [0.0], "dose": [10.0], "route": ["PO"]})
    return Study(conc, doses, units=UNITS)


@pytest.mark.parametrize("rule, expected", [
    # PKNCA's default is first=keep, middle=drop, last=keep (BLQ = 0)
    ("pknca", 4 + 6 + 2 * 3 + 4 * 1.5 + 4 * 0.5 + 12 * 0),
    ({"first": "keep", "middle": "drop", "last": "keep"}, 4 + 6 + 2 * 3 + 6 + 2),
    # middle as a number: the 3 h sample enters at 0.25
    ({"first": "keep", "middle": 0.25, "last": "drop"},
     4 + 6 + (4 + 0.25) / 2 + (0.25 + 2) / 2 + 6),
    # last as a number extends AUCall and AUClast (0.5 is > 0: Tlast moves to 24 h)
    ("first=drop,middle=drop,last=0.5", None),
    ({"before_tmax": "keep", "after_tmax": 0.1},
     4 + 6 + (4 + 0.1) / 2 + (0.1 + 2) / 2 + 6 + 4 * (1 + 0.1) / 2 + 12 * 0.1),
])
def test_pknca_blq_shapes_linear_auc(rule, expected):
    res = nca(blq_study(), blq_rule=rule, auc_method="linear")
    got = value(res, "AUCALL")
    if expected is None:
        # first dropped: no dose-time sample, so one is inserted at C = 0 (same area);
        # middle dropped; last = 0.5 at 12 and 24 h
        expected = 4 + 6 + 2 * 3 + 6 + 4 * (1 + 0.5) / 2 + 12 * 0.5
        assert value(res, "TLST") == 24.0
    assert got == pytest.approx(expected, rel=1e-12)


def test_blq_shape_errors_name_the_problem():
    from kinetor.errors import KinetorError

    with pytest.raises(KinetorError, match="first, middle and last"):
        nca(blq_study(), blq_rule={"first": "keep", "middle": "drop"})
    with pytest.raises(KinetorError, match="'keep', 'drop' or a concentration"):
        nca(blq_study(), blq_rule="first=keep,middle=half,last=keep")
