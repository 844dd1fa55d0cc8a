"""Wrong arguments to the Python API of ``kinetor.translate``: a ModelError naming the
argument and the fix, at construction, never a silently changed study."""

import pytest

import kinetor.translate as tr
from kinetor.errors import ModelError
from kinetor.translate.arms import Arm
from kinetor.translate.options import StudyDesign

REGIMEN = "7.5 mg/kg PO QD x 7 days"


def test_a_misspelt_arm_key_is_refused_not_turned_into_a_vehicle_arm():
    arm = {"name": "A", "compund": "vistusertib", "regimen": REGIMEN}
    with pytest.raises(
        ModelError, match=r"unknown key\(s\) 'compund' \(did you mean 'compound'\?\)"
    ):
        tr.run_study(arms=[arm], n_animals=2)


def test_a_misspelt_treatment_key_is_refused():
    arm = {"name": "A", "treatments": [{"compound": "vistusertib", "regime": REGIMEN}]}
    with pytest.raises(ModelError, match="'regime'"):
        Arm.coerce(arm)


def test_a_treatment_without_a_regimen_is_refused():
    with pytest.raises(ModelError, match="lacks regimen"):
        Arm.coerce({"name": "A", "treatments": [{"compound": "vistusertib"}]})


def test_a_regimen_without_a_compound_is_refused():
    with pytest.raises(ModelError, match="a regimen without a compound"):
        Arm.coerce({"name": "A", "regimen": REGIMEN})


def test_an_arm_dict_still_reads():
    arm = Arm.coerce({"name": "A", "compound": "vistusertib", "regimen": REGIMEN})
    assert arm.compounds == ["vistusertib"] and not arm.is_vehicle


def test_a_tumour_lesion_string_is_one_lesion():
    assert tr.TumorSpec("X", lesions="PTEN_loss").lesions == ("PTEN_loss",)
    assert tr.TumorSpec("X", lesions="PTEN_loss;KRAS_mut").lesions == ("PTEN_loss", "KRAS_mut")


def test_an_unknown_tumour_lesion_is_refused_at_construction():
    with pytest.raises(ModelError, match=r"tumour 'X': unknown lesion\(s\) 'PTEN'"):
        tr.TumorSpec("X", lesions=("PTEN",))


def test_an_unknown_tgi_formula_is_refused_before_the_study_runs():
    with pytest.raises(ModelError, match="tgi_formula must be one of delta, geometric, rtv"):
        StudyDesign(compound="vistusertib", regimen=REGIMEN, tgi_formula="nope")


def test_a_fractional_number_of_animals_asks_for_a_whole_number():
    with pytest.raises(ModelError, match="n_animals must be a whole number"):
        StudyDesign(n_animals=1.5)


def test_measurement_days_twice_weekly_by_hand():
    # days 0, 3 (weekday indices 0 and 3), 7, 10, and the last day 14
    assert tr.measurement_days(14) == [0.0, 3.0, 7.0, 10.0, 14.0]


@pytest.mark.parametrize("days", [-1, float("nan"), "x"])
def test_measurement_days_refuses_a_study_length_that_is_not_a_day_count(days):
    with pytest.raises(ModelError, match="days must be"):
        tr.measurement_days(days)


@pytest.mark.parametrize("weekdays", [(9,), (), (1.5,), 3])
def test_measurement_days_refuses_weekdays_outside_0_to_6(weekdays):
    with pytest.raises(ModelError, match=r"weekdays must be whole numbers 0\.\.6"):
        tr.measurement_days(14, weekdays=weekdays)
