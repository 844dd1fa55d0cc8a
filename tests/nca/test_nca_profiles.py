"""Profiles: which doses apply to which analyte, inserted dose-time points, windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.errors import DataError
from kinetor.nca import nca
from kinetor.nca.options import Options
from kinetor.nca.profiles import build_profiles

UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}


def test_a_dose_without_analyte_applies_to_parent_and_metabolite():
    conc = pd.DataFrame(
        {
            "subject": "a",
            "analyte": ["P"] * 3 + ["M"] * 3,
            "time": [1.0, 2, 4] * 2,
            "conc": [4.0, 2, 1, 1.0, 2, 1],
        }
    )
    doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [5.0], "route": ["PO"]})
    res = nca(Study(conc, doses, units=UNITS))
    prof = res.profiles.set_index("analyte")
    assert prof.loc["P", "dose"] == 5.0 and prof.loc["M", "dose"] == 5.0
    w = res.to_wide().set_index("analyte")
    assert (w.loc["P", "CMAX"], w.loc["M", "TMAX"]) == (4.0, 2.0)


def test_doses_naming_analytes_go_to_their_own_profiles():
    # two drugs given together: each dose names its analyte
    conc = pd.DataFrame(
        {
            "subject": "a",
            "analyte": ["A"] * 3 + ["B"] * 3,
            "time": [1.0, 2, 4] * 2,
            "conc": [4.0, 2, 1, 8.0, 4, 2],
        }
    )
    doses = pd.DataFrame(
        {
            "subject": "a",
            "analyte": ["A", "B"],
            "time": 0.0,
            "dose": [1.0, 3.0],
            "route": ["PO", "IV"],
        }
    )
    res = nca(Study(conc, doses, units=UNITS))
    prof = res.profiles.set_index("analyte")
    assert prof.loc["A", ["dose", "route"]].tolist() == [1.0, "extravascular"]
    assert prof.loc["B", ["dose", "route"]].tolist() == [3.0, "iv_bolus"]
    # B is an IV bolus: C0 = 8 * 8/4 = 16 (log back-extrapolation)
    assert res.to_wide().set_index("analyte").loc["B", "C0"] == pytest.approx(16.0)


def test_two_doses_at_one_time_for_one_analyte_is_an_error():
    conc = pd.DataFrame({"subject": "a", "time": [1.0, 2, 4], "conc": [4.0, 2, 1]})
    doses = pd.DataFrame({"subject": "a", "time": [0.0, 0.0], "dose": [1.0, 2.0], "route": "PO"})
    with pytest.raises(DataError, match="two doses at time 0"):
        nca(Study(conc, doses, units=UNITS))


def test_inserted_point_and_observed_mask():
    conc = pd.DataFrame(
        {
            "subject": ["a"] * 3 + ["b"] * 3,
            "time": [1.0, 2, 4, 0.0, 2, 4],
            "conc": [4.0, 2, 1, 1.0, 3, 2],
        }
    )
    doses = pd.DataFrame({"subject": ["a", "b"], "time": 0.0, "dose": 1.0, "route": "PO"})
    prof = build_profiles(Study(conc, doses, units=UNITS), Options())
    # a: no sample at the dose -> (0, 0) inserted; b: the t=0 sample is duplicated
    assert prof.T[0].tolist() == [0.0, 1.0, 2.0, 4.0]
    assert prof.C[0].tolist() == [0.0, 4.0, 2.0, 1.0]
    assert prof.C[1].tolist() == [1.0, 1.0, 3.0, 2.0]
    assert prof.obs.tolist() == [[False, True, True, True], [False, True, True, True]]


def test_interval_windows_use_time_after_the_interval_start():
    conc = pd.DataFrame(
        {"subject": "a", "time": [24.0, 25, 26, 30, 36, 48], "conc": [1.0, 6, 5, 3, 2, 1]}
    )
    doses = pd.DataFrame({"subject": "a", "time": [0.0, 24.0], "dose": 1.0, "route": "PO"})
    res = nca(
        Study(conc, doses, units=UNITS), intervals=pd.DataFrame({"start": [24.0], "end": [36.0]})
    )
    w = res.to_wide().iloc[0]
    assert (w.TMAX, w.TLST, w.start, w.end) == (1.0, 12.0, 24.0, 36.0)
    assert np.isclose(w.CTROUGH, 2.0)  # the 48 h sample lies outside the interval


def test_group_column_in_the_concentration_table():
    conc = pd.DataFrame(
        {
            "subject": ["a"] * 3 + ["b"] * 3,
            "dose_group": ["lo"] * 3 + ["hi"] * 3,
            "time": [1.0, 2, 4] * 2,
            "conc": [4.0, 2, 1, 8.0, 4, 2],
        }
    )
    doses = pd.DataFrame({"subject": ["a", "b"], "time": 0.0, "dose": [1.0, 2.0], "route": "PO"})
    st = Study(conc, doses, units=UNITS, groups=["dose_group"])
    res = nca(st)
    w = res.to_wide()
    assert w.set_index("subject").loc["b", "dose_group"] == "hi"
    s = res.summary().set_index(["dose_group", "PPTESTCD"])
    assert s.loc[("hi", "CMAX"), "n"] == 1
    assert s.loc[("hi", "CMAX"), "geomean"] == pytest.approx(8.0, rel=1e-12)
