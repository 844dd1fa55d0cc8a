"""The NCA Python API on careless input: AUCINT/AUMCINT with a late
interval end (the tail lost when C* underflowed), infinite concentrations, negative or
missing doses, samples without a value, objects that are not a Study, out-of-range
acceptance options, doses of subjects without samples, intervals to infinity, and the
back-extrapolated C0 of the docstring. Expected values are computed by hand here."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.errors import DataError, KinetorError
from kinetor.nca import nca
from kinetor.nca._kernels import trapezoid

U = {"time": "h", "conc": "mg/L", "dose": "mg"}
T = [0.0, 1, 2, 3, 4, 5]
C = [0.0, 10, 8, 4, 2, 1]
LZ = math.log(2.0)  # 8, 4, 2, 1: halving every hour, Clast = CLSTP = 1 at Tlast = 5


def _study(conc=C, doses=None, **kw):
    c = pd.DataFrame({"subject": "a", "time": T, "conc": conc})
    d = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [100.0], "route": ["PO"]})
    return Study(c, d if doses is None else doses, units=U, **kw)


def _value(res, code, start=None, end=None):
    p = res.parameters
    sel = p["PPTESTCD"] == code
    if start is not None:
        sel &= (p["start"] == start) & (p["end"] == end)
    row = p[sel]
    assert len(row) == 1, (code, len(row))
    return float(row["value"].iloc[0]), str(row["exclude"].iloc[0])


def _log_aumc(t1, c1, t2, c2):
    # docs/nca.md: dt (t2 C2 - t1 C1)/ln(C2/C1) - dt^2 (C2 - C1)/ln(C2/C1)^2
    dt, lr = t2 - t1, math.log(c2 / c1)
    return dt * (t2 * c2 - t1 * c1) / lr - dt * dt * (c2 - c1) / lr**2


# linear up 0 -> 10 (0-1 h), log down after it
AUCLAST = 5.0 + 2.0 / math.log(10 / 8) + (4 + 2 + 1) / LZ
AUMCLAST = 0.5 * (0 * 0 + 1 * 10) + sum(
    _log_aumc(t1, c1, t2, c2)
    for t1, c1, t2, c2 in ((1, 10, 2, 8), (2, 8, 3, 4), (3, 4, 4, 2), (4, 2, 5, 1))
)


@pytest.mark.parametrize("end", [10.0, 30.0, 55.0, 60.0, 100.0, 1e4, 1e6])
def test_aucint_keeps_the_tail_for_a_late_end(end):
    iv = pd.DataFrame({"start": [0.0], "end": [end], "kind": ["partial"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = nca(_study(), intervals=iv)
    decay = math.exp(-LZ * (end - 5.0))
    auc, why = _value(res, "AUCINT", 0.0, end)
    # AUClast + Clast/lambda_z (1 - exp(-lambda_z (end - tlast)))
    assert auc == pytest.approx(AUCLAST + (1 - decay) / LZ, rel=1e-12) and why == ""
    # integral of t Clast exp(-lambda_z (t - tlast)) from tlast to end
    tail = (5.0 / LZ + 1 / LZ**2) - decay * (end / LZ + 1 / LZ**2)
    aumc, why = _value(res, "AUMCINT", 0.0, end)
    assert aumc == pytest.approx(AUMCLAST + tail, rel=1e-12) and why == ""


def test_the_hand_values_hold_for_the_whole_profile():
    res = nca(_study())
    assert _value(res, "LAMZ")[0] == pytest.approx(LZ, rel=1e-12)
    assert _value(res, "AUCLST")[0] == pytest.approx(AUCLAST, rel=1e-12)
    assert _value(res, "AUMCLST")[0] == pytest.approx(AUMCLAST, rel=1e-12)


def test_partial_area_to_infinity_is_the_lambda_z_tail():
    iv = pd.DataFrame({"start": [0.0, 2.0, 6.0], "end": [np.inf] * 3, "kind": "partial"})
    res = nca(_study(), intervals=iv)
    auc0 = AUCLAST + 1 / LZ
    assert _value(res, "AUCINT", 0.0, np.inf) == (pytest.approx(auc0, rel=1e-12), "")
    assert _value(res, "AUMCINT", 0.0, np.inf)[0] == pytest.approx(
        AUMCLAST + 5 / LZ + 1 / LZ**2, rel=1e-12
    )
    # from 2 h: minus the area 0-2 (5 + the log segment 10 -> 8)
    assert _value(res, "AUCINT", 2.0, np.inf)[0] == pytest.approx(
        auc0 - 5 - 2 / math.log(1.25), rel=1e-12
    )
    # wholly after Tlast (Phoenix): C*(6)/lambda_z = 0.5/ln 2
    assert _value(res, "AUCINT", 6.0, np.inf)[0] == pytest.approx(0.5 / LZ, rel=1e-12)


def test_log_trapezoid_of_a_vanishing_concentration():
    # C2/C1 = 1e-20: 1 + (C2 - C1)/C1 rounds to 0; the area is dt (C1 - C2)/ln(C1/C2)
    auc, aumc = trapezoid(np.array(0.0), np.array(1.0), np.array(1.0), np.array(1e-20), True)
    assert float(auc) == pytest.approx(1 / math.log(1e20), rel=1e-12)
    assert np.isfinite(aumc)


def test_a_dosing_interval_to_infinity_is_refused_on_its_row():
    iv = pd.DataFrame({"start": [0.0], "end": [np.inf], "kind": ["tau"]})
    with pytest.raises(DataError) as exc:
        nca(_study(), intervals=iv)
    p = exc.value.problems[0]
    assert (p.row, p.column) == (2, "end") and "'single'" in p.fix


def test_infinite_concentration_names_its_row():
    with pytest.raises(DataError) as exc:
        nca(_study(conc=[0, 10, np.inf, 4, 2, 1]))
    p = exc.value.problems[0]
    assert (p.row, p.column) == (3, "conc") and "finite" in p.message


@pytest.mark.parametrize("dose", [-5.0, np.nan, np.inf])
def test_negative_missing_or_infinite_dose_names_its_row(dose):
    d = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [dose], "route": ["PO"]})
    with pytest.raises(DataError) as exc:
        nca(_study(doses=d))
    p = exc.value.problems[0]
    assert (p.row, p.column) == (1, "dose") and p.fix


def test_a_zero_dose_is_a_vehicle_with_a_reason():
    d = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [0.0], "route": ["PO"]})
    value, why = _value(nca(_study(doses=d)), "CLFO")
    assert math.isnan(value) and why


def test_a_sample_without_a_value_is_excluded_with_a_reason_and_a_note():
    st = _study(conc=[0, 10, np.nan, 4, 2, 1])
    assert st.conc["exclude"].tolist() == ["", "", "no concentration value", "", "", ""]
    assert any("without a concentration value" in n and "rows 3" in n for n in st.notes)
    res = nca(st)
    assert _value(res, "NCONC")[0] == 5  # the five samples with a value


def test_a_dose_of_a_subject_without_samples_is_noted():
    d = pd.DataFrame({"subject": ["b"], "time": [0.0], "dose": [100.0], "route": ["PO"]})
    st = _study(doses=d)
    assert any("'b'" in n and "no concentration samples" in n for n in st.notes)


@pytest.mark.parametrize("obj", ["f.csv", pd.DataFrame({"subject": ["a"], "conc": [1.0]})])
def test_nca_of_something_that_is_not_a_study(obj):
    with pytest.raises(DataError, match="needs a kinetor Study") as exc:
        nca(obj)
    assert "read_study" in exc.value.problems[0].fix


def test_text_concentration_names_its_row():
    with pytest.raises(DataError) as exc:
        _study(conc=["0", "10", "x", "4", "2", "1"])
    p = exc.value.problems[0]
    assert (p.row, p.column) == (3, "conc") and "'x'" in p.message


def test_no_dose_table_runs_without_dose_based_parameters_and_says_so():
    st = Study(pd.DataFrame({"subject": "a", "time": T, "conc": C}), None, units=U)
    assert any("no dose table" in n for n in st.notes)
    assert _value(nca(st), "AUCLST")[0] == pytest.approx(AUCLAST, rel=1e-12)


@pytest.mark.parametrize(
    "kw",
    [
        {"min_r2adj": 2},
        {"min_r2adj": -0.1},
        {"max_aucpext": -5},
        {"max_aucpext": 150},
        {"min_span_ratio": -1},
        {"min_span_ratio": float("nan")},
    ],
)
def test_acceptance_thresholds_out_of_range_are_refused(kw):
    with pytest.raises(KinetorError, match=next(iter(kw))):
        nca(_study(), **kw)


def test_iv_bolus_c0_of_exact_ratios_is_exact():
    c = pd.DataFrame({"subject": "a", "time": [1.0, 2, 4], "conc": [8.0, 4, 2]})
    d = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0], "route": ["IV"]})
    res = nca(Study(c, d, units=U))
    assert float(res.to_wide().C0[0]) == 16.0  # 8 * 8/4
