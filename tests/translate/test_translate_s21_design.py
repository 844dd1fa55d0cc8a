"""Dose design and clinical PD (audit s21): the steady-state window of select_dose, doses in
mg against a reference in mg/kg, upper bounds, zero and bad inputs, compound names.
Expected values by hand or by an independent computation written here."""

from __future__ import annotations

import numpy as np
import pytest

from kinetor.cli.main import main
from kinetor.errors import ModelError
from kinetor.translate import equal_efficacy_dose, run_study, select_dose
from kinetor.translate.clinical import clinical_pd_predictions

PS6 = "pS6_S235_236"


def _hours_below(t: np.ndarray, y: np.ndarray, start: float, end: float, level: float) -> float:
    """Hours in [start, end] with y <= level, on a 0.001 h grid of the linear interpolant
    (independent of kinetor's time_below)."""
    grid = np.arange(start, end, 0.001) + 0.0005
    return float(np.sum(np.interp(grid, t, y) <= level) * 0.001)


def _typical_course(regimen: str):
    out = run_study(
        "vistusertib",
        "mouse",
        "MCF7",
        regimen,
        n_animals=1,
        seed=0,
        pk_variability=None,
        tumor_variability=False,
        noise=False,
        tumor_growth=False,
    )
    j = out.readout_names.index(PS6)
    return out.times, out.readout_array(out.arms[1].name)[0, :, j]


# --- A1: the default window is the last dosing day, not the undosed end of the study ------


def test_select_dose_qd_3_days_uses_the_24_h_after_the_last_dose():
    # QD x 3 days: doses at 0, 24, 48 h; the study runs to day 7 (rounded to a week), so
    # "the last 24 h" (144-168 h) had no drug. The window is the 24 h after the dose at 48 h.
    res = select_dose(
        "vistusertib",
        "{dose} mg/kg PO QD x 3 days",
        readout=PS6,
        inhibition=50.0,
        hours=6.0,
        dose_range=(5.0, 500.0),
    )
    assert res.extra["window_h"] == (48.0, 72.0)
    assert res.feasible and not res.upper_bound and 5.0 < res.dose < 500.0
    # independent check: at the dose found, >= 6 h with p-S6 <= 50 % in 48-72 h ...
    t, y = _typical_course(res.regimen)
    assert _hours_below(t, y, 48.0, 72.0, 50.0) >= 6.0 - 0.01
    # ... and at 3 % less (outside the 1 % bracket), fewer than 6 h
    t, y = _typical_course(f"{res.dose * 0.97:.6g} mg/kg PO QD x 3 days")
    assert _hours_below(t, y, 48.0, 72.0, 50.0) < 6.0


@pytest.mark.parametrize(
    ("schedule", "window"),
    [
        # doses on days 0-4 (0, 24, ..., 96 h): the last dose's day
        ("{dose} mg/kg PO QD 5 days on/2 days off x 1 week", (96.0, 120.0)),
        # weekly: doses at 0, 168, 336 h
        ("{dose} mg/kg PO QW x 3 weeks", (336.0, 360.0)),
        # BID x 3 days: doses at 0, 12, ..., 60 h; the last dosing day holds 48 and 60 h
        ("{dose} mg/kg PO BID x 3 days", (48.0, 72.0)),
    ],
)
def test_select_dose_window_is_the_last_dosing_day(schedule, window):
    # a dose range whose lowest dose already meets a mild criterion: two runs only
    res = select_dose(
        "vistusertib",
        schedule,
        readout=PS6,
        inhibition=1.0,
        hours=0.5,
        dose_range=(400.0, 500.0),
    )
    assert res.extra["window_h"] == window


# --- C1: a criterion met at the lowest dose is an upper bound --------------------------------


