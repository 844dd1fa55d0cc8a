"""validate_study on hand-built studies: every rule, every violation at once."""

import numpy as np
import pandas as pd

from kinetor.data import Study, validate_study

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}


def _study(conc=None, doses=None, subjects=None, units=UNITS):
    conc = (
        conc
        if conc is not None
        else pd.DataFrame({"subject": ["a", "a"], "time": [1.0, 2.0], "conc": [5.0, 3.0]})
    )
    doses = (
        doses
        if doses is not None
        else pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0], "route": ["iv_bolus"]})
    )
    return Study(conc, doses, subjects=subjects, units=units)


def test_clean_study_has_no_problems():
    assert validate_study(_study()) == []


def test_conc_rules():
    conc = pd.DataFrame(
        {
            "subject": ["a", "a", "a", "a", "a", "a"],
            "time": [1.0, 1.0, np.nan, 4.0, 6.0, 1.0],
            "conc": [5.0, 4.0, 2.0, -1.0, 2.0, 3.0],
            "lloq": [1.0, 1.0, 1.0, 1.0, 0.0, 1.0],
            "exclude": ["", "", "", "", "", "replicate"],  # excluded: no duplicate with rows 1-2
            "source_row": [2, 3, 4, 5, 6, 7],
        }
    )
    got = [(p.row, p.message.split(":")[0]) for p in validate_study(_study(conc))]
    assert got == [
        (5, "negative concentration -1"),
        (4, "no time for this sample"),
        (6, "LLOQ must be > 0, got 0"),
        (2, "duplicate time 1 in the profile of subject 'a' (ANALYTE, PLASMA)"),
        (3, "duplicate time 1 in the profile of subject 'a' (ANALYTE, PLASMA)"),
    ]


def test_same_time_in_other_analyte_or_matrix_is_not_a_duplicate():
    conc = pd.DataFrame(
        {
            "subject": ["a"] * 3,
            "time": [1.0] * 3,
            "conc": [1.0] * 3,
            "analyte": ["P", "M", "P"],
            "matrix": ["PLASMA", "PLASMA", "TUMOR"],
        }
    )
    assert validate_study(_study(conc)) == []


def test_dose_rules():
    doses = pd.DataFrame(
        {
            "subject": ["a", "a", "a", "a", "a"],
            "time": [0.0, 12.0, np.nan, 36.0, 48.0],
            "dose": [1.0, 0.0, 1.0, 1.0, 1.0],
            "route": ["iv_bolus", "iv_bolus", "iv_bolus", "", "iv_infusion"],
            "route_raw": ["IV", "IV", "IV", "teleport", "IV inf"],
            "duration": [0.0, 0.0, 0.0, 0.0, 0.0],
            "source_row": [2, 3, 4, 5, 6],
        }
    )
    got = [(p.row, p.message) for p in validate_study(_study(doses=doses))]
    assert got == [
        (3, "dose must be > 0, got 0"),
        (4, "dose has no time"),
        (5, "unknown route 'teleport'"),
        (6, "infusion without a duration"),
    ]


def test_undosed_subject_and_subject_rules():
    conc = pd.DataFrame(
        {
            "subject": ["a", "b", "b"],
            "time": [1.0, 1.0, 2.0],
            "conc": [1.0, 2.0, 3.0],
            "source_row": [2, 3, 4],
        }
    )
    subjects = pd.DataFrame(
        {"subject": ["a", "a", "b"], "sex": ["M", "F", "M"], "weight": [0.25, 0.25, -1.0]}
    )
    got = [p.message for p in validate_study(_study(conc, subjects=subjects))]
    assert got == [
        "subject 'b' has concentrations but no dose",
        "weight of subject 'b' must be > 0, got -1",
        "subject 'a' has conflicting sex: ['F', 'M']",
    ]


def test_units_of_the_wrong_kind():
    st = _study(units={"time": "ng/mL", "conc": "h", "dose": "L"})
    got = [p.message.split(" is not")[0] for p in validate_study(st)]
    assert got == [
        "time unit 'ng/mL' ([mass] / [length] ** 3)",
        "conc unit 'h' ([time])",
        "dose unit 'L' ([length] ** 3)",
    ]


def test_dose_units_accepted():
    for unit in ("mg", "mg/kg", "mg/m2", "umol/kg", "nmol"):
        assert validate_study(_study(units={**UNITS, "dose": unit})) == []
