"""Dose design re-audit (s21 remix): the default select_dose window inside the study, body
weights checked against the species (grams hint only where it fits), per-m2 regimens
refused without pointing to an argument that does not exist. Expected values by hand or by
an independent computation written here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.pk._weights import weight_problem
from kinetor.translate import equal_efficacy_dose, run_study, select_dose

PS6 = "pS6_S235_236"
REF = "10 mg/kg PO QD x 14 days"


def _hours_below(t, y, start, end, level):
    """Hours in [start, end] with y <= level on a 0.001 h grid (independent of kinetor)."""
    grid = np.arange(start, end, 0.001) + 0.0005
    return float(np.sum(np.interp(grid, t, y) <= level) * 0.001)


# --- A2: the default window lies inside the simulated study -------------------------------


def test_select_dose_q40h_default_window_inside_a_lengthened_study():
    # Q40H x 7 days: doses at 0, 40, 80, 120, 160 h; the window is the 24 h after the last
    # dose, (160, 184) h, past the default study end (7 days = 168 h): the study is run for
    # ceil(184 / 24) = 8 days instead of refusing.
    res = select_dose(
        "vistusertib",
        "{dose} mg/kg PO Q40H x 7 days",
        readout=PS6,
        inhibition=50.0,
        hours=6.0,
        dose_range=(5.0, 500.0),
    )
    assert res.extra["window_h"] == (160.0, 184.0)
    assert res.feasible and 5.0 < res.dose < 500.0
    out = run_study(
        "vistusertib",
        "mouse",
        "MCF7",
        res.regimen,
        n_animals=1,
        seed=0,
        days=8,
        pk_variability=None,
        tumor_variability=False,
        noise=False,
        tumor_growth=False,
    )
    assert out.times[-1] >= 184.0
    y = out.readout_array(out.arms[1].name)[0, :, out.readout_names.index(PS6)]
    assert _hours_below(out.times, y, 160.0, 184.0, 50.0) == pytest.approx(res.achieved, abs=0.01)
    assert res.achieved >= 6.0 - 0.01


def test_select_dose_days_given_clips_the_default_window_and_says_so():
    # days=7: the study ends at 168 h; the default window (160, 184) is clipped to (160, 168)
    res = select_dose(
        "vistusertib",
        "{dose} mg/kg PO Q40H x 7 days",
        readout=PS6,
        inhibition=50.0,
        hours=4.0,
        dose_range=(5.0, 500.0),
        days=7,
    )
    assert res.extra["window_h"] == (160.0, 168.0)
    assert "clipped" in res.extra["window_note"]


# --- B1 / C1: body weights ------------------------------------------------------------------


def test_equal_efficacy_refuses_a_25_kg_mouse_with_the_grams_hint():
    with pytest.raises(ModelError, match="weight") as err:
        equal_efficacy_dose("vistusertib", REF, "{dose} mg PO QD x 14 days", weight=25)
    assert "25 g = 0.025 kg" in str(err.value)  # 25 / 1000 by hand


@pytest.mark.parametrize("weight", [0, -0.025, math.nan, "25 g", math.inf])
def test_equal_efficacy_refuses_weights_that_are_no_kg(weight):
    with pytest.raises(ModelError, match=r"weight = .*give the body weight in kg"):
        equal_efficacy_dose("vistusertib", REF, "{dose} mg PO QD x 14 days", weight=weight)


def test_select_dose_refuses_a_25_kg_mouse_before_simulating():
    with pytest.raises(ModelError, match="was it in grams"):
        select_dose("vistusertib", "{dose} mg/kg PO QD x 7 days", weight=25)


def test_grams_hint_only_where_the_value_in_grams_is_plausible():
    # mouse working range 0.011-0.034 kg (FDA 2005), 5x either side: 0.0022-0.17 kg.
    # 0.171 kg is above it, but 0.171 g = 0.000171 kg is below it: no grams hint.
    problem, fix = weight_problem(0.171, "mouse")
    assert "0.171 kg" in problem and fix == "give kg"
    # 25 (g) = 0.025 kg is inside: the hint is given
    assert "25 g = 0.025 kg" in weight_problem(25.0, "mouse")[1]
    # human 1000 kg: 1 kg is no adult either (20-300 kg): no hint
    assert "grams" not in weight_problem(1000.0, "human")[1]


# --- B2: per-m2 regimens ------------------------------------------------------------------


def test_equal_efficacy_per_m2_is_refused_without_pointing_to_bsa():
    with pytest.raises(ModelError) as err:
        equal_efficacy_dose(
            "vistusertib", "30 mg/m2 PO QD x 14 days", "{dose} mg/m2 PO QD x 14 days"
        )
    text = str(err.value)
    assert "not supported" in text and "bsa=" not in text


def test_select_dose_per_m2_is_refused():
    with pytest.raises(ModelError, match="not supported"):
        select_dose("vistusertib", "{dose} mg/m2 PO QD x 7 days")


def test_run_study_refuses_a_mouse_weight_in_grams_and_per_m2_doses():
    from kinetor.errors import ModelError
    from kinetor.translate import run_study

    with pytest.raises(ModelError, match="was it in grams"):
        run_study(compound="vistusertib", regimen="10 mg/kg PO QD x 3 days", weight=25)
    with pytest.raises(ModelError, match="per-m2 doses are not supported"):
        run_study(compound="vistusertib", regimen="30 mg/m2 PO QD x 3 days", n_animals=2)
