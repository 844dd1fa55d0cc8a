"""Audit s21 of the biomarker models: exposure courses of different lengths, exposure per
group, bad values, drug-parameter ranges, the effect compartment's units, column aliases
and header units, parameter units, duplicate rows.

Expected values come from closed forms written here: under a constant plasma
concentration c switched on at t = 0, the effect-site concentration is
Ce(t) = c (1 - exp(-ke0 t)) (Sheiner et al. 1979), and E = e0 + emax Ce / (ec50 + Ce).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import curve_fit

from kinetor.errors import DataError, ModelError
from kinetor.pd import EffectCompartment, Emax, Imax
from kinetor.pd.fit_models import fit_pd
from kinetor.pd.idr import (
    IndirectResponseI,
    IndirectResponseII,
    IndirectResponseIII,
    IndirectResponseIV,
)

TRUE = {"ke0": 0.4, "e0": 10.0, "emax": 80.0, "ec50": 3.0}
LEVELS = {"a": 1.0, "b": 4.0, "c": 16.0}
TIMES = np.array([0.5, 1.0, 2.0, 4.0, 6.0, 10.0, 24.0, 48.0])


def _effect(t, c, ke0, e0, emax, ec50):
    ce = c * (1.0 - np.exp(-ke0 * t))
    return e0 + emax * ce / (ec50 + ce)


def _data(seed=0, animals=LEVELS, times=TIMES) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for a, c in animals.items():
        y = _effect(times, c, **TRUE) + rng.normal(0.0, 0.5, times.size)
        rows += [{"animal": a, "time": t, "value": v} for t, v in zip(times, y, strict=True)]
    return pd.DataFrame(rows)


def _check_closed_form(f, data, level_of_animal):
    """The fit's predictions are the closed form at its own estimates (every animal at
    its own course, Ce(0) = 0), and the estimates are near the truth."""
    p = f.params_.iloc[0]
    c = data["animal"].map(level_of_animal).to_numpy(float)
    want = _effect(data["time"].to_numpy(float), c, p["ke0"], p["e0"], p["emax"], p["ec50"])
    np.testing.assert_allclose(f.fitted_, want, rtol=1e-6)
    for k, v in TRUE.items():
        assert p[k] == pytest.approx(v, rel=0.1), k


# -- B1: courses of different lengths, a pre-dose row -----------------------------------
def test_b1_courses_of_different_length_and_a_predose_row_are_fitted():
    data = _data()
    # b runs to 72 h (the data to 48); a has a pre-dose row at -1 h and a jump at 0;
    # c starts at 0 without a jump (0 before it, as a course that starts later)
    ex = pd.DataFrame(
        {
            "animal": ["a", "a", "a", "a", "b", "b", "c", "c"],
            "time": [-1.0, 0.0, 0.0, 48.0, 0.0, 72.0, 0.0, 48.0],
            "conc": [0.0, 0.0, 1.0, 1.0, 4.0, 4.0, 16.0, 16.0],
        }
    )
    f = fit_pd(data, "effect_emax", exposure=ex, fixed={"hill": 1.0})
    assert bool(f.converged_.iloc[0])
    _check_closed_form(f, data, LEVELS)


def test_b1_a_short_course_names_the_animal_its_span_and_the_data_span():
    data = _data()
    data["source_row"] = np.arange(2, len(data) + 2)
    data.attrs["kinetor_file"] = "pd.csv"
    ex = pd.DataFrame(
        {
            "animal": ["a", "a", "b", "b", "c", "c"],
            "time": [0.0, 48.0, 0.0, 24.0, 0.0, 48.0],
            "conc": [1.0, 1.0, 4.0, 4.0, 16.0, 16.0],
        }
    )
    with pytest.raises(DataError) as err:
        fit_pd(data, "effect_emax", exposure=ex, fixed={"hill": 1.0})
    (prob,) = err.value.problems
    assert "animal b" in prob.message and "0-24" in prob.message and "0.5-48" in prob.message
    # the first data row of b beyond 24 h: b's rows are 10-17, 48 h is row 17
    assert (prob.file, prob.row, prob.column) == ("pd.csv", 17, "time")


# -- C6: a data row before the exposure is the data's ----------------------------------
def test_c6_a_negative_data_time_names_the_data_row():
    data = pd.concat(
        [pd.DataFrame({"animal": ["a"], "time": [-1.0], "value": [10.0]}), _data()],
        ignore_index=True,
    )
    data["source_row"] = np.arange(2, len(data) + 2)
    data.attrs["kinetor_file"] = "pd.csv"
    ex = pd.DataFrame(
        {"animal": list("aabbcc"), "time": [0.0, 48.0] * 3, "conc": [1, 1, 4, 4, 16, 16]}
    )
    with pytest.raises(DataError) as err:
        fit_pd(data, "effect_emax", exposure=ex, fixed={"hill": 1.0})
    (prob,) = err.value.problems
    assert (prob.file, prob.row, prob.column) == ("pd.csv", 2, "time")
    assert "animal a" in prob.message and "-1" in prob.message


# -- B2: exposure per group --------------------------------------------------------------
def test_b2_exposure_keyed_by_group_drives_each_animal_of_the_group():
    animals = {"a1": 1.0, "a2": 1.0, "b1": 4.0, "c1": 16.0}
    data = _data(seed=1, animals=animals)
    data["group"] = data["animal"].map({"a1": "low", "a2": "low", "b1": "mid", "c1": "high"})
    ex = pd.DataFrame(
        {
            "group": ["low", "low", "mid", "mid", "high", "high"],
            "time": [0.0, 48.0] * 3,
            "conc": [1.0, 1.0, 4.0, 4.0, 16.0, 16.0],
        }
    )
    f = fit_pd(data, "effect_emax", exposure=ex, fixed={"hill": 1.0})
    _check_closed_form(f, data, animals)


# -- B3, C4, C5: bad values name their row and a fix -------------------------------------
@pytest.mark.parametrize("bad", ["abc", "n/a"])
def test_b3_text_in_value_is_a_data_error_with_row_and_column(bad):
    c = np.array([0.0, 1.0, 3.0, 10.0, 30.0, 100.0])
    d = pd.DataFrame({"animal": "a", "conc": c, "value": 5.0 + 80.0 * c / (10.0 + c)})
    d = d.astype(object)
    d.loc[3, "value"] = bad
    with pytest.raises(DataError) as err:
        fit_pd(d, "emax")
    (prob,) = err.value.problems
    assert prob.column == "value" and "row 4 of the table" in prob.message and prob.fix


def test_c4_c5_a_missing_value_names_its_row_not_the_concentration():
    c = np.array([0.0, 1.0, 3.0, 10.0, 30.0, 100.0])
    d = pd.DataFrame({"animal": "a", "conc": c, "value": 5.0 + 80.0 * c / (10.0 + c)})
    d.loc[0, "value"] = np.nan  # at conc 0: the old text said "observation time 0"
    with pytest.raises(DataError) as err:
        fit_pd(d, "emax")
    (prob,) = err.value.problems
    assert "observation time" not in prob.message and "row 1 of the table" in prob.message
    assert "lloq" in prob.fix  # C5: the fix is given (a BLQ value needs its LLOQ)


# -- C7: exact repeats -------------------------------------------------------------------
def test_c7_exact_duplicate_rows_are_noted():
    data = _data()
    data = pd.concat([data, data.iloc[[3]]], ignore_index=True)
    ex = pd.DataFrame(
        {"animal": list("aabbcc"), "time": [0.0, 48.0] * 3, "conc": [1, 1, 4, 4, 16, 16]}
    )
    f = fit_pd(data, "effect_emax", exposure=ex, fixed={"hill": 1.0, "ke0": 0.4})
    (note,) = f.data_notes_
    assert "1 data row(s) repeat" in note and f"{len(data)} of the table" in note


# -- B4: drug parameters out of range ----------------------------------------------------
@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: Imax(e0=100.0, imax=-0.5, ic50=1.0), "imax"),
        (lambda: IndirectResponseI(kin=1.0, kout=1.0, imax=-0.5, ic50=1.0), "imax"),
        (lambda: IndirectResponseII(kin=1.0, kout=1.0, imax=0.0, ic50=1.0), "imax"),
        (lambda: IndirectResponseIII(kin=1.0, kout=1.0, emax=-2.0, ec50=1.0), "emax"),
        (lambda: IndirectResponseIV(kin=1.0, kout=1.0, emax=-2.0, ec50=1.0), "emax"),
    ],
)
def test_b4_out_of_range_drug_parameters_are_refused(make, name):
    with pytest.raises(ModelError, match=rf"{name} = -?[0-9.]+ must be .*> 0"):
        make()


# -- B5: the effect compartment's unit -----------------------------------------------------
def test_b5_effect_site_concentration_is_converted_to_the_response_unit():
    m = EffectCompartment(
        ke0=1.0, conc_unit="ug/mL", response=Emax(e0=0.0, emax=100.0, ec50=50.0, conc_unit="ng/mL")
    )
    # 1 ug/mL = 1000 ng/mL; Ce(50) = 1000 (1 - e^-50); E = 100 * 1000 / (50 + 1000)
    out = m.predict([0.0, 50.0], cp=[1.0, 1.0])
    assert out[0] == 0.0
    assert out[1] == pytest.approx(100.0 * 1000.0 / 1050.0, rel=1e-12)


def test_b5_a_mass_against_a_molar_unit_is_refused():
    with pytest.raises(ModelError, match="cannot be converted"):
        EffectCompartment(ke0=1.0, conc_unit="ug/mL", response=Emax(ec50=5.0, conc_unit="nM"))


# -- C1, C2: column aliases, units from the headers, parameter units -------------------------
def test_c1_c2_aliases_and_header_units_of_a_direct_model():
    c = np.array([0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0])
    y = 5.0 + 80.0 * c / (10.0 + c) + np.array([0.3, -0.2, 0.1, -0.4, 0.2, 0.1, -0.1])
    d = pd.DataFrame({"Subject": "s1", "Concentration (nM)": c, "Response (%)": y})
    f = fit_pd(d, "emax")
    ref, _ = curve_fit(lambda x, e0, em, e50: e0 + em * x / (e50 + x), c, y, p0=[5, 80, 10])
    est = f.params_.iloc[0][["e0", "emax", "ec50"]].to_numpy(float)
    np.testing.assert_allclose(est, ref, rtol=1e-4)
    units = f.summary.set_index("parameter")["unit"]
    assert (units["e0"], units["emax"], units["ec50"]) == ("%", "%", "nM")


def test_c1_c2_data_minutes_against_exposure_hours_are_converted():
    data = _data().rename(columns={"time": "Time (min)", "value": "Response"})
    data["Time (min)"] = data["Time (min)"] * 60.0  # the same samples, in minutes
    ex = pd.DataFrame(
        {
            "animal": list("aabbcc"),
            "time (h)": [0.0, 48.0] * 3,
            "conc (ng/mL)": [1, 1, 4, 4, 16, 16],
        }
    )
    f = fit_pd(data, "effect_emax", exposure=ex, fixed={"hill": 1.0})
    p = f.params_.iloc[0]
    assert p["ke0"] == pytest.approx(TRUE["ke0"] / 60.0, rel=0.1)  # per minute
    units = f.summary.set_index("parameter")["unit"]
    assert (units["ke0"], units["ec50"]) == ("1/min", "ng/mL")
    assert not f.exposure_notes_  # converted, not merely noted


# -- C1, C5 through the command line ----------------------------------------------------------
def test_cli_reads_aliases_and_units_and_gives_the_fix_of_a_blank_value(tmp_path, capsys):
    from kinetor.cli.main import main

    c = [0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0]
    y = [5.3, 12.07, 23.56, 44.6, 65.2, 77.83, 82.32]
    lines = ["Subject,Conc (nM),Response"] + [f"s1,{a},{b}" for a, b in zip(c, y, strict=True)]
    good = tmp_path / "good.csv"
    good.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert main(["--quiet", "pd", "fit", str(good), "--model", "emax", "--out", str(out)]) == 0
    units = pd.read_csv(out / "parameters.csv").set_index("parameter")["unit"]
    assert units["ec50"] == "nM"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*lines[:4], "s1,10.0,", *lines[5:]]) + "\n")
    capsys.readouterr()
    code = main(["pd", "fit", str(bad), "--model", "emax", "--out", str(tmp_path / "o2")])
    err = " ".join(capsys.readouterr().err.split())
    assert code != 0 and "value is missing" in err and "lloq" in err
