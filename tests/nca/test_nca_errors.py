"""Bad input: DataError listing every bad row; expected problems as NaN with a reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.errors import DataError, KinetorError
from kinetor.nca import Options, nca

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}


def st(conc, doses=None):
    if doses is None:
        subs = pd.unique(pd.Series(conc["subject"]))
        doses = pd.DataFrame({"subject": subs, "time": 0.0, "dose": 1.0, "route": "PO"})
    return Study(pd.DataFrame(conc), doses, units=UNITS)


def test_negative_concentrations_are_listed_row_by_row():
    s = st(
        {
            "subject": ["a"] * 4 + ["b"] * 2,
            "time": [0, 1, 2, 4, 1, 2],
            "conc": [0.0, -1, 3, -2, 4, 2],
        }
    )
    with pytest.raises(DataError) as err:
        nca(s)
    rows = sorted(p.row for p in err.value.problems)
    assert rows == [2, 4]  # source rows of the two negative values (1-based)
    assert all(p.column == "conc" for p in err.value.problems)


def test_duplicate_times_in_a_profile():
    s = st({"subject": ["a"] * 4, "time": [0, 1, 1, 2], "conc": [0.0, 3, 4, 2]})
    with pytest.raises(DataError) as err:
        nca(s)
    assert sorted(p.row for p in err.value.problems) == [2, 3]
    assert "two samples at time 1" in str(err.value)


def test_missing_time_on_a_used_sample():
    s = st({"subject": ["a"] * 3, "time": [0, np.nan, 2], "conc": [0.0, 3, 2]})
    with pytest.raises(DataError, match="no time"):
        nca(s)


def test_unknown_route():
    doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0], "route": ["teleport"]})
    with pytest.raises(DataError, match="unknown route 'teleport'"):
        nca(st({"subject": ["a"] * 3, "time": [0, 1, 2], "conc": [0.0, 3, 2]}, doses))


def test_bad_options():
    s = st({"subject": ["a"] * 3, "time": [0, 1, 2], "conc": [0.0, 3, 2]})
    with pytest.raises(KinetorError, match="auc_method"):
        nca(s, auc_method="log")
    with pytest.raises(KinetorError, match="unknown NCA option"):
        nca(s, bogus=1)
    with pytest.raises(KinetorError, match=">= 3"):
        Options(lambda_z_min_points=2)


def test_no_dose_gives_nan_clearance_with_reason():
    conc = {"subject": ["a"] * 5, "time": [0, 1, 2, 4, 8], "conc": [1.0, 8, 4, 2, 1]}
    doses = pd.DataFrame({"subject": ["other"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
    res = nca(st(conc, doses))
    p = res.parameters.set_index("PPTESTCD")
    # without a dose the route is unknown: no route-specific parameters at all
    assert "CLFO" not in p.index and "CLO" not in p.index and "TLAG" not in p.index
    assert p.loc["AUCLST", "value"] > 0
    assert np.isnan(p.loc["CMAXD", "value"])
    assert "no dose" in p.loc["CMAXD", "exclude"]


def test_all_zero_profile():
    res = nca(st({"subject": ["a"] * 4, "time": [0, 1, 2, 4], "conc": [0.0, 0, 0, 0]}))
    p = res.parameters.set_index("PPTESTCD")
    assert np.isnan(p.loc["TLST", "value"])
    assert p.loc["TLST", "exclude"] == "no concentration above 0"
    assert p.loc["AUCALL", "value"] == 0.0
    assert np.isnan(p.loc["AUCIFO", "value"]) and p.loc["AUCIFO", "exclude"] != ""


def test_everything_blq_is_a_data_error():
    conc = pd.DataFrame(
        {"subject": ["a"] * 3, "time": [0, 1, 2], "conc": np.nan, "blq": True, "lloq": 1.0}
    )
    with pytest.raises(DataError, match="no usable concentration"):
        nca(st(conc), blq_rule="missing")


def test_molar_concentration_with_mass_dose_needs_mw():
    conc = {"subject": ["a"] * 5, "time": [0, 1, 2, 4, 8], "conc": [0.0, 8, 4, 2, 1]}
    doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
    s = Study(pd.DataFrame(conc), doses, units={"time": "h", "conc": "nM", "dose": "mg"})
    p = nca(s).parameters.set_index("PPTESTCD")
    assert np.isnan(p.loc["CLFO", "value"]) and "molecular weight" in p.loc["CLFO", "exclude"]
    s = Study(
        pd.DataFrame(conc),
        doses,
        units={"time": "h", "conc": "nM", "dose": "mg"},
        mw={"ANALYTE": 500.0},
    )
    p = nca(s).parameters.set_index("PPTESTCD")
    # 1 mg / 500 g/mol = 2 umol; CL = 2e-6 mol / (AUC nM*h) -> L/h: 2000 / AUCIFO
    assert p.loc["CLFO", "value"] == pytest.approx(2000 / p.loc["AUCIFO", "value"], rel=1e-12)


def test_infusion_without_duration_gives_nan_mrt_with_reason():
    conc = {"subject": ["a"] * 5, "time": [0.5, 1, 2, 4, 8], "conc": [8.0, 6, 4, 2, 1]}
    doses = pd.DataFrame(
        {
            "subject": ["a"],
            "time": [0.0],
            "dose": [1.0],
            "route": ["IV infusion"],
            "duration": [0.0],
        }
    )
    p = nca(st(conc, doses)).parameters.set_index("PPTESTCD")
    assert np.isnan(p.loc["MRTIVIFO", "value"]) and "duration" in p.loc["MRTIVIFO", "exclude"]
    assert p.loc["CLO", "value"] > 0  # clearance does not need the duration
