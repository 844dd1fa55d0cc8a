"""A Study built in Python with body weights in another unit keeps them in kg, as every
reader does (every analysis reads weights as kg): 250 g is 0.25 kg, written and read back
as 0.25 kg (it was written as 250 with the unit kg)."""

import pandas as pd
import pytest

from kinetor.data import Study, read_study, write_csv
from kinetor.errors import DataError

CONC = pd.DataFrame({"subject": ["S1"] * 3, "time": [0.25, 0.5, 1.0], "conc": [12, 10, 8.0]})
DOSES = pd.DataFrame({"subject": ["S1"], "time": [0.0], "dose": [1.0], "route": ["IV"]})
SUBJ = pd.DataFrame({"subject": ["S1"], "weight": [250.0]})
UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}


def test_weights_in_grams_are_kept_in_kg_and_round_trip(tmp_path):
    st = Study(CONC, DOSES, subjects=SUBJ, units={**UNITS, "weight": "g"})
    assert st.subjects["weight"].tolist() == [0.25] and st.units["weight"] == "kg"
    assert "subjects: weights converted from g to kg" in st.notes
    write_csv(st, tmp_path / "out")
    assert read_study(str(tmp_path / "out")).subjects["weight"].tolist() == [0.25]


def test_a_weight_unit_that_is_no_mass_is_refused():
    with pytest.raises(DataError, match="weight unit 'mL' is not a mass"):
        Study(CONC, DOSES, subjects=SUBJ, units={**UNITS, "weight": "mL"})