def test_select_dose_met_at_the_lowest_dose_is_flagged_an_upper_bound():
    res = select_dose(
        "vistusertib",
        "{dose} mg/kg PO QD x 3 days",
        readout=PS6,
        inhibition=1.0,
        hours=0.5,
        dose_range=(400.0, 500.0),
    )
    assert res.dose == 400.0 and res.feasible
    assert res.upper_bound is True
    assert "upper bound" in res.reason and "lower dose_range" in res.reason


def test_equal_efficacy_above_the_reference_at_the_lowest_dose_is_an_upper_bound():
    # the same schedule at 2-4x the reference dose: more TGI than the reference already at 20
    res = equal_efficacy_dose(
        "vistusertib",
        "10 mg/kg PO QD x 7 days",
        "{dose} mg/kg PO QD x 7 days",
        dose_range=(20.0, 40.0),
    )
    assert res.dose == 20.0 and not res.feasible
    assert res.upper_bound is True and "upper bound" in res.reason


# --- A2: a schedule in mg against a reference in mg/kg ---------------------------------------


def test_equal_efficacy_schedule_in_mg_reports_mg_and_the_mass_ratio():
    res = equal_efficacy_dose(
        "vistusertib",
        "10 mg/kg PO QD x 7 days",
        "{dose} mg PO QD 5 days on/2 days off x 1 week",
        rtol=0.05,
    )
    assert res.feasible and res.unit == "mg" and " mg PO" in res.regimen
    # reference: 7 doses x 10 mg/kg x 0.025 kg (the mouse's reference weight) = 1.75 mg
    assert res.extra["reference_total"] == pytest.approx(1.75)
    assert res.extra["total_unit"] == "mg" and res.extra["weight_kg"] == 0.025
    # candidate: 5 doses of `dose` mg
    assert res.extra["total_ratio"] == pytest.approx(5 * res.dose / 1.75, rel=1e-5)
    # the answer as mg/kg (dose / 0.025 kg) is more than the reference's 10 mg/kg per dose
    # (5 of 7 days dosed) and, per total, within a few x of the reference's
    assert res.dose / 0.025 > 10.0 and 0.5 < res.extra["total_ratio"] < 5.0


# --- B4 and bad brackets: refused before any simulation --------------------------------------


def test_equal_efficacy_with_a_zero_reference_dose_is_refused():
    with pytest.raises(ModelError, match="dose > 0"):
        equal_efficacy_dose(
            "vistusertib", "0 mg/kg PO QD x 14 days", "{dose} mg/kg PO QD x 14 days"
        )


@pytest.mark.parametrize("bad", [(0.0, 10.0), (10.0, 5.0), (1.0, float("inf"))])
def test_a_bad_dose_range_is_refused(bad):
    with pytest.raises(ModelError, match="dose_range"):
        select_dose("vistusertib", dose_range=bad)


def test_a_window_after_the_study_is_refused():
    with pytest.raises(ModelError, match="window"):
        select_dose(
            "vistusertib",
            "{dose} mg/kg PO QD x 3 days",
            dose_range=(1.0, 10.0),
            window=(500.0, 524.0),
        )


# --- B1: clinical-pd compound names ----------------------------------------------------------


def test_clinical_pd_resolves_synonyms_and_case():
    for name in ("AZD5363", "Capivasertib"):
        res = clinical_pd_predictions(n_patients=2, compounds=[name])
        assert len(res) == 2 and set(res["compound"]) == {"capivasertib"}


def test_clinical_pd_refuses_an_unknown_compound_with_close_names():
    with pytest.raises(ModelError, match="did you mean capivasertib"):
        clinical_pd_predictions(n_patients=2, compounds=["capivasertb"])
    with pytest.raises(ModelError, match="no published clinical PD case"):
        clinical_pd_predictions(n_patients=2, compounds=["vistusertib"])


def test_cli_clinical_pd_unknown_compound_is_a_usage_error(capsys):
    assert main(["translate", "clinical-pd", "--patients", "2", "--compound", "nosuch"]) == 2
    assert "no compound 'nosuch'" in capsys.readouterr().err
