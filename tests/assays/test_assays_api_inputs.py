"""Hostile inputs to the assays Python API: a DataError naming the parameter and the fix,
at the call, never a numpy ValueError, a silent broadcast or a mislabelled result (QA
report 92, items 14, 15, 21)."""

import numpy as np
import pandas as pd
import pytest

from kinetor.assays import DoseResponseFit, fit_dose_response, fit_gr, gr_values, synergy
from kinetor.errors import DataError

X = np.array([0.01, 0.03, 0.1, 0.3, 1, 3, 10])
DRC = pd.DataFrame({"drug": "A", "dose": X, "response": 100 / (1 + (X / 0.5) ** 2)})


# -- gr_values ---------------------------------------------------------------------


def test_gr_values_by_hand_and_shared_scalars():
    # t0 = 100, control 400 (2 doublings), count 200 (1 doubling): 2^(1/2) - 1
    assert gr_values([200.0], 400.0, 100.0) == pytest.approx([np.sqrt(2) - 1])
    # one control/t0 per count
    assert gr_values([200.0, 400.0], [400.0, 400.0], [100.0, 100.0]) == pytest.approx(
        [np.sqrt(2) - 1, 1.0]
    )
    assert gr_values([0.0], 400.0, 100.0) == pytest.approx([-1.0])  # 2^-inf - 1


def test_gr_values_lengths_must_match():
    with pytest.raises(DataError, match="control has 1 values, count has 2") as err:
        gr_values([200.0, 300.0], [400.0], [100.0, 100.0])
    assert err.value.problems[0].column == "control" and err.value.problems[0].fix
    with pytest.raises(DataError, match="time_zero has 3 values"):
        gr_values([200.0, 300.0], 400.0, [100.0, 100.0, 100.0])


@pytest.mark.parametrize(
    ("args", "column", "text"),
    [
        (([-5.0], 400.0, 100.0), "count", "-5 at position 0"),
        (([np.nan], 400.0, 100.0), "count", "nan at position 0"),
        (([200.0], 0.0, 100.0), "control", "not a number > 0"),
        (([200.0], 400.0, -1.0), "time_zero", "not a number > 0"),
        (([200.0], 100.0, 100.0), "control", "GR is undefined"),
        ((["a"], 400.0, 100.0), "count", "not all numbers"),
    ],
)
def test_gr_values_bad_values_are_named(args, column, text):
    with pytest.raises(DataError, match=text) as err:
        gr_values(*args)
    assert err.value.problems[0].column == column


def test_fit_gr_dose_unit_checked():
    gr = pd.DataFrame({"dose": X, "count": 200.0, "count_control": 400.0, "count_t0": 100.0})
    with pytest.raises(DataError, match="'h' is not a concentration or dose unit"):
        fit_gr(gr, dose_unit="h")


# -- synergy level and n_boot ----------------------------------------------------------


def _matrix():
    d1, d2 = np.meshgrid(np.r_[0, X], np.r_[0, X], indexing="ij")
    v = 100 / ((1 + d1.ravel() / 0.5) * (1 + d2.ravel()))
    return pd.DataFrame({"d1": d1.ravel(), "d2": d2.ravel(), "v": v})


@pytest.mark.parametrize(
    ("kw", "column"),
    [
        ({"n_boot": 10, "level": 1.5}, "level"),
        ({"n_boot": 10, "level": 0.0}, "level"),
        ({"n_boot": -1}, "n_boot"),
        ({"n_boot": 2.5}, "n_boot"),
        ({"methods": []}, "methods"),
        ({"methods": ["blis"]}, "methods"),
    ],
)
def test_synergy_options_named(kw, column):
    with pytest.raises(DataError) as err:
        synergy(_matrix(), dose1="d1", dose2="d2", response="v", **kw)
    (p,) = err.value.problems
    assert p.column == column and p.fix


def test_synergy_one_method_as_text():
    res = synergy(_matrix(), dose1="d1", dose2="d2", response="v", methods="bliss")
    assert res.summary["method"].tolist() == ["bliss"]


# -- fit_dose_response ci and dose_unit --------------------------------------------------


def test_ci_checked_at_construction():
    with pytest.raises(DataError, match="unknown CI method 'boot'") as err:
        DoseResponseFit(ci="boot")  # no fit needed
    assert err.value.problems[0].column == "ci"
    with pytest.raises(DataError, match="unknown CI method"):
        fit_dose_response(DRC, ci="boot")
    with pytest.raises(DataError, match="3PL/4PL"):
        DoseResponseFit("5pl", ci="profile")


@pytest.mark.parametrize("unit", ["kg", "mg", "h", "%", "furlongs", "nm", 5])
def test_dose_unit_must_be_a_concentration_or_dose(unit):
    with pytest.raises(DataError) as err:
        fit_dose_response(DRC, dose_unit=unit)
    assert err.value.problems[0].column == "dose_unit" and "--unit" in err.value.problems[0].fix


@pytest.mark.parametrize("unit", ["", "uM", "nM", "ng/mL", "mg/L", "mg/kg", "umol/kg", "Gy"])
def test_dose_units_accepted(unit):
    r = fit_dose_response(DRC, dose_unit=unit)
    # the IC50 of 100 / (1 + (x / 0.5)^2) is 0.5 in the input's unit
    assert r["ic50"].iloc[0] == pytest.approx(0.5, rel=1e-4)
    assert r["ic50_text"].iloc[0].strip().endswith(unit or "0.5")


@pytest.mark.parametrize(
    ("kw", "column"),
    [
        ({"fix": {"top": "100"}}, "fix"),
        ({"ci_level": 95}, "ci_level"),
        ({"absolute_level": "half"}, "absolute_level"),
        ({"outlier_z": -1}, "outlier_z"),
    ],
)
def test_other_fit_options(kw, column):
    with pytest.raises(DataError) as err:
        DoseResponseFit(**kw)
    assert err.value.problems[0].column == column
